"""Rule-based intents: thanks with particles, term questions, procedure questions about accidents."""
import pytest

from knowledge import intents


@pytest.mark.parametrize("text", ["谢谢你呀", "多谢您的耐心解释", "好的非常感谢", "感谢你们的帮助哈", "辛苦了"])
def test_thanks_with_particles_and_objects_is_smalltalk(text):
    assert intents.is_smalltalk(text) and intents.is_thanks(text)


@pytest.mark.parametrize("text", ["谢谢你告诉我工伤怎么报", "感谢信怎么写"])
def test_a_question_that_mentions_thanks_is_not_smalltalk(text):
    assert not intents.is_smalltalk(text)


@pytest.mark.parametrize("text, term", [("什么叫三违", "三违"), ("啥叫安康杯呀", "安康杯"),
                                        ("九小场所是啥哦", "九小场所")])
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


@pytest.mark.parametrize("text, term", [("12350是什么电话", "12350"), ("12350是个什么号码", "12350"),
                                        ("安康杯是什么活动", "安康杯")])
def test_a_term_question_may_name_the_kind_of_thing(text, term):
    assert intents.term_candidate(text) == term


@pytest.mark.parametrize("text", ["污水井里有个人下去就没上来", "下井的人没动静了", "人掉进化粪池",
                                  "罐里有个工友进去半天没出来", "师傅下雨水井后喊不应了", "有个人下了检修井没出来",
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


@pytest.mark.parametrize("text", ["进厂时让签了个后果自负的字条，真出事了厂里能不管吗", "万一出事了谁来负责",
                                  "要是出事了老板说跟他没关系，这样行吗"])
def test_an_accident_supposed_in_a_question_is_not_an_emergency(text):
    assert intents.detect_emergency(text) is None


@pytest.mark.parametrize("text", ["出事了，有人受伤", "车间出事了"])
def test_an_accident_reported_now_is_still_an_emergency(text):
    assert intents.detect_emergency(text) == "general"


@pytest.mark.parametrize("text", ["我想举报工地脚手架不合格应该去哪个部门", "要举报厂里没有灭火器找什么部门",
                                  "打算投诉公司不发劳保用品归谁管"])
def test_asking_where_to_report_is_not_the_tip_flow(text):
    assert not intents.is_tip(text)


@pytest.mark.parametrize("text", ["车间配电箱老冒火花我想偷偷反映一下", "我要反映个情况但是不想留名",
                                  "能不能匿名投诉一下我们老板"])
def test_wanting_to_report_anonymously_is_the_tip_flow(text):
    assert intents.is_tip(text)


@pytest.mark.parametrize("text, term", [("三违指的是哪几样", "三违"), ("四不放过是指哪四个", "四不放过"),
                                        ("劳保用品有哪几种", "劳保用品")])
def test_asking_which_items_a_term_names_is_a_term_question(text, term):
    assert intents.term_candidate(text) == term


@pytest.mark.parametrize("text", ["放长假了去哪儿玩好", "周六想带家人去公园逛逛", "晚饭吃什么好呢"])
def test_everyday_leisure_questions_look_out_of_scope(text):
    assert intents.looks_out_of_scope(text)


# --- Emergencies in colloquial, typo, traditional and story forms (issue 10) ------------------
# Each case is a kind of situation, written for these tests; none is a copy of a benchmark item.
EMERGENCIES_NOW = [
    # Leaks told by a smell or by symptoms
    ("食堂后面那间屋子一股煤气味 好冲", "gas"),
    ("一进门就是一股臭鸡蛋的味道 我同事已经有点站不稳了", "gas"),
    ("冷库那边氨气味道太冲了 眼睛都睁不开", "gas"),
    ("液化石油气瓶阀门那里嘶嘶地往外冒气", "gas"),
    ("屋里全是燃气的味儿 我现在要不要开窗", "gas"),
    ("污水处理站的人闻着一股怪味 好几个人头晕想吐", "gas"),
    ("车间裡有股很濃的煤氣味，好幾個人頭暈", "gas"),
    ("厨房天燃气泻漏了", "gas"),
    # Falls, blows and bleeding
    ("有个兄弟从二楼架子上摔下来了 腿动不了", "fall"),
    ("塔吊上的师傅掉下来了 快", "fall"),
    ("工友踩空从屋顶栽下去了", "fall"),
    ("同事從梯子上摔下來，頭上一直流血", "fall"),
    ("他手指头被切断了 血一直往外冒", "bleeding"),
    ("工友腿被钢筋扎穿了 流了好多血", "bleeding"),
    ("头被上面掉的砖头砸破了 血止不住", "bleeding"),
    # Machines and vehicles
    ("师傅的手卷到皮带轮里去了 拉不出来", "machine"),
    ("冲床把人的手压住了 机器还在转", "machine"),
    ("搅拌机把同事的胳膊绞进去了", "machine"),
    ("装载机倒车把人撞倒了 人躺着不动", "machine"),
    ("工友被機器捲進去了，快來人", "machine"),
    # Collapse
    ("基坑边坡塌下来把两个人埋了", "collapse"),
    ("隧道里冒顶了 还有人在里面", "collapse"),
    # Confined spaces
    ("化粪池下去的人半天没动静 上面的人也要下去", "confined"),
    ("储罐里清理的工人喊了几声都不回话", "confined"),
    ("工友晕到在罐子里了", "confined"),
    ("人倒在污水池里不动了", "confined"),
    # Fire, smoke, sparks
    ("车间着大火了 烟很大看不见路", "fire"),
    ("仓库里浓烟滚滚 我们还在三楼", "fire"),
    ("仓库zhaohuo了", "fire"),
    ("配电柜里噼啪响还冒蓝光", "spark"),
    ("插排烧糊了 一股电线烧焦的味", "spark"),
    # Electric shock
    ("老乡手碰到电线被电住了 甩不开", "electric"),
    # Round 14: a hand on a live thing told by what the body does.
    ("工友抓着线头松不开手了", "electric"), ("有人碰到电闸直哆嗦", "electric"), ("他踩着电缆倒下了", "electric"),
    ("有人chudian了 快", "electric"),
    # Pressure vessels about to burst
    ("锅炉安全阀一直在叫 压力表指针到红线了", "pressure"),
    ("高压锅鼓包了 好像要炸", "pressure"),
    # Lifts
    ("电梯突然往下掉 我们被关在里面", "lift"),
    ("电梯卡在两层中间 门打不开 有人喘不上气", "lift"),
    ("電梯困人，裡面的人說喘不過氣", "lift"),
    ("有个小孩被困在电梯里 哭得厉害", "lift"),
    # Heat
    ("工地上有个老乡中暑了 人有点迷糊", "heat"),
    ("烈日下干了一上午 工友突然晕倒在地 全身滚烫", "heat"),
    # Burns and chemicals
    ("烧碱溅到他眼睛里了 他一直喊疼", "chemical"),
    ("热油溅了一脸 起了好多水泡", "burn"),
    ("开水浇到腿上了 皮都掉了", "burn"),
    ("焊工的衣服烧着了 在地上打滚", "burn"),
    ("罐车在漏液氨 周围的人都在咳", "gas"),
    ("井下瓦斯浓度超了 大家头晕", "gas"),
    ("同事喝了一口清洗剂 现在肚子疼", "poison"),
    ("叉车撞了人 腿在流血", "machine"),
    ("货架倒了 底下压着个人", "collapse"),
    ("屋顶塌了 有人压在下面", "collapse"),
    ("工友被电焊机电了一下 倒地了", "electric"),
    ("炉前工人突然晕倒 全身发烫", "heat"),
    ("有股焦糊味 像是电线烧了", "spark"),
    # Long panicked stories
    ("我在物流园开叉车的，刚才在仓库里倒车的时候后面有个理货员没看见，叉车把他腿压在底下了，他现在疼得直叫，"
     "腿好像变形了，我该先把车开走还是不动等人来？", "machine"),
    ("我们在地下室刷防水涂料，门窗都封着，刚才我徒弟说头晕，现在坐在地上叫他也不太答应，味道特别冲，我自己也有点恶心，"
     "我要不要先把他拖出去？", "gas"),
    ("晚上值班的时候听到锅炉房砰砰响，过去一看压力表已经到头了，安全阀一直在往外喷气，班长电话打不通，我一个人在这，"
     "现在怎么办", "pressure"),
]


# Told the way a frightened worker types it: smells, sounds, what a body does, with no event word.
EMERGENCIES_IN_COLLOQUIAL_WORDS = [
    ("厨房里一股煤气味 师傅说头好晕", "gas"),
    ("液化气罐子嘶嘶往外冒 咋整", "gas"),
    ("冷库那边氨气漏了 眼睛辣得睁不开", "gas"),
    ("那边在冒白烟 好几个人都咳得不行", "gas"),
    ("甲醛熏得人受不了 同事吐了", "gas"),
    ("池子里的人喊不答应了", "confined"),
    ("井口的人拉不上来了 绳子没动静", "confined"),
    ("化粪池有人倒下了", "confined"),
    ("腿被卷扬机的钢丝绳缠住了", "machine"),
    ("胳膊卡在滚筒里了 快停机", "machine"),
    ("工友被卡在两台车中间了", "machine"),
    ("老李手指头被冲床压没了 血哗哗流", "machine"),
    ("脚手架倒了 底下有人", "collapse"),
    ("基坑边上土方垮下来把人盖住了", "collapse"),
    ("工友摸到漏电的铁皮 人直接倒了", "electric"),
    ("他被高压线打了一下 现在不动", "electric"),
    ("热水锅炉管爆了 蒸汽把人烫了", "burn"),
    ("一大锅开水翻了 浇到同事身上", "burn"),
    ("熔化的铝水溅到脚上 烫得皮都没了", "burn"),
    ("塔吊上的人好像晕了 挂在上面不动", "unconscious"),
    ("有人晕在喷漆房里了", "unconscious"),
    ("头被砸破了 血流了一地", "bleeding"),
]


@pytest.mark.parametrize("text, kind", EMERGENCIES_IN_COLLOQUIAL_WORDS)
def test_emergencies_told_in_colloquial_words_are_detected(text, kind):
    from knowledge.text import normalise

    assert intents.detect_emergency(normalise(text), text) == kind


@pytest.mark.parametrize("text, kind", EMERGENCIES_NOW)
def test_emergencies_in_everyday_words_are_detected_with_their_kind(text, kind):
    from knowledge.text import normalise

    assert intents.detect_emergency(normalise(text), text) == kind


NOT_EMERGENCIES = [
    "摸到电线会不会触电", "插座坏了摸着插座有点麻，单位不修吗",
    "车间灭火器的压力表指针都在红区了，没人管吗", "领导让我们统一口径说事故没人伤着，合法吗", "瓦斯超限了我能不下井吗",
    # Past accidents
    "去年冬天在厨房煤气中毒住院了 能报工伤吗",
    "前年从脚手架上摔下来腿骨折了 现在还能申请伤残鉴定吗",
    "同事上次被冲床压断手指 公司只赔了两万合理吗",
    "上个月仓库失火烧了不少货 老板让我们赔",
    "中暑晕倒在工地上后来被送医院了 单位该承担什么",
    "我以前在矿上干过 井下透水是怎么回事",
    "工友的手被机器绞伤后公司不给报销医药费",
    # Procedures and knowledge
    "车间着火时应该先救人还是先灭火",
    "发生燃气泄漏时为什么不能开灯",
    "触电急救的正确步骤是什么",
    "被困电梯的时候应该怎么自救",
    "硫化氢中毒有什么症状",
    "怎么判断工友是不是中暑了",
    "压力容器爆炸一般是什么原因",
    "受限空间中毒窒息事故案例有哪些",
    "应急演练时模拟有人触电该怎么安排",
    # Prevention and hazards
    "防止触电要戴什么手套",
    "配电箱冒火花属于重大隐患吗",
    "消防通道被堵了 万一着火跑不出去",
    "岗位上经常闻到刺鼻的气味 戴什么口罩好",
    "锅炉压力表多久校验一次",
    "电梯多久要年检一次",
    # Law
    "中暑算不算工伤",
    "高温天气单位要给我们发防暑降温费吗",
    "坍塌事故的责任由谁承担",
    "工地上塌方的时候工人有权撤离吗",
    "触电身亡的赔偿标准是多少",
    "老板让我们下井清淤 不去就扣钱 这合法吗",
    "去年触电受伤了能认定工伤吗",
    "发生火灾时单位应该怎么组织疏散",
    # Objects, not people
    "手机掉进窨井里了怎么捞上来",
    # Asked how, with nothing happening now
    "天然气泄漏应该怎么报警",
    "去年在车间被机器绞伤了手 现在能评残吗",
    "我们车间经常有股氨气味 会不会中毒",
    "以前有个工友在罐子里晕倒了 后来怎么处理",
    "被机器夹伤手指 老板不给报销",
]


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_past_accidents_procedures_prevention_and_law_are_not_emergencies(text):
    from knowledge.text import normalise

    assert intents.detect_emergency(normalise(text), text) is None


def test_every_emergency_kind_has_its_own_guidance():
    from knowledge import messages

    assert set(intents.EMERGENCY_EVENTS) <= set(messages.EMERGENCY_BY_KIND)
    for kind in ("heat", "lift", "burn", "chemical", "pressure", "spark"):
        assert "不要" in messages.EMERGENCY_BY_KIND[kind]


@pytest.mark.parametrize(("text", "neighbour"), [
    ("广州市工伤职工一次性医疗补助金是多少", True),
    ("湖南省职业病诊断机构有哪几家", True),
    ("防尘口罩的型号分别代表什么", True),
    ("淘宝买的劳保鞋开胶了商家不管", True),
    ("我们省的工伤认定要多久", False),
    ("工资比当地最低工资标准还低怎么办", False),
    ("单位不发劳保用品合法吗", False),
])
def test_local_rules_technical_details_and_shop_disputes_are_cues_of_out_of_scope(text, neighbour):
    from knowledge.text import compact

    assert intents.looks_like_neighbour_matter(compact(text)) is neighbour


@pytest.mark.parametrize("text", ["矿井下面的人到现在没上来", "有个工友躺在池子底下", "罐车里有人晕倒了"])
def test_someone_down_inside_a_tank_or_pit_is_a_confined_space_emergency(text):
    assert intents.detect_emergency(text) == "confined"


@pytest.mark.parametrize("text", ["架子塌了，師傅摔在地上動不了", "锅炉房那边冒出好多黑烟", "老乡的腿让钢筋扎穿了",
                                  "徒弟整个人被卷进传送带了", "焊机漏电的时候被电了一下 现在手还麻"])
def test_falls_smoke_impalement_machines_and_shocks_in_everyday_words_are_emergencies(text):
    assert intents.detect_emergency(text) is not None


@pytest.mark.parametrize("text", ["上星期同事被机器压了手，老板拖着不送医院合法吗", "那次化工厂爆炸总共伤亡多少人",
                                  "我摔断了腿 公司说要我拿出受伤的证据", "事故现场的东西能不能动"])
def test_accidents_told_afterwards_are_not_emergencies(text):
    assert intents.detect_emergency(text) is None


@pytest.mark.parametrize("text", ["一股烂鸡蛋似的味 旁边的人腿都软了", "那边飘来一阵味道 熏得人睁不开",
                                  "徒弟让铲车碾了脚", "冲床把他两根手指头压断了"])
def test_smells_vehicles_and_crushing_told_plainly_are_emergencies(text):
    assert intents.detect_emergency(text) is not None


@pytest.mark.parametrize("text", ["手被机器轧断了两根指头评几级", "被叉车压伤了脚 伤残等级怎么评"])
def test_questions_about_the_disability_grade_after_an_injury_are_not_emergencies(text):
    assert intents.detect_emergency(text) is None


@pytest.mark.parametrize("text", ["仓库zhao火了", "师傅chu电了", "有个人运倒了", "好几个人中读了", "有人从五楼坠楼",
                                  "我让开水烫了 疼得不行", "厨房油锅着了", "孩子掉井里了", "煤气罐爆了"])
def test_half_pinyin_homophones_passives_and_bursts_are_emergencies(text):
    assert intents.detect_emergency(text) is not None


# Round 9: needs no loaded statute answers, never answered confidently whatever the ranking finds.
@pytest.mark.parametrize("text", [
    "车间噪声的职业接触限值是多少分贝", "甲苯的容许浓度是多少", "体检单上转氨酶偏高是啥意思",
    "竞业限制期间公司不给钱怎么办",
    "派遣工的劳动合同是跟派遣公司签还是跟厂里签", "东莞工伤九级的补助金是几个月工资",
])
def test_standards_figures_medical_reports_and_contract_paperwork_are_recognised(text):
    assert intents.looks_like_standard_or_paperwork(text)


def test_no_law_question_of_a_readable_split_is_taken_for_a_standard_or_paperwork():
    import json
    from pathlib import Path

    from knowledge.engine import as_read, normalise

    data = Path(__file__).parents[2] / "bench" / "data" / "qa"
    taken = [r["q"] for split in ("train", "test", "test2", "test6", "calib")
             for r in map(json.loads, (data / f"{split}.jsonl").read_text(encoding="utf-8").splitlines())
             if r["kind"] == "law" and intents.looks_like_standard_or_paperwork(
                 normalise(as_read(r["q"])).replace(" ", ""))]
    assert not taken


def test_a_standards_figure_is_not_answered_confidently(real_kb):
    for text in ("木工车间粉尘的接触限值是多少", "劳务派遣的劳动合同到底跟谁签"):
        assert real_kb.answer(text).intent != "answer"


# Commuting accidents asked about afterwards are the classic injury-insurance question (工伤保险条例 article 14); these
# are not the training splits' questions but the same need in other words.
@pytest.mark.parametrize("text", ["上班路上让电瓶车给撞了", "回家路上被货车撞了 对方主责 能认工伤不",
                                  "下班途中被车撞了 交警说对方全责", "骑车被小车撞了 对方全责"])
def test_commuting_and_traffic_accidents_asked_about_afterwards_are_not_emergencies(text):
    assert intents.detect_emergency(text) is None


@pytest.mark.parametrize("text", ["下班路上有人被车撞了 流血不止", "刚才上班路上被车撞了 腿在流血",
                                  "工友在回家路上被车撞了 人晕过去了", "有人被车撞了 流血"])
def test_a_traffic_accident_told_with_its_victim_now_stays_an_emergency(text):
    assert intents.detect_emergency(text) is not None


# Round 13: needs of schemes and bodies of law we do not load (our own phrasings, not the splits').
@pytest.mark.parametrize("text", [
    "住房公积金贷款能贷多少", "个人所得税年度汇算怎么退税", "社保从苏州转回安徽老家怎么弄",
    "灵活就业人员养老保险每月交多少",
    "公司被裁员给n+1还是2n", "被公司辞退能领几个月失业金", "焊工证在哪个网站报名考试", "带薪年假一年几天",
    "医保异地报销要先备案吗", "同事借了我两千块钱不还怎么办", "矽肺二期能治好吗", "在香港那边的劳工法例怎么规定",
    "自己买的意外险和工伤保险能两边都赔吗",
])
def test_needs_of_schemes_we_do_not_load_are_recognised(text):
    assert intents.looks_like_unloaded_need(text)


@pytest.mark.parametrize("text", [
    "单位不给交养老保险合法吗", "工伤职工到了退休年龄伤残津贴还发吗", "工伤病假工资怎么发", "劳动能力鉴定复审要多久",
    "工伤后康复治疗费谁出", "公司让我签离职协议放弃工伤赔偿有效吗", "单位缴纳工伤保险费的基数是什么",
    "项目上没有安全员c证的人能当专职安全员吗", "工会会员要交会费吗", "工会经费按工资总额百分之几拨缴",
])
def test_law_questions_in_those_schemes_words_are_not(text):
    assert not intents.looks_like_unloaded_need(text)


# Round 15: more of the same needs, in words the round-13 lexicon missed (the oos15 probe's families).
@pytest.mark.parametrize("text", [
    "老板一直不跟我签合同，能要二倍工资吗", "伤残补助金拿到手要不要交税", "劳动仲裁要准备哪些证据",
    "仲裁裁决了公司还不给钱怎么申请强制执行", "公司欠薪能申请支付令吗", "欠薪保障金去哪申请", "年假满一年有五天吗",
    "焊工证和电工证能一起考吗", "签无固定期限还是固定期限的好",
])
def test_more_needs_of_schemes_we_do_not_load_are_recognised(text):
    assert intents.looks_like_unloaded_need(text)


def test_n_plus_one_is_recognised_as_normalised():
    # Punctuation becomes a space in normalise: "N+1" reads "n1" compacted (round 13's "n\+1" never matched).
    from knowledge.text import compact

    assert intents.looks_like_unloaded_need(compact("公司辞退我要赔N+1吗"))


@pytest.mark.parametrize("text", [
    "法定节假日加班给两倍工资吗", "劳动仲裁要在多长时间内申请", "公司拖欠薪水不发我能辞职吗",
    "特种作业人员要考核合格才能上岗吗", "上班满一年有带薪年假吗", "没签劳动合同受了伤能认工伤吗",
])
def test_law_questions_near_the_round_15_words_are_not(text):
    assert not intents.looks_like_unloaded_need(text)


def test_a_named_citys_body_asked_for_its_address_is_outside():
    assert intents.looks_like_standard_or_paperwork("西安市劳动能力鉴定委员会在哪里怎么预约")
    assert not intents.looks_like_standard_or_paperwork("职业病诊断可以去哪里做")


def test_no_law_question_of_a_readable_split_is_taken_for_an_unloaded_need():
    import json
    from pathlib import Path

    from knowledge.engine import as_read, normalise

    data = Path(__file__).parents[2] / "bench" / "data" / "qa"
    taken = [r["q"] for split in ("train", "test", "test2", "test6", "test7", "test8", "calib", "emerg", "emerg2")
             for r in map(json.loads, (data / f"{split}.jsonl").read_text(encoding="utf-8").splitlines())
             if r["kind"] == "law" and intents.looks_like_unloaded_need(normalise(as_read(r["q"])).replace(" ", ""))]
    assert not taken


@pytest.mark.parametrize(("question", "answer", "missed"), [
    ("车间噪声多少分贝算超标", "用人单位应当为接触噪声的劳动者配备耳塞。", True),
    ("车间噪声多少分贝算超标", "八小时等效声级不超过85分贝。", False),
    ("进罐前测氧含量百分之多少算合格", "先通风、检测，再进入。", True),
    ("焊机离易燃物至少要多远", "动火点周围10米内不得有易燃物。", False),
    ("安全帽几年报废", "安全帽要在有效期内使用，用坏了及时更换。", True),
    ("粉尘浓度超标单位要担什么责任", "由卫生健康主管部门责令限期改正。", False),
    ("我们在十几米高的脚手架上干活没安全带", "高处作业应当系安全带。", False),
    ("沟挖了两米多深没有支护", "应当采取支护措施。", False),
    # Round 15: an amount of money asked outright, and the papers a procedure needs.
    ("高温津贴一个月发多少钱", "用人单位应当按规定发放高温津贴。", True),
    ("九级伤残能拿多少钱", "一次性伤残补助金为9个月的本人工资。", False),
    ("矿上给了几万块就打发了，还能要啥", "可以申请工伤认定，领取丧葬补助金和供养亲属抚恤金。", False),
    ("走几步路就喘，厂里一分钱没给", "用人单位应当安排职业病病人进行治疗。", False),
    ("劳动仲裁要准备什么材料", "可以向劳动争议仲裁委员会申请仲裁。", True),
    ("工伤认定要准备哪些材料", "应当提交工伤认定申请表、劳动关系证明材料和医疗诊断证明。", False),
])
def test_a_measured_limit_asked_is_met_only_by_a_figure_in_that_measure(question, answer, missed):
    from knowledge.engine import measure_missed

    assert measure_missed(question, answer) is missed


def test_a_measured_limit_or_a_scheme_we_do_not_load_is_not_answered_confidently(real_kb):
    for text in ("临时用电的安全电压是多少伏", "车间一氧化碳浓度到多少要报警", "离职以后公积金怎么提取"):
        assert real_kb.answer(text).intent != "answer"


@pytest.mark.parametrize("text", ["俺在这上头举报了老板能查出来是俺不真是匿名的", "我在这举报了是不是真的匿名",
                                  "在这儿匿名举报老板晓得是俺不", "匿名举报了车间主任会知道么"])
def test_a_spoken_question_about_a_report_is_not_the_tip_flow(text):
    # Compacted, the question mark is gone; the spoken question forms (是不是, 真是…的, a final 不/么) stay.
    assert not intents.is_tip(text)
