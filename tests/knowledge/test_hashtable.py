"""StringIds: strings → dense ids in flat arrays, the same answers as a dict, across pickling."""
import pickle
import random

from knowledge.hashtable import COMPACT_EVERY, StringIds, StringLists, Strings


def test_ids_are_dense_in_insertion_order_and_match_a_dict():
    rng = random.Random(7)
    alphabet = "安全生产法工伤劳动合同abc"
    keys = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(3 * COMPACT_EVERY)]
    table, expected = StringIds(), {}
    for key in keys:
        assert table.add(key) == expected.setdefault(key, len(expected))
    assert len(table) == len(expected)
    for key, kid in expected.items():
        assert table.get(key) == kid and key in table and table.key(kid) == key
    assert table.get("不在表里") is None and "不在表里" not in table
    assert list(table) == list(expected)


def test_a_pickled_table_answers_the_same_and_keeps_growing():
    table = StringIds(f"w:词{i}" for i in range(COMPACT_EVERY + 10))
    copy = pickle.loads(pickle.dumps(table))
    assert [copy.get(f"w:词{i}") for i in range(COMPACT_EVERY + 10)] == list(range(COMPACT_EVERY + 10))
    assert copy.add("b:新词") == COMPACT_EVERY + 10 and copy.get("b:新词") == COMPACT_EVERY + 10


def test_string_lists_answer_like_the_dict_they_were_made_from():
    table = {("", "anquan", ""): ["安全"], ("安", "quan", ""): ["安全", "安泉"], ("", "gong", "伤"): ["工伤"]}
    flat = StringLists(table.items())
    assert len(flat) == 3
    for key, words in table.items():
        assert flat.get(key) == words
    assert flat.get(("", "anquan", "x")) is None and flat.get(("anquan",)) is None
    assert pickle.loads(pickle.dumps(flat)).get(("安", "quan", "")) == ["安全", "安泉"]


def test_strings_keep_their_items_in_order_across_compactions_and_pickling():
    items = [f"{i % 7}安全{'x' * (i % 5)}" for i in range(2 * COMPACT_EVERY + 5)]
    strings = Strings()
    for item in items:
        strings.append(item)
    assert len(strings) == len(items) and [strings[i] for i in range(len(items))] == items
    copy = pickle.loads(pickle.dumps(strings))
    copy.append("新")
    assert [copy[i] for i in range(len(copy))] == [*items, "新"]
