"""The self-help catalogue: questions about Ankang itself, and law questions that must not match."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.errors import DataError
from knowledge.faq import MAX_ANSWER_CHARS
from knowledge.selfhelp import (
    SelfHelpEntry,
    load_selfhelp,
    match_selfhelp,
    selfhelp_catalogue,
)
from knowledge.text import compact

# Phrasings written apart from the catalogue's (none is a q or alt of selfhelp.yaml).
POSITIVES = [
    ("微课堂要怎么订", "selfhelp-subscribe"),
    ("我想订阅消防安全的课", "selfhelp-subscribe"),
    ("咋订阅啊", "selfhelp-subscribe"),
    ("/subscribe怎么用", "selfhelp-subscribe"),
    ("怎么才能收到微课堂", "selfhelp-subscribe"),
    ("不要再推送了谢谢", "selfhelp-unsubscribe"),
    ("推送太频繁了能关吗", "selfhelp-unsubscribe"),
    ("取消订阅", "selfhelp-unsubscribe"),
    ("我要退订", "selfhelp-unsubscribe"),
    ("怎么关掉微课堂", "selfhelp-unsubscribe"),
    ("別再推送了", "selfhelp-unsubscribe"),  # traditional 別
    ("昨天推的课在哪里看", "selfhelp-lessons"),
    ("微课堂的题在哪做", "selfhelp-lessons"),
    ("下一课", "selfhelp-lessons"),
    ("我的积分呢", "selfhelp-score"),
    ("积分有什么用", "selfhelp-score"),
    ("答对一题加几分", "selfhelp-score"),
    ("我的积分怎么是0", "selfhelp-score"),
    ("我在排行榜上第几", "selfhelp-rank"),
    ("排行榜能不能不显示我的名字", "selfhelp-rank"),
    ("安康杯排名怎么查", "selfhelp-rank"),
    ("我的名次是多少", "selfhelp-rank"),
    ("在机器人上怎么反映隐患", "selfhelp-report"),
    ("用你们这个举报要不要登录", "selfhelp-report"),
    ("这里可以举报吗", "selfhelp-report"),
    ("你们会不会把我的名字告诉老板，我在这举报了", "selfhelp-anonymity"),
    ("这里举报真的不会暴露吗", "selfhelp-anonymity"),
    ("机器人会保存我的手机号吗，举报的时候", "selfhelp-anonymity"),
    ("举报真的是匿名的吗", "selfhelp-anonymity"),
    ("回执码在哪输入", "selfhelp-status"),
    ("我的举报有进展了吗", "selfhelp-status"),
    ("查询码怎么查进度", "selfhelp-status"),
    ("/status 怎么用", "selfhelp-status"),
    ("回执码忘了", "selfhelp-lost-receipt"),
    ("查询码丢了还能找回来吗", "selfhelp-lost-receipt"),
    ("回执码没保存怎么办", "selfhelp-lost-receipt"),
    ("没截图回执码", "selfhelp-lost-receipt"),
    ("我想跟真人聊聊", "selfhelp-contact"),
    ("工会的联系方式是什么", "selfhelp-contact"),
    ("客服在哪", "selfhelp-contact"),
    ("怎么找工会的工作人员", "selfhelp-contact"),
    ("你能干啥", "selfhelp-help"),
    ("这个机器人是干什么的", "selfhelp-help"),
    ("帮助", "selfhelp-help"),
    ("助手有什么用", "selfhelp-help"),
    ("法规条文去哪查", "selfhelp-laws"),
    ("想看消防法全文", "selfhelp-laws"),
    ("法律原文在哪里看", "selfhelp-laws"),
    # Colloquial, formal, traditional, pinyin and typed-in-a-hurry (issue 10, follow-up point 3)
    ("你们那个课天天推 烦死了咋关掉", "selfhelp-unsubscribe"),
    ("半夜还收到你们的消息 能设置一下吗", "selfhelp-unsubscribe"),
    ("微课堂能不能改成一个月推一次", "selfhelp-unsubscribe"),
    ("本平台的推送服务应如何取消？", "selfhelp-unsubscribe"),
    ("tuisong怎么关", "selfhelp-unsubscribe"),
    ("微课堂退定", "selfhelp-unsubscribe"),
    ("答题攒的分在哪看", "selfhelp-score"),
    ("jifen在哪看", "selfhelp-score"),
    ("我排在第几", "selfhelp-rank"),
    ("全厂谁答题最多", "selfhelp-rank"),
    ("举报之后在哪看处理到哪一步了", "selfhelp-status"),
    ("回执码记不得了", "selfhelp-lost-receipt"),
    ("迴執碼不見了怎麼辦", "selfhelp-lost-receipt"),
    ("如遗失回执码，能否补办？", "selfhelp-lost-receipt"),
    ("通过本系统反映问题会不会暴露个人信息", "selfhelp-anonymity"),
    ("用这个举报安全不 会不会被厂里查出来", "selfhelp-anonymity"),
    ("拟通过贵平台匿名举报，该渠道能否确保身份不泄露", "selfhelp-anonymity"),
    ("有没有人工", "selfhelp-contact"),
    ("能帮我转给工会的同志吗", "selfhelp-contact"),
    ("如何与工会取得联系？", "selfhelp-contact"),
    ("工会的联系电话是多少", "selfhelp-contact"),
    ("怎样通过本平台提交隐患线索", "selfhelp-report"),
    ("以前的课还能看吗", "selfhelp-lessons"),
    # A story about Ankang: its asking end decides
    ("我们车间主任让大家都关注了你们，说每天会推安全知识。可我最近倒夜班，白天睡觉的时候手机老是响，"
     "我想问一下这个推送能不能关掉，以后想看还能不能再打开？", "selfhelp-unsubscribe"),
    ("前两天我在你们这里反映了仓库堆货堵住消防通道的事，给了我一串回执码，我当时没在意，"
     "结果聊天记录被我清掉了，回执码也找不回来了，现在还能查吗？", "selfhelp-lost-receipt"),
]

# Law questions (and other questions for the engine) that share words with the service.
NEGATIVES = [
    "举报隐患会被打击报复吗",
    "从业人员有权举报吗",
    "单位不让我参加培训",
    "举报安全隐患可以匿名吗",
    "举报人信息会不会泄露",
    "不想让厂里知道是我举报的",
    "发现隐患向谁报告",
    "向12350举报真的匿名吗",
    "举报有奖励吗",
    "匿名举报还能拿奖金吗",
    "我举报的事结果单位把我辞退了",
    "举报了没人管怎么办",
    "12350是什么",
    "安康杯是什么",
    "微课堂是什么",
    "三级安全教育有哪些课程",
    "安全培训课程有哪些",
    "劳动法有哪些规定",
    "安全生产法第五十五条",
    "职业病防治法39条",
    "劳动法第三十六条原文",
    "有人触电要不要做人工呼吸",
    "老板不给发劳保用品怎么办",
    "劳保用品要自己掏钱吗",
    "加班费怎么算",
    "工伤认定要多久",
    "单位没有工会找谁",
    "工会不管怎么办",
    "工会有权参加事故调查吗",
    "你知道工伤是什么吗",
    "安全帽是干什么的",
    "有限空间作业要注意什么",
    "特种作业证怎么查询真假",
    "职业病诊断去哪查",
    "法律怎么看待老板逼加班",
    "连续上班二十天不休息合法吗",
    "怀孕七个月还要上夜班吗",
    "十六岁能进厂吗",
    "推车时被撞伤算工伤吗",
    "公司发通知让我们周末加班",
    "班组长让我冒险作业我能拒绝吗",
    "单位安全生产排名靠后会被处罚吗",
    "隐患举报电话是多少",
    "安全员是干什么的",
    "不想收到单位的罚款通知",
    "事故调查报告在哪里看",
    "积分落户和工伤有关系吗",
    "我在车间干了三年，最近调到喷漆岗位，厂里不发防毒面具，也没做岗前体检，听说可以举报，我想问问这种情况单位要负什么责任",
    # A story with words of a legal question is a law story, whatever its end asks
    "我在厂里干了五年，去年在车间摔伤了，厂里说不算工伤，我想先问问你们这里举报以后多久能有进度",
    "打了12350举报电话之后怎么查处理进度",
    # Whistle-blower protection is 安全生产法's, not the bot's (round 7)
    "举报人受保护吗",
    "举报人会不会受到法律保护",
    "法律怎么保护举报人",
    # A company changing, not the unit setting; other uses of the service's new words
    "单位改制后合同还有效吗",
    "换单位了社保怎么转",
    "单位换了合同要重签吗",
    "老板用语言侮辱我",
    "劳动合同用英文签有效吗",
    "劳保用品要钱吗",
    "职业健康体检要收费吗",
    "新领导说不用问工会 对吗",
    "12350 12333 12351 分别管什么",
    "我没收到工资了",
    "没收到课时费",
    "安全培训课什么时候上",
    "举报后多久给答复",
    "单位删除我的考勤记录违法吗",
    "二维码丢了怎么办",
    "签合同能用英文吗",
    "单位能换岗吗",
    "单位没推送安全知识",
    "领导晓得是我举报的怎么办",
]


@pytest.mark.parametrize("text,entry_id", POSITIVES)
def test_questions_about_ankang_match(text, entry_id):
    entry = match_selfhelp(compact(text))
    assert entry is not None and entry.id == entry_id, (text, entry and entry.id)


@pytest.mark.parametrize("text", NEGATIVES)
def test_law_questions_do_not_match(text):
    entry = match_selfhelp(compact(text))
    assert entry is None, (text, entry.id)


def test_positives_are_not_copied_from_the_catalogue():
    written = {compact(q) for e in selfhelp_catalogue().values() for q in e.questions}
    assert not written & {compact(t) for t, _ in POSITIVES}


def test_every_catalogue_phrasing_matches_its_own_entry():
    for entry in selfhelp_catalogue().values():
        for question in entry.questions:
            found = match_selfhelp(compact(question))
            assert found is not None and found.id == entry.id, (question, found and found.id)


def test_raw_text_works_as_well_as_compact_text():
    assert match_selfhelp("怎么 退订？").id == "selfhelp-unsubscribe"


def test_catalogue_shape():
    entries = load_selfhelp()
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids)) >= 10
    for e in entries:
        assert isinstance(e, SelfHelpEntry)
        assert 8 <= len(e.alt) <= 15, e.id
        assert e.a and len(e.a) <= MAX_ANSWER_CHARS, e.id


def test_answers_name_only_existing_commands():
    from bot.commands import COMMANDS

    known = {c.name for c in COMMANDS} | {"tip"}  # /tip is the web form's path
    for e in load_selfhelp():
        for name in re.findall(r"/([a-z]+)", e.a):
            assert name in known, (e.id, name)


def test_loader_rejects_broken_entries(tmp_path: Path):
    path = tmp_path / "selfhelp.yaml"
    path.write_text("- id: x\n  q: 问题\n", encoding="utf-8")
    with pytest.raises(DataError):
        load_selfhelp(path)
    path.write_text("- {id: a, q: 问, a: 答}\n- {id: a, q: 问二, a: 答二}\n", encoding="utf-8")
    with pytest.raises(DataError):
        load_selfhelp(path)
    assert load_selfhelp(tmp_path / "missing.yaml") == []


def test_custom_catalogue():
    entry = SelfHelpEntry("selfhelp-score", "积分", ("分数",), "发送 /score")
    assert match_selfhelp("我的积分", {entry.id: entry}) is entry
    assert match_selfhelp("我的积分", {}) is None


@pytest.mark.parametrize("text, entry_id", [
    ("积fen在哪看", "selfhelp-score"), ("回执ma找不到了", "selfhelp-lost-receipt"),
    ("咋退ding", "selfhelp-unsubscribe"), ("俺在你们这举报 厂里能查到俺不", "selfhelp-anonymity"),
    ("匿名举报完了 车间主任会不会知道是我", "selfhelp-anonymity"),
    ("举报交上去以后能撤销吗", "selfhelp-status"), ("怎么匿名举报", "selfhelp-report"),
    ("工会的知识竞赛咋参加", "selfhelp-campaign"), ("这个机器人说的有法律效力吗", "selfhelp-help"),
    ("以后不想再收到这些通知了", "selfhelp-unsubscribe"), ("举报完多久有人处理", "selfhelp-status"),
    ("举报的时候能附视频吗", "selfhelp-report"), ("助手答不上来咋办", "selfhelp-contact"),
    ("微课堂几点推能不能调一下", "selfhelp-unsubscribe"), ("我调到别的厂了 所在单位要改吗", "selfhelp-unit"),
    ("舉報完怎麼查進度", "selfhelp-status"), ("这个助手可以干啥", "selfhelp-help"),
    ("前些天用你们这个举报了食堂的煤气罐，不知道在哪看处理进展", "selfhelp-status"),
    ("你们的微课堂每天推得太早了，能换个时间吗", "selfhelp-unsubscribe"),
    ("想匿名举报，具体流程是什么", "selfhelp-report"),
])
def test_half_pinyin_dialect_and_the_newer_needs_match(text, entry_id):
    entry = match_selfhelp(compact(text))
    assert entry is not None and entry.id == entry_id


@pytest.mark.parametrize("text", ["匿名举报", "我匿名举报之后想撤回"])
def test_naming_the_anonymous_report_is_not_the_tip_flow(text):
    from knowledge import intents

    assert not intents.is_tip(compact(text))


# --- A generated grid: each need about Ankang × the ways it is asked (issue 10, point 8) ----------
# Core phrasings written for these tests, one need each, wrapped the way workers open and close a
# message, and in traditional characters. Through the whole engine: the catalogue answers, never a
# law entry, never "unsure".
SELF_NEEDS: dict[str, tuple[str, ...]] = {
    "selfhelp-unsubscribe": ("不想再收微课堂了怎么关", "推送太多了能停掉吗", "怎么退订"),
    "selfhelp-rank": ("我在排行榜排第几", "安康杯排名在哪看"),
    "selfhelp-campaign": ("安康杯竞赛怎么参加", "知识竞赛在哪答题"),
    "selfhelp-study": ("我的学时在哪看", "证书怎么下载", "答题算学时吗", "学时有啥用"),
    # Round 7: what calib's new writers asked about, in phrasings written for these tests
    "selfhelp-unit": ("我的单位选错了怎么改", "怎么更换所在单位", "跳槽了单位怎么改过来", "单位可以换吗"),
    "selfhelp-status": ("我前几天检举的隐患到哪一步了", "举报发出去以后还能补充照片吗", "检举完在哪看到工会的回复",
                        "我上个月举报的那事有下文没"),
    "selfhelp-lost-receipt": ("回执码弄丢了", "查询码忘记了还能找回吗", "举报后给我的那个码找不到了"),
    "selfhelp-report": ("没有电报的人怎么用这个检举",),
    "selfhelp-anonymity": ("在这举报会不会暴露我", "举报老板会知道是我吗", "用你们这个举报 车间主任查得到我不",
                           "机器人会不会把我的名字告诉厂里"),
    "selfhelp-score": ("我的积分在哪查", "答题得了多少分", "我的分怎么还是零"),
    "selfhelp-language": ("回复能换成繁体字吗", "可以用英语问吗"),
    "selfhelp-mydata": ("想删除我在这里的数据", "你们这个机器人存了我什么信息"),
    "selfhelp-pushes": ("微课堂一般什么时候推送", "最近怎么收不到推送了", "为啥好久没推了"),
    "selfhelp-contact": ("怎么找工会的人", "我要转人工", "问工会在哪用"),
    "selfhelp-help": ("用这个机器人收费吗", "你是人工智能吗", "这个助手是谁搞的"),
}
WRAPPERS = ("{q}", "请问{q}", "你好，{q}", "俺想问下{q}", "{q}？谢谢", "{q}啊")


def _self_grid() -> list[tuple[str, str]]:
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    out = []
    for entry_id, needs in SELF_NEEDS.items():
        for need in needs:
            for wrapper in WRAPPERS:
                out.append((wrapper.format(q=need), entry_id))
            out.append((s2t.convert(need), entry_id))
    return out


def test_every_need_about_ankang_in_every_wrapping_gets_its_catalogue_answer(fixture_kb):
    wrong = []
    for text, entry_id in _self_grid():
        reply = fixture_kb.answer(text)
        if reply.intent != "self" or getattr(reply, "entry_id", None) != entry_id:
            wrong.append(f"{text} → {reply.intent} {getattr(reply, 'entry_id', '')}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("text", ["三级安全教育学时不少于多少", "特种作业操作证怎么考", "电工证书在哪考",
                                  "新员工安全教育要多少学时", "主要负责人的安全证书谁发"])
def test_licences_and_training_hours_the_law_sets_are_not_the_study_record(text):
    assert match_selfhelp(compact(text)) is None


def test_no_phrasing_of_the_law_faq_is_taken_for_a_question_about_ankang():
    from knowledge.faq import DATA_DIR, load_faq

    taken = [(e.id, q, found.id) for e in load_faq(DATA_DIR / "faq") for q in (e.q, *e.alt)
             if (found := match_selfhelp(compact(q))) is not None]
    assert not taken


def test_a_story_naming_its_receipt_is_about_the_receipt_not_a_new_tip(fixture_kb):
    story = ("前阵子我在你们这里匿名反映了车间配电箱漏电的事，拿到一个回执码存在手机备忘录里，"
             "后来换了手机备忘录没同步，码找不到了，想知道工会处理了没有，该怎么办？")
    reply = fixture_kb.answer(story)
    assert reply.intent == "self" and reply.entry_id == "selfhelp-lost-receipt"


# Round 9: the classes behind test6's self-help misses and a probe of what else workers ask about the service,
# in phrasings written for these tests (none of them in the catalogue literally).
@pytest.mark.parametrize("text, entry_id", [
    ("天天推课烦得要命 能不能让它别推了", "selfhelp-unsubscribe"),       # annoyance, "make it stop"
    ("這些課煩得很，怎麼讓它不再發", "selfhelp-unsubscribe"),
    ("经本应用提交的举报会不会留下我的身份", "selfhelp-anonymity"),       # the service named formally / as an app
    ("用这个软件举报老板会知道是我吗", "selfhelp-anonymity"),
    ("如何把本人绑定的单位更换为新公司的工会", "selfhelp-unit"),          # the registration changed, formal words
    ("dan位选错了", "selfhelp-unit"),
    ("举报后给的编号忘记了", "selfhelp-lost-receipt"),                   # the report's number named otherwise
    ("举报单号找不到了", "selfhelp-lost-receipt"),
    ("俺那个检举有人管没", "selfhelp-status"),                           # status in street words
    ("检举以后在哪看整改了没有", "selfhelp-status"),
    ("我在这里问的问题领导会知道吗", "selfhelp-mydata"),                 # what was asked here, and who sees it
    ("你们会把我问的东西告诉厂里吗", "selfhelp-mydata"),
    ("没装电报还能用吗", "selfhelp-access"),                             # where the service runs
    ("电脑上可以用吗", "selfhelp-access"),
    ("一礼拜推几回课", "selfhelp-pushes"),
    ("这星期咋没课", "selfhelp-pushes"),
    ("用这个费不费流量", "selfhelp-help"),
    ("证书咋领", "selfhelp-study"),                                      # 咋 read as 怎么
    ("xue时在哪看", "selfhelp-study"),
    # A second probe: a report's fate asked after, pushes refused or timed, the bot's answers doubted, one's unit.
    ("我在这的举报工会受理了没", "selfhelp-status"),
    ("检举交上去了吗", "selfhelp-status"),
    ("不需要你们的课了", "selfhelp-unsubscribe"),
    ("别再给我发课", "selfhelp-unsubscribe"),
    ("星期几来课呢", "selfhelp-pushes"),
    ("小课好久没更新", "selfhelp-pushes"),
    ("助手说错了跟谁说", "selfhelp-contact"),
    ("这个机器人靠得住吗", "selfhelp-help"),
    ("我现在是哪个单位", "selfhelp-unit"),
])
def test_round_nine_phrasings_about_ankang_match(text, entry_id):
    entry = match_selfhelp(compact(text))
    assert entry is not None and entry.id == entry_id


@pytest.mark.parametrize("text", [
    "高温补贴一个月发多少钱", "一个月发几次工资", "我所属的工会变更了，工会会费怎么交", "公司能看员工的聊天记录吗",
    "举报了以后单位一直没整改怎么办", "领导天天骚扰我受不了", "单位变更名称后劳动合同还有效吗",
    "我举报了劳动局一直没受理怎么办", "工资条上单位名称写错了", "安全生产责任制什么时候推行",
])
def test_round_nine_neighbours_stay_outside_the_catalogue(text):
    assert match_selfhelp(compact(text)) is None


def test_a_report_retaliated_against_is_a_question_not_a_new_tip():
    from knowledge import intents

    assert not intents.is_tip(compact("俺偷偷举报了老板乱倒废料，他就说要开除俺，有人管不"))


# Round 12: the service addressed as a 公众号, 小程序 or 平台, the verb before the registered unit, pinyin typed
# together, Cantonese question words, and features asked about in words the earlier rules did not know.
@pytest.mark.parametrize("text,entry_id", [
    ("公众号的课推得太多了 怎么关", "selfhelp-unsubscribe"),
    ("用这小程序反映隐患 会暴露我吗", "selfhelp-anonymity"),
    ("平台上检举的内容 领导看得到是谁发的不", "selfhelp-anonymity"),
    ("匿名检举会不会被班长晓得", "selfhelp-anonymity"),
    ("匿名举报还要留手机号吗", "selfhelp-anonymity"),
    ("举报附的照片会不会暴露定位", "selfhelp-anonymity"),
    ("请问怎样变更本人登记的所属基层工会", "selfhelp-unit"),
    ("我跳槽了 怎么修改我加入的单位", "selfhelp-unit"),
    ("我想重新选单位", "selfhelp-unit"),
    ("这个公众号是干什么用的", "selfhelp-help"),
    ("weiketang zenme tuiding", "selfhelp-unsubscribe"),
    ("wodejifenzaina", "selfhelp-score"),
    ("檢舉之後點樣睇進度", "selfhelp-status"),
    ("举报交了半个月了还没动静", "selfhelp-status"),
    ("想补交举报的照片", "selfhelp-status"),
    ("工会的人现在在线吗", "selfhelp-contact"),
    ("我转给工会的问题答复了没", "selfhelp-contact"),
    ("班组参与率去哪查", "selfhelp-rank"),
    ("课后题选错了可以重答吗", "selfhelp-score"),
    ("化工的课在哪订", "selfhelp-subscribe"),
    ("去哪补看推送过的课", "selfhelp-lessons"),
    ("在哪搜法规条文", "selfhelp-laws"),
    ("微课能不能一个月只推一次", "selfhelp-unsubscribe"),
    ("推课的时间太早了", "selfhelp-unsubscribe"),
    ("凌晨收到推送 吵醒了", "selfhelp-unsubscribe"),
])
def test_round_twelve_phrasings_about_ankang_match(text, entry_id):
    entry = match_selfhelp(compact(text))
    assert entry is not None and entry.id == entry_id, (text, entry and entry.id)


@pytest.mark.parametrize("text", [
    "我们这边工地没有安全网怎么办", "外卖平台上跑单摔了谁管", "公司公众号天天推安全知识有什么用",
    "匿名举报隐患会被查出来吗", "向应急管理局举报会不会被知道是我", "在12350举报了没人理",
    "我调到别的公司了 社保怎么转", "小程序上签的合同有效吗", "车间主任让我改答案", "半夜还让我们上班合法吗",
    "补充一下刚才的问题 厂里没有通风", "我举报了厂里的隐患一个月了没人管", "打了举报电话半个月了没动静",
    "tongfeng bu hao zenme ban",
])
def test_round_twelve_neighbours_stay_outside_the_catalogue(text):
    assert match_selfhelp(compact(text)) is None, text


# Round 15: needs product.md offers a worker that the catalogue lacked (a helper's probe, written from product.md, not
# from a split): the 👍/👎 under an answer, sharing into another chat (inline mode), attempts a day, a certificate
# for lessons, a report left half-way. The phrasings here are new again.
@pytest.mark.parametrize(("text", "entry_id"), [
    ("回答下面那个踩是什么意思", "selfhelp-feedback"),
    ("我给你点个赞吧 怎么点", "selfhelp-feedback"),
    ("怎么评价这个回答", "selfhelp-feedback"),
    ("能不能把这个回答转发到车间群里", "selfhelp-share"),
    ("法条怎么分享给班组长", "selfhelp-laws"),  # its answer says how an article is shared
    ("在别的聊天里怎么查法条", "selfhelp-laws"),
    ("这个助手能拉进群吗", "selfhelp-share"),
    ("知识竞赛每天能答几次", "selfhelp-campaign"),
    ("安康杯一天可以考多少回", "selfhelp-campaign"),
    ("学完微课堂能拿证书吗", "selfhelp-study"),
    ("举报写了一半不想报了怎么办", "selfhelp-report"),
])
def test_round_fifteen_phrasings_about_ankang_match(text, entry_id):
    entry = match_selfhelp(compact(text))
    assert entry is not None and entry.id == entry_id, (text, entry and entry.id)


@pytest.mark.parametrize("text", [
    "班长发给工友的防护口罩是假的怎么办", "公司把事故通报发到群里了", "主管在工友群里骂人",
    "老板让我们转发公司的安全视频到朋友圈", "答题不及格会扣工资吗", "领导点名批评我没戴安全帽",
    "特种作业证书怎么考", "考完电工证一天能干几个小时",
])
def test_round_fifteen_neighbours_stay_outside_the_catalogue(text):
    assert match_selfhelp(compact(text)) is None, text


def test_a_near_fall_is_not_a_thumbs_down():
    # 差点踩空 holds 点踩 ("thumbs down"): a story about a near fall at a building site stays a law question.
    assert match_selfhelp(compact("工人半夜上厕所差点踩空掉下去，工地能这样安排宿舍吗")) is None
