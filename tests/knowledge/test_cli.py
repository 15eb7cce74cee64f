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
    assert [l["question"] for l in lines] == questions
    for line in lines:
        assert set(line) == {"question", "intent", "text", "results"}
        assert len(line["results"]) <= 3
        for r in line["results"]:
            assert set(r) == {"title", "citations", "score"}
            assert all(set(c) == {"law", "article"} and isinstance(c["article"], int) for c in r["citations"])
    assert [l["intent"] for l in lines[1:]] == ["article", "emergency", "out_of_scope"]
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

    again = KnowledgeBase.load(kb_laws_dir)
    assert again.analyzer._segmented_new == 0  # every statute and FAQ text came from the cache
