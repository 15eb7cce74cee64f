"""The emergency detector on the round-7 evaluation sets (bench/data/emergency, issue 10, point 10).

The sets were written as workers type in a panic and as questions sharing their words, before the
detector was read (reports.jsonl) or before the changes they were scored on (the two hold-outs);
bench/README.md ("Emergencies, round 7") says how. Having been tuned on, they are held here as a
regression test: every emergency recognised, false alarms at most one in a hundred.
"""
import pytest

from bench.emergency import DATA, load, score
from knowledge import emergency_reply

SETS = ["reports.jsonl", "holdout.jsonl", "holdout2.jsonl"]


@pytest.mark.parametrize("name", SETS)
def test_every_emergency_of_the_set_is_recognised_and_false_alarms_are_rare(name):
    rows = load(DATA.parent / name)
    _, wrong = score(rows)
    missed = [row["q"] for row, _ in wrong if row["emergency"]]
    alarms = [f"{row['q']} → {kind}" for row, kind in wrong if not row["emergency"]]
    others = sum(not row["emergency"] for row in rows)
    assert not missed, "\n".join(missed)
    assert len(alarms) <= others // 100, "\n".join(alarms)


def test_the_sets_are_large_and_labelled_as_documented():
    rows = load()
    assert sum(r["emergency"] for r in rows) >= 300 and sum(not r["emergency"] for r in rows) >= 300
    assert all(set(r) == {"q", "emergency", "hazard", "style"} for r in rows)
    assert len({r["q"] for r in rows}) == len(rows)


@pytest.mark.parametrize(("text", "kind"), [
    ("厨房一股臭鸡蛋味，师傅头晕站不住了", "gas"),           # a leak told by its smell and a symptom
    ("灶头嘅气喉甩咗，成屋都系气味", "gas"),                 # Cantonese: the room full of the smell
    ("车间里烧着煤炉子，几个人都说头痛想吐", "poison"),       # carbon monoxide told by its source and signs
    ("anqi xielou le, yanjing zheng bu kai", "gas"),         # pinyin typed word by word
    ("bei dian da le bu dong le", "electric"),
    ("佢俾电电亲啊，唔识郁啊", "electric"),                   # Cantonese: got a shock, cannot move
    ("俺的手让轧辊给咬住了，出不来", "machine"),
    ("人没上来", "confined"),
    ("进入反应釜检修的工人失去意识", "confined"),
    ("我要举报，刚才车间有人触电倒地了", "electric"),         # told right now: the report word does not hide it
    ("钢筋扎进肚子里了", "bleeding"),
    ("眼睛进碱了", "chemical"),
    # Read from the calibration split's misses (bench/data/qa/calib.jsonl, a training split), in other words:
    ("化粪池清淤的师傅下去好几分钟了，喊他啥反应都没有", "confined"),  # no sign of life told as "nothing at all"
    ("搅拌罐的工友在里面半个钟头没回音了", "confined"),                  # the place first, then who is inside
    ("冷库液氨外泄，几个人眼睛都睁不开了", "gas"),                       # 外泄 is a leak too
])
def test_round_seven_phrasings_are_emergencies_of_their_kind(text, kind):
    reply = emergency_reply(text)
    assert reply is not None and reply.kind == kind


@pytest.mark.parametrize("text", [
    "如果有人触电该怎么急救",              # a hypothetical: training
    "中暑了怎么急救",                      # first aid asked as a topic, nobody named
    "判断题：发现有人触电应立即用手拉开，对还是错",
    "今天的微课堂讲的触电急救挺好的",
    "第一次见她就像触电一样",
    "工地电线泡在水里好几天了，怕有人触电",  # a hazard feared, nobody hurt yet
    "chudian shoushang neng rending gongshang ma",
    "前天晚上我们厂着火了，损失谁来承担",
    "刚才有人触电了，这算工伤吗",            # right now, but asked as a claim: the law answers it
    "下班路上摔伤了 这算公伤不",              # a claim typed by sound (公伤)
    "工地出事了，分包说是总包的责任跟他们没关系",  # who answers for it: a dispute
    "瓦斯都超限了组长还让接着干，能不干不",      # a right to refuse, nobody hurt
    "我现在在一家喷漆厂上班，天天闻着很冲的漆味，未成年能干吗",  # where one works, a habit: a rights question
])
def test_training_lessons_figures_of_speech_fears_and_claims_are_not_emergencies(text):
    assert emergency_reply(text) is None


def test_first_aid_asked_for_a_named_person_is_an_emergency():
    reply = emergency_reply("工友中暑了，怎么急救")
    assert reply is not None and reply.kind == "heat"


