"""The organisation tree: adding, moving (no cycles), merging, retiring (workers and open schedules go up), and the
all-or-nothing import of .csv, .yaml and .xlsx files, on the real database."""
from __future__ import annotations

import io

import pytest
import yaml
from openpyxl import Workbook
from sqlalchemy import func, select

from broadcasts.models import Schedule, ScheduleStatus
from core import users
from org import service, transfer
from org.models import Organisation
from org.service import OrgError
from org.transfer import ImportRejected


async def seed(s) -> dict[str, Organisation]:
    units = {}
    units["city"] = await service.add_unit(s, "city", "某市总工会", "市")
    units["d1"] = await service.add_unit(s, "d1", "东城区总工会", "区县", "city")
    units["s1"] = await service.add_unit(s, "s1", "东华街道工会", "街镇", "d1")
    units["f1"] = await service.add_unit(s, "f1", "机械厂工会", "基层", "s1")
    units["d2"] = await service.add_unit(s, "d2", "西城区总工会", "区县", "city")
    return units


async def test_the_tree_lists_depth_first_with_its_levels(services):
    async with services.sessions() as s, s.begin():
        await seed(s)
        lines = await service.list_tree(s)
    assert [(line.depth, line.unit.code, line.parent_code) for line in lines] == [
        (0, "city", None), (1, "d1", "city"), (2, "s1", "d1"), (3, "f1", "s1"), (1, "d2", "city")]


@pytest.mark.parametrize("code", ["", "有中文", "UPPER ok", "a b", "x" * 33, "a/b", "a.b"])
async def test_bad_codes_are_refused(services, code):
    async with services.sessions() as s, s.begin():
        if code == "UPPER ok":
            code = "UP PER"
        with pytest.raises(OrgError, match="单位代码"):
            await service.add_unit(s, code, "某单位")


async def test_codes_are_unique_and_parents_must_exist(services):
    async with services.sessions() as s, s.begin():
        await seed(s)
        with pytest.raises(OrgError, match="「d1」已被使用"):
            await service.add_unit(s, "D1", "另一个")
        with pytest.raises(OrgError, match="上级单位「nowhere」不存在"):
            await service.add_unit(s, "x1", "某单位", parent_code="nowhere")


async def test_moving_a_unit_below_itself_is_refused_and_nothing_changes(services):
    async with services.sessions() as s, s.begin():
        units = await seed(s)
        for target in ("d1", "s1", "f1"):
            with pytest.raises(OrgError, match="循环"):
                await service.move(s, units["d1"].id, target)
        moved = await service.move(s, units["s1"].id, "d2")
        assert moved.parent_id == units["d2"].id
        assert await service.subtree_ids(s, units["d2"].id) == {units[c].id for c in ("d2", "s1", "f1")}
        assert await service.subtree_ids(s, units["d1"].id) == {units["d1"].id}


async def test_retiring_moves_workers_and_child_units_to_the_parent(services):
    async with services.sessions() as s, s.begin():
        units = await seed(s)
        for chat_id in (1, 2):
            await users.record_user(s, chat_id)
            await service.join(s, chat_id, units["s1"])
        await users.record_user(s, 3)
        await service.join(s, 3, units["f1"])
        await service.retire(s, units["s1"].id)
        assert (await service.unit_of(s, 1)).code == "d1"
        assert (await service.unit_of(s, 2)).code == "d1"
        assert (await service.unit_of(s, 3)).code == "f1"
        assert (await s.get(Organisation, units["f1"].id)).parent_id == units["d1"].id
        assert await service.member_count(s, units["d1"].id) == 2
        assert await service.member_counts(s) == {units["d1"].id: 2, units["f1"].id: 1}
        assert await service.unit_by_code(s, "s1") is None  # a retired code no longer joins
        assert [line.unit.code for line in await service.list_tree(s)] == ["city", "d1", "f1", "d2"]
        with pytest.raises(OrgError, match="已撤销"):
            await service.retire(s, units["s1"].id)


