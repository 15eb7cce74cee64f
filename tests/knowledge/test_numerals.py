import pytest

from knowledge.numerals import cn_to_int, int_to_cn, replace_numerals

TABLE = [(1, "一"), (10, "十"), (14, "十四"), (20, "二十"), (21, "二十一"), (100, "一百"), (101, "一百零一"),
         (107, "一百零七"), (110, "一百一十"), (119, "一百一十九"), (1000, "一千"), (1001, "一千零一"), (10005, "一万零五")]


@pytest.mark.parametrize("number,text", TABLE)
def test_int_to_chinese(number, text):
    assert int_to_cn(number) == text


@pytest.mark.parametrize("number,text", TABLE)
def test_chinese_to_int(number, text):
    assert cn_to_int(text) == number


@pytest.mark.parametrize("text,number", [("一十四", 14), ("两百", 200), ("二〇二一", 2021), ("39", 39), ("壹佰零柒", 107)])
def test_chinese_variants(text, number):
    assert cn_to_int(text) == number


def test_round_trip_all_article_numbers():
    assert all(cn_to_int(int_to_cn(n)) == n for n in range(1, 1000))


def test_replace_numerals_in_text():
    assert replace_numerals("安全生产法第一百零七条和三十九条") == "安全生产法第107条和39条"


def test_not_a_numeral():
    with pytest.raises(ValueError):
        cn_to_int("安全")
