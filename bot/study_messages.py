"""Texts of 学时 and certificates in the bot (Simplified Chinese, HTML)."""
from __future__ import annotations

from datetime import tzinfo

from bot.render import h
from study.models import Certificate, StudyCredit
from study.service import Credited, MyStudy

FINISHED_BUTTON = "✅ 读完了"
DOWNLOAD_BUTTON = "📄 下载证书：{title}"
MONTHS_SHOWN = 6

READ_CREDITED = "已记录学时 {minutes} 分钟，累计 {total} 分钟。发送 /mystudy 查看。"
READ_ALREADY = "这一课的学时已经记录过了（累计 {total} 分钟）。"
CERTIFICATE_EARNED = ("🎉 恭喜！您获得了证书：<b>{title}</b>\n验证码：<code>{code}</code>\n"
                      "点击下方按钮下载，或发送 /mystudy 随时查看。")
# A certificate issued without the worker doing anything at that moment (a campaign's awards when it ends).
CERTIFICATE_ISSUED = ("🎉 恭喜！您获得了证书：<b>{title}</b>\n验证码：<code>{code}</code>\n"
                      "点击下方按钮下载 PDF，或发送 /mystudy 随时查看和下载。")
CERTIFICATE_ISSUED_VERIFY = "\n任何人都可以在 {url} 查验这张证书。"
CERTIFICATE_GONE = "找不到这张证书，请发送 /mystudy 重新查看。"
CERTIFICATE_CAPTION = "{title}\n验证码：{code}"
CERTIFICATE_VERIFY_AT = "\n验证网址：{url}"
CERTIFICATE_UNAVAILABLE = "证书暂时无法生成，请稍后再试或联系工会。"


def read_credited(credited: Credited) -> str:
    if credited.new:
        return READ_CREDITED.format(minutes=credited.minutes, total=credited.total)
    return READ_ALREADY.format(total=credited.total)


def certificate_earned(cert: Certificate, code: str) -> str:
    return CERTIFICATE_EARNED.format(title=h(cert.title), code=h(code))


def certificate_issued(cert: Certificate, code: str, verify_url: str | None) -> str:
    text = CERTIFICATE_ISSUED.format(title=h(cert.title), code=h(code))
    if verify_url:
        text += CERTIFICATE_ISSUED_VERIFY.format(url=h(verify_url))
    return text


def my_study_text(mine: MyStudy, tz: tzinfo) -> str:
    if mine.total == 0:
        text = "<b>我的学时</b>\n您还没有学时记录。\n发送 /next 学一课，读完后点「✅ 读完了」，答题也计学时。"
        if mine.certificates:
            text += f"\n\n<b>我的证书</b>（{len(mine.certificates)} 张，点击下方按钮下载）"
        return text
    lines = ["<b>我的学时</b>", f"累计：<b>{mine.total}</b> 分钟（约 {mine.total / 60:.1f} 小时）", "", "<b>按月</b>"]
    lines += [f"{m.month}：{m.minutes} 分钟" for m in mine.months[:MONTHS_SHOWN]]
    lines += ["", "<b>最近学习</b>"]
    lines += [_item(item, tz) for item in mine.recent]
    if mine.certificates:
        lines += ["", f"<b>我的证书</b>（{len(mine.certificates)} 张，点击下方按钮下载）"]
    if mine.next_milestone is not None:
        lines += ["", f"再学 {mine.next_milestone - mine.total} 分钟，可获得“累计 {mine.next_milestone} 分钟”证书。"]
    lines += ["", "证书上的名字是您在 /rank 选择显示的名字；未选择时显示匿名称呼。"]
    return "\n".join(lines)


def _item(item: StudyCredit, tz: tzinfo) -> str:
    title = f"：{h(item.title)}" if item.title else ""
    return f"{item.credited_at.astimezone(tz):%m-%d} {item.source.label}{title}（{item.minutes} 分钟）"
