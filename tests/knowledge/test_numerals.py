import pytest

from knowledge.numerals import (
    annotate_numbers,
    cn_to_int,
    int_to_cn,
    read_number,
    replace_numerals,
)

TABLE = [(1, "一"), (10, "十"), (14, "十四"), (20, "二十"), (21, "二十一"), (100, "一百"), (101, "一百零一"),
         (107, "一百零七"), (110, "一百一十"), (119, "一百一十九"), (1000, "一千"), (1001, "一千零一"),
         (10005, "一万零五")]


@pytest.mark.parametrize("number,text", TABLE)
def test_int_to_chinese(number, text):
    assert int_to_cn(number) == text


@pytest.mark.parametrize("number,text", TABLE)
def test_chinese_to_int(number, text):
    assert cn_to_int(text) == number


@pytest.mark.parametrize("text,number", [("一十四", 14), ("两百", 200), ("二〇二一", 2021), ("39", 39),
                                         ("壹佰零柒", 107)])
def test_chinese_variants(text, number):
    assert cn_to_int(text) == number


def test_round_trip_all_article_numbers():
    assert all(cn_to_int(int_to_cn(n)) == n for n in range(1, 1000))


def test_replace_numerals_in_text():
    assert replace_numerals("安全生产法第一百零七条和三十九条") == "安全生产法第107条和39条"


def test_not_a_numeral():
    with pytest.raises(ValueError):
        cn_to_int("安全")


# --- annotate_numbers: quantities in workers' questions → the statutes' words ---------------------

WORK = "工作时间 延长工作时间 加班"


@pytest.mark.parametrize("text,number", [
    ("17", (17, 17)), ("十七", (17, 17)), ("十六七", (16, 17)), ("七八", (7, 8)), ("三四十", (30, 40)),
    ("十几", (11, 19)), ("二十多", (21, 29)), ("一百多", (101, 199)), ("三万", (30000, 30000)), ("8.5", (8.5, 8.5)),
])
def test_read_number(text, number):
    assert read_number(text) == number


@pytest.mark.parametrize("text,words", [
    # ages: under 16 → child labour (劳动法 15), 16–17 → 未成年工 (劳动法 58)
    ("十七岁能进厂干活吗", "未成年工 未成年"),
    ("我17岁能上夜班吗", "未成年工 未成年"),
    ("17周岁算未成年工吗", "未成年工 未成年"),
    ("十六七岁的学生暑假打工", "未成年工 未成年"),
    ("15岁的孩子在厂里干活", "童工 未满十六周岁"),
    ("厂里招了几个十四岁的", "童工 未满十六周岁"),
    ("不满16岁能招吗", "童工 未满十六周岁"),
    ("未满十八岁能下井吗", "未成年工 未成年"),
    ("十五六岁的小工", "童工 未满十六周岁 未成年工 未成年"),
    ("我今年18岁", ""),
    ("50岁了还让登高", ""),
    ("孩子3岁了能请假吗", ""),
    # daily and weekly working time (劳动法 36)
    ("每天干12个小时", WORK),
    ("一天上十个钟", WORK),
    ("每天站十个多小时", WORK),
    ("一周干六天 每天10小时", WORK),
    ("一周干六天", WORK),
    ("每周工作50小时", WORK),
    ("早上8点干到晚上10点", WORK),
    ("早8晚8两班倒", WORK),
    ("上12休12", WORK),
    ("996合法吗", WORK),
    ("每天工作8小时", ""),
    ("一周上六天每天7小时", ""),
    ("培训4个小时", ""),
    ("事故后24小时内要报告吗", ""),
    # overtime (劳动法 41)
    ("每天加班3小时", "延长工作时间 加班"),
    ("一个月加班60小时", "延长工作时间 加班 三十六小时"),
    ("每个月加班八十个小时", "延长工作时间 加班 三十六小时"),
    # rest (劳动法 38)
    ("连续上班20天", "休息日 休息"),
    ("一个月没休息", "休息日 休息"),
    ("半个月没休过", "休息日 休息"),
    ("一个月只休两天", "休息日 休息"),
    ("做七休一", "休息日 休息"),
    ("连续上了3天夜班", ""),
    ("一周休一天", ""),
    # pregnancy and breastfeeding (劳动法 61, 63; 女职工劳动保护特别规定 6, 9)
    ("怀孕七个月还要加班吗", "怀孕七个月以上 孕期 延长工作时间 加班"),
    ("孕7月", "怀孕七个月以上 孕期"),
    ("怀孕32周", "怀孕七个月以上 孕期"),
    ("七个月的孕妇", "怀孕七个月以上 孕期"),
    ("怀孕八个月还让上夜班", "怀孕七个月以上 孕期 夜班劳动"),
    ("怀孕三个月", "孕期"),
    ("孕妇能上夜班吗", "孕期 夜班劳动"),
    ("孩子8个月还在喂奶能上夜班吗", "哺乳期 哺乳未满一周岁 夜班劳动"),
    # years of service say nothing by themselves
    ("干了十年", ""),
    ("我在厂里干了20多年", ""),
    # money
    ("赔了三万就想私了", "赔偿"),
    ("老板私了给了2万块", "赔偿"),
    ("扣了500块", "扣工资"),
    ("迟到一次扣50", "扣工资"),
    ("罚了我200元", "罚款"),
    ("工资3000", ""),
    # casualties and losses (生产安全事故报告和调查处理条例 3; 以上 includes the number)
    ("死了3个人", "事故 等级 较大事故"),
    ("事故造成1人死亡", "事故 等级 一般事故"),
    ("死了十个人", "事故 等级 重大事故"),
    ("伤了十几个", "事故 等级 较大事故"),
    ("20多人受伤", "事故 等级 较大事故"),
    ("三死两伤", "事故 等级 较大事故"),
    ("损失两千万", "事故 等级 较大事故"),
    ("直接经济损失1亿", "事故 等级 特别重大事故"),
    ("一个人受伤了算工伤吗", ""),
    # numbers that are not quantities of these kinds
    ("劳动法第三十六条", ""),
    ("十分钟能到吗", ""),
    ("", ""),
])
def test_annotate_numbers(text, words):
    assert annotate_numbers(text) == words


def test_annotate_numbers_reads_full_width_digits():
    assert annotate_numbers("每天干１２个小时") == WORK