# Round 9: the classes behind test6's misses (a training split since round 9), each in phrasings written for
# these tests: gone down and not back, told with an adverb between (没再上来, 再也没出来, 没见上来, 在 for 再);
# a poison swallowed, told substance first (把……当水喝了).
@pytest.mark.parametrize(("text", "kind"), [
    ("下水道里下去的师傅一直没再上来", "confined"),
    ("罐子裡的人進去後再也沒出來，喊也不應", "confined"),
    ("他下到池子里好久没见上来", "confined"),
    ("下井的兄弟没在上来", "confined"),                       # 在 typed for 再
    ("工友把装在矿泉水瓶里的稀料当水喝了", "poison"),
    ("徒弟把敌敌畏当饮料喝了一口，现在肚子疼", "poison"),
    ("老師傅把防凍液當成飲料喝下去了", "poison"),
    # A probe of further hazards in the same way: called and no answer, something unknown swallowed, the heart
    # told by its signs, a bite, someone still on what toppled.
    ("冷库里那个搬运工冻僵了，喊他也没反应", "unconscious"),
    ("师傅喝了瓶子里的不明液体，嘴里起泡", "poison"),
    ("组长突然胸口憋得慌，脸色煞白", "unconscious"),
    ("工友割草被蛇咬了", "poison"),
    ("龙门吊倒了，司机还在上面", "collapse"),
    # A third probe, dialect and typed forms: a Cantonese fall, half-pinyin 倒, struggling in the water.
    ("阿叔跌咗落去，唔郁得", "fall"),
    ("师傅被电dao在地上", "electric"),
    ("有个小工在蓄水池里扑腾", "flood"),
])
def test_round_nine_phrasings_are_emergencies_of_their_kind(text, kind):
    reply = emergency_reply(text)
    assert reply is not None and reply.kind == kind


@pytest.mark.parametrize("text", [
    "签了伤亡后果自负的生死状，现在心里发慌，真出事了老板能不管吗",  # a paper signed, an accident supposed
    "进污水井清淤，里面有毒气，井口需不需要专人看护",              # who stands by: asked before going in
    "化工厂爆炸死了3个人，属于什么级别的事故",                     # an accident's grade
    "有人下井后没再上来，单位要担什么责任",                       # the same words, asked as law
    "前年在山上干活被蛇咬了算工伤吗",                             # past, a claim
    "工地草丛里有毒蛇怎么办",                                     # a hazard feared, nobody hurt
    "干了十年胸口疼出冷汗算职业病吗",
    "池塘里的鸭子扑腾得厉害",                                     # no person in the water
])
def test_round_nine_waivers_supervision_and_grades_are_not_emergencies(text):
    assert emergency_reply(text) is None


# Round 11: the word families behind the emerg split's misses (bench/data/qa/emerg.jsonl, a training split), in
# phrasings written for these tests: Cantonese time and body words (而家, 头先, 晕低, 入面, 冇应, 饮错), a person
# called without an answer in any order, a body jerking, a smell that keeps growing or comes with tears and
# coughing, a pipe that burst, smoke told smoke first, someone still inside, gone under in a pond, a hot liquid
# that scalded, a liquid thrown into the eyes, anything swallowed by mistake, a formal report that counts the
# people it is about, and the emergency told after a question set aside.
@pytest.mark.parametrize(("text", "kind"), [
    ("快啲嚟，阿叔喺厨房暈低咗", "unconscious"),
    ("佢喺沙井入面冇应", "confined"),
    ("老表饮错洗洁精", "poison"),
    ("头先仓库有阵怪味，而家叫佢佢冇应", "gas"),
    ("配料间一股怪味儿，看门的大爷喊他半天不答应", "gas"),
    ("摸了一下配电箱整个人抽抽", "electric"),
    ("沼气池那边管子裂了，好几个人咳个不停直淌眼泪", "gas"),
    ("闻到一股很重的气味，味道越来越冲", "gas"),
    ("头发绞在机器里了", "machine"),
    ("配料间一大股烟子涌出来，里面还有两个人", "fire"),
    ("鱼塘边那个小工脚一滑就不见了，水面在冒泡泡", "flood"),
    ("四十一度的天，扎钢筋的小李突然就倒了", "heat"),
    ("滚油烫了一手", "burn"),
    ("蒸汽阀门爆开，喷到师傅半边身子", "burn"),
    ("药水泼到工友眼睛里，他捂着眼说看不清", "chemical"),
    ("徒弟误把桶里的脱漆剂当水喝了", "poison"),
    ("液化气怕是漏了，闻着喘不上气", "gas"),          # 怕是: "probably", no fear
    ("一名操作工进储罐清理后失去联系，请问现场应如何组织救援", "confined"),
    ("硫化氢正向厂外扩散，请问应如何组织疏散", "gas"),
    ("本来想咨询加班费的事，结果现在车间着火了，门口都是黑烟", "fire"),
])
def test_round_eleven_phrasings_are_emergencies_of_their_kind(text, kind):
    reply = emergency_reply(text)
    assert reply is not None and reply.kind == kind