async def _schedule(s, unit: Organisation | None, status: ScheduleStatus = ScheduleStatus.ACTIVE) -> int:
    row = Schedule(kind="text", text="冬季用电安全", trigger="weekly", weekdays="mon", at_time="09:00",
                   unit_id=unit.id if unit is not None else None, status=status)
    s.add(row)
    await s.flush()
    return row.id


async def test_retiring_moves_the_open_schedules_of_the_unit_to_the_parent(services):
    async with services.sessions() as s, s.begin():
        units = await seed(s)
        active = await _schedule(s, units["s1"])
        paused = await _schedule(s, units["s1"], ScheduleStatus.PAUSED)
        finished = await _schedule(s, units["s1"], ScheduleStatus.FINISHED)
        below = await _schedule(s, units["f1"])
        await service.retire(s, units["s1"].id)
        rows = {row.id: (row.unit_id, row.status) for row in (await s.scalars(select(Schedule))).all()}
    assert rows == {active: (units["d1"].id, ScheduleStatus.ACTIVE), paused: (units["d1"].id, ScheduleStatus.PAUSED),
                    finished: (units["s1"].id, ScheduleStatus.FINISHED),  # history stays where it was
                    below: (units["f1"].id, ScheduleStatus.ACTIVE)}  # the child unit moved, its schedule with it


async def test_merging_moves_open_schedules_into_the_target_and_retiring_a_root_cancels_its_own(services):
    async with services.sessions() as s, s.begin():
        units = await seed(s)
        merged = await _schedule(s, units["d1"])
        await service.merge(s, units["d1"].id, "d2")
        rooted = await _schedule(s, units["city"])
        everyone = await _schedule(s, None)
        await service.retire(s, units["city"].id)
        rows = {row.id: (row.unit_id, row.status) for row in (await s.scalars(select(Schedule))).all()}
    assert rows == {merged: (units["d2"].id, ScheduleStatus.ACTIVE),
                    # nothing above a root: cancelled, never widened to every worker of the tree
                    rooted: (units["city"].id, ScheduleStatus.CANCELLED),
                    everyone: (None, ScheduleStatus.ACTIVE)}


async def test_merging_moves_workers_and_refuses_merging_into_its_own_subtree(services):
    async with services.sessions() as s, s.begin():
        units = await seed(s)
        await users.record_user(s, 7)
        await service.join(s, 7, units["d1"])
        with pytest.raises(OrgError, match="合并"):
            await service.merge(s, units["d1"].id, "f1")
        with pytest.raises(OrgError, match="不存在"):
            await service.merge(s, units["d1"].id, "")
        await service.merge(s, units["d1"].id, "d2")
        assert (await service.unit_of(s, 7)).code == "d2"
        assert (await s.get(Organisation, units["s1"].id)).parent_id == units["d2"].id
        assert (await s.get(Organisation, units["d1"].id)).retired


async def test_search_finds_active_units_by_any_part_of_the_name(services):
    async with services.sessions() as s, s.begin():
        units = await seed(s)
        await service.retire(s, units["d2"].id)
        assert [u.code for u in await service.search_units(s, "区总工会")] == ["d1"]
        assert [u.code for u in await service.search_units(s, "东 工会")] == ["d1", "s1"]
        assert await service.search_units(s, "100%_") == []
        assert await service.search_units(s, "   ") == []


def table_file(fmt: str, rows: list[list[str]]) -> bytes:
    header = ["code", "name", "level", "parent"]
    if fmt == "yaml":
        return yaml.safe_dump([dict(zip(header, r, strict=True)) for r in rows], allow_unicode=True).encode()
    if fmt == "csv":
        return "\n".join(",".join(r) for r in [header, *rows]).encode()
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [["city", "某市总工会", "市", ""], ["d1", "东城区总工会", "区县", "city"], ["s1", "东华街道", "街镇", "d1"]]
# (rows, the problem each format must report, by row — a row is a line of the table or an item of the YAML list)
BAD = {
    "duplicate": (GOOD + [["d1", "重复", "区县", "city"]], "单位代码「d1」在文件中重复"),
    "unknown parent": (GOOD + [["x", "某单位", "基层", "nowhere"]], "上级单位「nowhere」不存在"),
    "cycle": (GOOD + [["a", "甲", "", "b"], ["b", "乙", "", "a"]], "循环"),
    "bad code": (GOOD + [["坏代码", "某单位", "", ""]], "单位代码只能"),
}


