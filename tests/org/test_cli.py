"""``ankang org import|list|export`` against a real database."""
from __future__ import annotations

import yaml
from click.testing import CliRunner

from ankang.cli import main

TREE_CSV = """code,name,level,parent
city,某市总工会,市,
d1,东城区总工会,区县,city
s1,东华街道工会,街镇,d1
d2,西城区总工会,区县,city
"""


def test_import_list_export_and_a_refused_file(make_settings, tmp_path, monkeypatch):
    settings = make_settings()
    monkeypatch.setenv("ANKANG_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    source = tmp_path / "tree.csv"
    source.write_text(TREE_CSV, encoding="utf-8")
    imported = runner.invoke(main, ["org", "import", str(source)])
    assert imported.exit_code == 0, imported.output
    assert "新增 4 个单位" in imported.output

    listed = runner.invoke(main, ["org", "list"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines() == [
        "某市总工会（市） city", "  东城区总工会（区县） d1", "    东华街道工会（街镇） s1",
        "  西城区总工会（区县） d2"]

    out = tmp_path / "tree.yaml"
    exported = runner.invoke(main, ["org", "export", str(out)])
    assert exported.exit_code == 0, exported.output
    assert [row["code"] for row in yaml.safe_load(out.read_text(encoding="utf-8"))] == ["city", "d1", "s1", "d2"]

    fake = tmp_path / "tree.xlsx"
    fake.write_bytes(b"this is a text file, not a workbook")
    refused = runner.invoke(main, ["org", "import", str(fake)])
    assert refused.exit_code == 1
    assert "不是有效的 Excel" in refused.output and "没有导入任何单位" in refused.output
    cycle = tmp_path / "cycle.csv"
    cycle.write_text("code,name,level,parent\ncity,某市总工会,市,s1\n", encoding="utf-8")
    refused = runner.invoke(main, ["org", "import", str(cycle)])
    assert refused.exit_code == 1
    assert "第 2 行" in refused.output and "循环" in refused.output
    assert runner.invoke(main, ["org", "list"]).output == listed.output  # nothing changed
