"""``ankang tips list`` and ``ankang tips export`` against a real database."""
from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime

from click.testing import CliRunner

from ankang.cli import main
from ankang.services import open_services
from tests.conftest import CHEAP_RECEIPTS
from tests.tips.helpers import has_metadata, photo_with_gps
from tips.photos import sanitize
from tips.service import TipDraft, submit_tip


def test_list_and_export(make_settings, tmp_path, monkeypatch):
    settings = make_settings()

    async def seed() -> None:
        services = await open_services(settings)
        try:
            async with services.sessions() as s, s.begin():
                draft = TipDraft("chemicals", "warehouse", "化工园区7号库", "危化品仓库里混放氧化剂和易燃物", True,
                                 [sanitize(photo_with_gps())])
                await submit_tip(s, draft, now=datetime(2026, 1, 5, 8, 30, tzinfo=UTC), cost=CHEAP_RECEIPTS)
        finally:
            await services.close()

    asyncio.run(seed())
    monkeypatch.setenv("ANKANG_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    listed = runner.invoke(main, ["tips", "list"])
    assert listed.exit_code == 0, listed.output
    assert "#1" in listed.output and "紧急" in listed.output and "危险化学品" in listed.output
    out = tmp_path / "export"
    exported = runner.invoke(main, ["tips", "export", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    with open(out / "tips.csv", newline="", encoding="utf-8-sig") as exported_csv:
        rows = list(csv.reader(exported_csv))
    assert rows[1][:3] == ["1", "2026-01-05T08:00:00+00:00", "危险化学品"]
    assert has_metadata((out / "photos" / "tip-1-1.jpg").read_bytes()) == []
