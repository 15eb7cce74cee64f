"""The reply types: one per kind of reply, carrying what a layer renders (no text to parse)."""
import dataclasses

import pytest

from knowledge import (
    AnswerReply,
    ArticleChoiceReply,
    ArticleReply,
    EmergencyReply,
    NoticeReply,
    OutOfScopeReply,
    SelfHelpReply,
    TermReply,
    UnsureReply,
    emergency_reply,
    messages,
)
from knowledge.selfhelp import match_selfhelp


@pytest.mark.parametrize("text,kind,intent", [
    ("", NoticeReply, "help"),
    ("帮助", NoticeReply, "help"),
    ("你好", NoticeReply, "smalltalk"),
    ("我要举报", NoticeReply, "tip"),
    ("着火了", EmergencyReply, "emergency"),
    ("安全生产法第五十五条", ArticleReply, "article"),
    ("第五十五条", ArticleChoiceReply, "article"),
    ("安全生产法第九百条", ArticleChoiceReply, "article"),
    ("什么是三违", TermReply, "term"),
    ("劳保用品要自己掏钱吗", AnswerReply, "answer"),
    ("工伤", UnsureReply, "unsure"),
    ("今天几号", OutOfScopeReply, "out_of_scope"),
    ("推送怎么退订", SelfHelpReply, "self"),
])
def test_each_kind_of_reply_has_its_type_and_intent(fixture_kb, text, kind, intent):
    reply = fixture_kb.answer(text)
    assert type(reply) is kind and reply.intent == intent
    assert reply.to_dict()["intent"] == intent and reply.to_dict()["text"] == reply.text


def test_the_emergency_reply_carries_its_kind_heading_and_guidance():
    reply = emergency_reply("仓库着火了")
    assert reply is not None and reply.kind == "fire" and reply.head == messages.EMERGENCY_HEAD
    assert reply.guidance == ((messages.EMERGENCY_BY_KIND["fire"],), messages.EMERGENCY_STEPS,
                              (messages.EMERGENCY_FOOT,))
    assert reply.text.split("\n\n") == [messages.EMERGENCY_HEAD, messages.EMERGENCY_BY_KIND["fire"],
                                        "\n".join(messages.EMERGENCY_STEPS), messages.EMERGENCY_FOOT]


def test_an_english_question_is_marked_english_not_by_its_text(fixture_kb):
    reply = fixture_kb.answer("Who pays for PPE?")
    assert isinstance(reply, AnswerReply) and reply.english
    assert reply.text.startswith(messages.ENGLISH_NOTE + "\n" + reply.answer)
    chinese = fixture_kb.answer("劳保用品要自己掏钱吗")
    assert isinstance(chinese, AnswerReply) and not chinese.english


def test_a_bare_article_number_names_the_laws_that_have_it(fixture_kb):
    reply = fixture_kb.answer("第五十五条")
    assert isinstance(reply, ArticleChoiceReply) and reply.number == 55
    assert "安全生产法" in reply.candidate_laws and reply.message == reply.text
    missing = fixture_kb.answer("安全生产法第九百条")
    assert isinstance(missing, ArticleChoiceReply) and missing.candidate_laws == ("安全生产法",)


def test_replies_cannot_be_changed_once_made(fixture_kb):
    reply = fixture_kb.answer("劳保用品要自己掏钱吗")
    with pytest.raises(dataclasses.FrozenInstanceError):
        reply.faq_id = "other"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["回值码丢了怎么办", "拍行榜在哪看", "怎么取消推宋"])
def test_a_typo_in_the_services_own_words_still_reaches_self_help(fixture_kb, text):
    assert match_selfhelp(text) is None  # as typed, the catalogue does not know it
    assert isinstance(fixture_kb.answer(text), SelfHelpReply)
