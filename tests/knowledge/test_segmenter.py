"""The segmenter cuts every text into jieba's words (``Tokenizer.lcut(text, HMM=True)``) for the same
dictionary, though it holds jieba's tables in flat arrays and does not import jieba."""
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.faq import DATA_DIR, load_synonyms
from knowledge.segmenter import Segmenter
from knowledge.text import Analyzer

REPO = Path(__file__).resolve().parents[2]
EDGE_CASES = [
    "", " ", "abc 123.5% C++ 安全-生产 \r\n x", "他来到了网易杭研大厦",
    "小明硕士毕业于中国科学院计算所，后在日本京都大学深造",
    "俺们厂子咋整", "ＡＢＣ全角", "𠀀生僻字𠮷", "工伤认定申请表", "9.5米高空作业2.5%",
]


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory) -> Analyzer:
    return Analyzer(load_synonyms(DATA_DIR / "synonyms.yaml"), dict_path=DATA_DIR / "domain_dict.txt",
                    configured_cache=tmp_path_factory.mktemp("cache"))


def test_the_words_are_jiebas_on_the_statutes_the_faq_and_the_questions(analyzer, laws_dir, tmp_path):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer(analyzer.dictionary_path)
    tokenizer.tmp_dir = str(tmp_path)
    texts = list(EDGE_CASES)
    for path in sorted(laws_dir.glob("*.md")) + sorted((DATA_DIR / "faq").glob("*.yaml")):
        texts.extend(path.read_text(encoding="utf-8").splitlines())
    for split in ("train", "dev"):
        lines = (REPO / "bench" / "data" / "qa" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        texts.extend(json.loads(line)["q"] for line in lines if line.strip())
    assert len(texts) > 3000
    segmenter = Segmenter(analyzer.dictionary_path, tmp_path)
    assert [segmenter.lcut(t) for t in texts] == [tokenizer.lcut(t, HMM=True) for t in texts]
    reloaded = Segmenter(analyzer.dictionary_path, tmp_path)  # from the tables kept in the cache dir
    assert [reloaded.lcut(t) for t in texts[-500:]] == [tokenizer.lcut(t, HMM=True) for t in texts[-500:]]


def test_the_frequencies_are_jiebas_prefix_dictionary(analyzer, tmp_path):
    import jieba

    tokenizer = jieba.Tokenizer(analyzer.dictionary_path)
    tokenizer.tmp_dir = str(tmp_path)
    tokenizer.initialize()
    frequencies = analyzer.frequencies()
    assert frequencies.total == tokenizer.total and len(frequencies) == len(tokenizer.FREQ)
    assert dict(frequencies.items()) == tokenizer.FREQ
    assert frequencies.get("不是一个词语") is None and frequencies.get("安全") == tokenizer.FREQ["安全"]


def test_segmenting_does_not_import_jieba(laws_dir, tmp_path):
    code = ("import sys\nfrom knowledge.faq import DATA_DIR, load_synonyms\nfrom knowledge.text import Analyzer\n"
            f"a = Analyzer(load_synonyms(DATA_DIR / 'synonyms.yaml'), configured_cache={str(tmp_path)!r})\n"
            "print(a.words('工伤认定要多久'), 'jieba' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False"), out
