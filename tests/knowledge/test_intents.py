"""Rule-based intents: thanks with particles, term questions, procedure questions about accidents."""
import pytest

from knowledge import intents


@pytest.mark.parametrize("text", ["谢谢你呀", "多谢您的耐心解释", "好的非常感谢", "感谢你们的帮助哈", "辛苦了"])
def test_thanks_with_particles_and_objects_is_smalltalk(text):
    assert intents.is_smalltalk(text) and intents.is_thanks(text)


@pytest.mark.parametrize("text", ["谢谢你告诉我工伤怎么报", "感谢信怎么写"])
def test_a_question_that_mentions_thanks_is_not_smalltalk(text):
    assert not intents.is_smalltalk(text)


@pytest.mark.parametrize("text, term", [("什么叫三违", "三违"), ("啥叫安康杯呀", "安康杯"), ("九小场所是啥哦", "九小场所")])
def test_term_questions_in_colloquial_forms(text, term):
    assert intents.term_candidate(text) == term


@pytest.mark.parametrize("text", ["同事上个月被机器压伤了事故调查要多久", "工友触电受伤后工会要参加调查吗"])
def test_questions_about_an_accident_investigation_are_not_emergencies(text):
    assert intents.detect_emergency(text) is None


@pytest.mark.parametrize("text", ["快来人有人被压住了", "有人触电了"])
def test_accidents_in_progress_are_emergencies(text):
    assert intents.detect_emergency(text) is not None


@pytest.mark.parametrize("text", ["早上好呀", "你好啊", "晚上好哈", "在吗在吗", "哈喽小助手"])
def test_greetings_with_particles_are_smalltalk(text):
    assert intents.is_smalltalk(text) and not intents.is_thanks(text)


def test_a_greeting_followed_by_a_question_is_not_smalltalk():
    assert not intents.is_smalltalk("早上好我想问加班费怎么算")


@pytest.mark.parametrize("text, term", [("12350是什么电话", "12350"), ("12350是个什么号码", "12350"), ("安康杯是什么活动", "安康杯")])
def test_a_term_question_may_name_the_kind_of_thing(text, term):
    assert intents.term_candidate(text) == term


@pytest.mark.parametrize("text", ["污水井里有个人下去就没上来", "下井的人没动静了", "人掉进化粪池", "罐里有个工友进去半天没出来",
                                  "师傅下雨水井后喊不应了", "有个人下了检修井没出来",
                                  "下水道里有人喊不应", "工友跌到污水池里了"])
def test_someone_stranded_in_a_confined_space_is_an_emergency(text):
    assert intents.detect_emergency(text) == "confined"


@pytest.mark.parametrize("text", ["发生事故后多久上报", "有人掉进化粪池后单位多久要上报", "下井作业没上来的人算工伤吗",
                                  "去年有人下井没上来公司赔了多少", "下井作业要注意什么"])
def test_questions_about_confined_space_accidents_are_not_emergencies(text):
    assert intents.detect_emergency(text) is None


@pytest.mark.parametrize("text, term", [("九小场所指哪些地方", "九小场所"), ("九小场所包括哪些", "九小场所"),
                                        ("九小场所指的是什么", "九小场所"), ("三违具体指哪些行为", "三违"),
                                        ("特种设备都包括哪些", "特种设备")])
def test_asking_what_a_term_covers_is_a_term_question(text, term):
    assert intents.term_candidate(text) == term


@pytest.mark.parametrize("text", ["工伤保险待遇包括哪些", "职业健康检查费用包括哪些"])
def test_asking_what_a_benefit_or_cost_covers_is_not_a_term_question(text):
    assert intents.term_candidate(text) is None


@pytest.mark.parametrize("text", ["工友手被机器压断了医疗费谁出", "同事从梯子上摔下来了厂里给报销吗"])
def test_who_pays_after_an_injury_is_a_law_question(text):
    assert intents.detect_emergency(text) is None


@pytest.mark.parametrize("text", ["氯气管道泄露了车间里大家都在流泪咳嗽", "煤气罐跑气了两个工友头晕恶心",
                                  "硫化氢从池子里冒出来了有人胸闷嗓子疼"])
def test_a_toxic_gas_leak_with_people_affected_is_an_emergency(text):
    assert intents.detect_emergency(text) == "gas"


@pytest.mark.parametrize("text", ["氨气泄漏后工人咳嗽好几天算职业病吗", "一氧化碳泄漏导致头晕单位要赔偿吗"])
def test_questions_about_a_past_gas_leak_are_not_emergencies(text):
    assert intents.detect_emergency(text) is None


@pytest.mark.parametrize("text", ["仓库门一直锁着，一旦起火大家根本逃不出去", "车间的窗都焊死了，万一着火了怎么跑",
                                  "楼道里装满了防盗网着火了怎么出去"])
def test_hypothetical_fires_about_escape_routes_are_not_emergencies(text):
    assert intents.detect_emergency(text) is None


@pytest.mark.parametrize("text", ["我想举报工地脚手架不合格应该去哪个部门", "要举报厂里没有灭火器找什么部门",
                                  "打算投诉公司不发劳保用品归谁管"])
def test_asking_where_to_report_is_not_the_tip_flow(text):
    assert not intents.is_tip(text)


@pytest.mark.parametrize("text", ["车间配电箱老冒火花我想偷偷反映一下", "我要反映个情况但是不想留名", "能不能匿名投诉一下我们老板"])
def test_wanting_to_report_anonymously_is_the_tip_flow(text):
    assert intents.is_tip(text)


@pytest.mark.parametrize("text, term", [("三违指的是哪几样", "三违"), ("四不放过是指哪四个", "四不放过"),
                                        ("劳保用品有哪几种", "劳保用品")])
def test_asking_which_items_a_term_names_is_a_term_question(text, term):
    assert intents.term_candidate(text) == term


@pytest.mark.parametrize("text", ["放长假了去哪儿玩好", "周六想带家人去公园逛逛", "晚饭吃什么好呢"])
def test_everyday_leisure_questions_look_out_of_scope(text):
    assert intents.looks_out_of_scope(text)
