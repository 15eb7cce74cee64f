"""One topic taxonomy: FAQ tags, lessons, subscriptions and the dashboard all use core/topics.py."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from broadcasts.library import load_library
from core.topics import BY_CODE, EVERY, SUBJECTS, TOPICS, UNKNOWN_LABEL, UnknownTopic, label, words
from knowledge.faq import DATA_DIR, load_faq


def test_codes_are_one_spelling_each_and_labels_are_distinct():
    codes = [t.code for t in (*TOPICS, *SUBJECTS)]
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", code) for code in codes), codes
    assert len(set(codes)) == len(codes)
    labels = Counter(t.label for t in EVERY.values())
    assert [text for text, n in labels.items() if n > 1] == []
    assert all(re.search(r"[\u4e00-\u9fff]", t.label) for t in EVERY.values())  # words, in Chinese


def test_every_bundled_faq_tag_and_lesson_topic_is_in_the_taxonomy():
    tags = Counter(tag for entry in load_faq(DATA_DIR / "faq") for tag in entry.tags)
    assert tags, "the FAQ has no tags"
    assert sorted(set(tags) - EVERY.keys()) == []
    lesson_topics = {code for lesson in load_library() for code in lesson.topics}
    assert lesson_topics and lesson_topics <= BY_CODE.keys()  # lessons use the subscribable topics


def test_labels_and_words():
    assert label("confined_space") == "有限空间" and label("injury") == "工伤"
    with pytest.raises(UnknownTopic):
        label("confined-space")
    assert words("no-such-code") == UNKNOWN_LABEL and words("ppe") == "劳动防护用品"