def where(fmt: str, index: int) -> str:
    return f"第 {index + 1} 条" if fmt == "yaml" else f"第 {index + 2} 行"


@pytest.mark.parametrize("fmt", transfer.FORMATS)
async def test_import_and_export_round_trip(services, fmt):
    async with services.sessions() as s, s.begin():
        result = await transfer.import_tree(s, transfer.parse(table_file(fmt, GOOD), fmt))
        assert (result.added, result.updated) == (3, 0)
        exported = transfer.render(await transfer.export_rows(s), fmt)
        again = await transfer.import_tree(s, transfer.parse(exported, fmt))
        assert (again.added, again.updated) == (0, 3)
        assert [(line.depth, line.unit.name) for line in await service.list_tree(s)] == [
            (0, "某市总工会"), (1, "东城区总工会"), (2, "东华街道")]


@pytest.mark.parametrize("fmt", transfer.FORMATS)
@pytest.mark.parametrize("case", sorted(BAD))
async def test_a_bad_row_rejects_the_whole_file_naming_the_row(services, fmt, case):
    rows, problem = BAD[case]
    async with services.sessions() as s, s.begin():
        with pytest.raises(ImportRejected) as caught:
            await transfer.import_tree(s, transfer.parse(table_file(fmt, rows), fmt))
        count = await s.scalar(select(func.count()).select_from(Organisation))
    assert count == 0  # nothing half-imported
    assert any(p.startswith(where(fmt, 3)) and problem in p for p in caught.value.problems), \
        caught.value.problems


async def test_an_import_cycle_through_existing_units_is_refused(services):
    async with services.sessions() as s, s.begin():
        await seed(s)
        rows = transfer.parse(table_file("csv", [["city", "某市总工会", "市", "f1"]]), "csv")
        with pytest.raises(ImportRejected, match="city → f1 → s1 → d1 → city"):
            await transfer.import_tree(s, rows)
        assert (await service.unit_by_code(s, "city")).parent_id is None


@pytest.mark.parametrize(("data", "fmt", "problem"), [
    (b"PK\x03\x04 not really a zip", "xlsx", "不是有效的 Excel"),
    ("code,name\n".encode("utf-16"), "csv", "不是有效的 CSV"),
    (b"\x00\x01\x02", "csv", "不是有效的 CSV"),
    (b"code: [unclosed", "yaml", "不是有效的 YAML"),
    (b"just a string", "yaml", "不是有效的 YAML"),
    (b"", "csv", "没有任何单位"),
    (b"id,title\n1,x\n", "csv", "缺少列：code、name"),
])
def test_unreadable_files_get_one_clear_message(data, fmt, problem):
    with pytest.raises(ImportRejected, match=problem):
        transfer.parse(data, fmt)


async def test_an_excel_export_keeps_a_name_that_looks_like_a_formula_as_text(services):
    async with services.sessions() as s, s.begin():
        await service.add_unit(s, "odd", "=HYPERLINK(\"http://x\")工会")
        data = transfer.render(await transfer.export_rows(s), "xlsx")
    from openpyxl import load_workbook

    cell = load_workbook(io.BytesIO(data)).active["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")工会'


def test_the_file_name_decides_the_format():
    assert transfer.format_of("树.XLSX") == "xlsx"
    assert transfer.format_of("tree.yml") == "yaml"
    with pytest.raises(ImportRejected, match="不支持的文件类型「doc」"):
        transfer.format_of("tree.doc")
