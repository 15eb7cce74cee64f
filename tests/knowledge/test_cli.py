import json

from click.testing import CliRunner

from knowledge.cli import ask, kb


def test_kb_check_passes_on_real_data(kb_laws_dir):
    result = CliRunner().invoke(kb, ["check", "--laws-dir", str(kb_laws_dir)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok:")


def test_ask_batch_json_contract(kb_laws_dir, tmp_path):
    questions = ["劳保用品要自己掏钱吗", "安全生产法第五十五条", "着火了", "今天几号"]
    path = tmp_path / "q.txt"
    path.write_text("\n".join(questions) + "\n", encoding="utf-8")
    result = CliRunner().invoke(ask, ["--json", "--batch", str(path), "--laws-dir", str(kb_laws_dir)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["question"] for line in lines] == questions
    for line in lines:
        assert set(line) == {"question", "intent", "text", "results"}
        assert len(line["results"]) <= 3
        for r in line["results"]:
            assert set(r) == {"title", "citations", "score"}
            assert all(set(c) == {"law", "article"} and isinstance(c["article"], int) for c in r["citations"])
    assert [line["intent"] for line in lines[1:]] == ["article", "emergency", "out_of_scope"]
    assert lines[1]["results"][0]["citations"] == [{"law": "安全生产法", "article": 55}]


def test_ask_prints_plain_reply(kb_laws_dir):
    result = CliRunner().invoke(ask, ["安全法 28", "--laws-dir", str(kb_laws_dir)])
    assert result.exit_code == 0 and "安全生产法第二十八条" in result.output


def test_kb_warm_fills_the_cache_dir_and_the_next_build_reads_it(kb_laws_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("ANKANG_CACHE_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(kb, ["warm", "--laws-dir", str(kb_laws_dir)])
    assert result.exit_code == 0, result.output
    words = list((tmp_path / "cache").glob("ankang-words-*.pickle"))
    assert len(words) == 1 and list((tmp_path / "cache").glob("ankang-jieba-*.txt"))
    from knowledge.engine import KnowledgeBase

    again = KnowledgeBase.load(kb_laws_dir, cache_dir=tmp_path / "cache")
    assert again.analyzer._segmented_new == 0  # every statute and FAQ text came from the cache


def test_kb_warm_uses_a_cache_dir_set_only_in_dotenv(kb_laws_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("ANKANG_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # where it would go otherwise
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"ANKANG_CACHE_DIR={tmp_path / 'from-dotenv'}\n", encoding="utf-8")
    result = CliRunner().invoke(kb, ["warm", "--laws-dir", str(kb_laws_dir)])
    assert result.exit_code == 0, result.output
    assert f"cache in {tmp_path / 'from-dotenv'}" in result.output
    assert list((tmp_path / "from-dotenv").glob("ankang-words-*.pickle"))
    assert not (tmp_path / "xdg").exists()


def test_kb_check_names_a_laws_dir_that_is_set_but_wrong(tmp_path):
    """Set but wrong is an error that says what is wrong, not a claim that the variable is unset."""
    result = CliRunner().invoke(kb, ["check"], env={"ANKANG_LAWS_DIR": str(tmp_path / "nowhere")})
    assert result.exit_code == 1, result.output
    assert f"error: 法条目录不存在 / ANKANG_LAWS_DIR={tmp_path / 'nowhere'} does not exist" in result.output
    assert "is not set" not in result.output
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(kb, ["check", "--laws-dir", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "has no manifest.json and no .md statute" in result.output


def test_kb_check_without_a_laws_dir_warns_and_checks_the_rest():
    result = CliRunner().invoke(kb, ["check"], env={"ANKANG_LAWS_DIR": ""})
    assert result.exit_code == 0, result.output
    assert "warning: 未配置法条目录 / ANKANG_LAWS_DIR is not set" in result.output