@pytest.mark.parametrize("text", [
    "昨儿个仓库煤气管漏了，师傅已经修好了，老板该不该装报警器",   # put right yesterday: asked afterwards
    "琴日车间有阵臭鸡蛋味，而家冇味喇，要唔要同老板讲",           # Cantonese: yesterday, no smell now
    "上个月被蒸汽烫伤，现在好得差不多了，能算工伤吗",             # past and a claim
    "四十度高温天干活，单位应该发高温津贴吗",                     # a temperature is no collapse
    "请问一名员工被机器卷入受伤后，公司应在多长时间内上报",       # a formal question of law
    "奇怪为什么车间老有股味",                                     # 怪为 after 奇 is no typo of 怪味
    "热水器烫了怎么修",                                           # a hot appliance, no one scalded
    "误把别人的饭吃了",                                           # taken by mistake, nothing harmful
])
def test_round_eleven_resolved_past_and_formal_law_questions_are_not_emergencies(text):
    assert emergency_reply(text) is None


# Round 12: the families behind the emerg2 split's misses (bench/data/qa/emerg2.jsonl, a training split, written
# by three more writers), in phrasings written for these tests: a person told by a state (gone soft, shaking,
# not answering over the radio or in Minnan 叫伊无应), a hazard told by what is seen, heard or smelt with the
# people it affects (a bang, smoke that grows, a yellow cloud with coughing, tears), people still inside, a leak
# told before its gas, blood told by how it comes, a formal report that counts a named trade, a story whose
# past is background to what happens now, and the writer interrupted by the emergency.
@pytest.mark.parametrize(("text", "kind"), [
    ("压缩机房那头嘭一声，走廊里的人都捂着耳朵往外跑", "explosion"),
    ("搅拌站楼上好大烟，我们仲有两个人喺楼上", "fire"),
    ("烘干房的烟越来越浓，还有几个人在后面打包", "fire"),
    ("储料间飘出一团黄乎乎的气，守门的大叔跪在地上咳", "gas"),
    ("机房漏氨了，大家眼泪止不住", "gas"),
    ("水泵房配电柜电到人了", "electric"),
    ("有人出点了", "electric"),
    ("焊机线泡在水里，扛钢管的老乡碰了一下就抖起来了", "electric"),
    ("四十度的工棚里，绑钢筋的大哥人一下软下去了", "heat"),
    ("阮头家在蓄水塔里面洗，叫伊都无应", "confined"),
    ("对讲机叫他一直没回，他一个钟头前下的压载舱", "confined"),
    ("一名检修人员进入集水井后失去联系，请问应如何处置", "confined"),
    ("沙子滑下来了，拌料的师傅被掩埋在料仓里", "confined"),
    ("电锯把我小腿拉开了，血一股一股往外冒", "machine"),
    ("小徒弟的袖口叫皮带搅进去了", "machine"),
    ("石灰溅到眼睛里了 zenme办", "chemical"),
    ("打完药的那个阿姨头好晕，口水一直流", "poison"),
    ("报告：仓内现有两名装卸人员呼吸困难，请指示处置措施", "confined"),
    ("班组长上个月走了没人管，刚才天车上的钢板掉下来把老王压住了", "machine"),
    ("本来想问工伤认定的事……写到一半外面喊起来，脚手架上的人掉下来了", "fall"),
])
def test_round_twelve_phrasings_are_emergencies_of_their_kind(text, kind):
    reply = emergency_reply(text)
    assert reply is not None and reply.kind == kind


@pytest.mark.parametrize("text", [
    "上周有个同事中暑送医院，现在已经好了，厂里不配防暑药合法吗",     # past, and what followed: no event now
    "前几天工友从架子上掉下来现在在医院，老板不给垫钱怎么办",         # past, and a claim
    "怀疑是苯中毒，医生让我观察，我现在还在观察期能被辞退吗",         # an occupational disease under observation
    "今天搞消防演练，出口是锁的，真着火就出不去了，有什么规定",       # a drill, a fire supposed
    "老板说我干活不着火，不上心",                                     # 不着火: not keen, no fire
    "万一漏气了应该先做什么",                                         # a leak supposed
])
def test_round_twelve_background_supposed_and_claims_are_not_emergencies(text):
    assert emergency_reply(text) is None
