"""User-facing Chinese texts of the question-answering replies (plain text; the bot adds markup)."""
from __future__ import annotations

EMERGENCY_HEAD = "⚠️ 紧急情况，请先保命，再处理其他事情！"
# What to do in every emergency, one step a line.
EMERGENCY_STEPS = (
    "1. 立即停止作业，迅速撤离到安全地点，并提醒周围的人撤离。",
    "2. 马上报警求助：火警 119，急救 120，报警 110。说清地点、发生了什么、有几个人受伤。",
    "3. 报告现场负责人或班组长，等专业救援人员到场。",
)
EMERGENCY_BY_KIND = {
    "fire": "着火时：火小可用灭火器扑救，火大立即撤离；用湿毛巾捂住口鼻、低姿沿疏散通道走，不要乘电梯，不要返回取物。",
    "explosion": "发生爆炸：远离现场，防止二次爆炸；不要围观，不要靠近冒烟或泄漏的设备。",
    "gas": "气体泄漏：不开关任何电器、不点火，不要在泄漏处打电话；有人倒在里面时千万不要屏住气进去拉人，"
           "先撤出、报警，等佩戴呼吸器的救援人员；在安全的情况下关闭阀门、打开门窗通风，撤到上风向后再报警。",
    "electric": "有人触电：先断开电源，或用干燥的木棍等绝缘物把电线挑开，千万不要用手直接拉触电的人；断电后再施救。",
    "fall": "有人高处坠落：不要随意搬动伤者（可能有脊柱损伤），立即拨打 120，保持其呼吸道通畅。",
    "poison": "有人中毒：在确保自身安全的前提下把中毒者转移到空气新鲜处，立即拨打 120；不要盲目进入有毒区域。",
    "unconscious": "有人昏迷：立即拨打 120；如果在井、罐、池、地下室等有限空间里，千万不要贸然下去救人，"
                   "先通风、报警，等待配备呼吸器的救援人员。",
    "confined": "有限空间（井、罐、池、管道）里有人出事：千万不要贸然进入施救！先报警 119/120，持续通风，"
                "救援必须佩戴正压式空气呼吸器并有人在外监护。",
    "machine": "有人被机器卷入、夹住或被车辆压住：立即按下急停按钮、切断电源（车辆熄火、拉手刹），"
               "不要强行拉扯伤者或倒转机器，拨打 120 等待救援。",
    "collapse": "发生坍塌或冒顶：迅速撤离到安全区域，防止再次坍塌；不要冒险进入救人，拨打 119/120 并报告现场负责人。",
    "flood": "发生透水或淹溺：立即向高处、沿避灾路线撤离并发出警报；不会游泳不要下水救人，拨打 119/120。",
    "bleeding": "严重外伤：用干净的布用力按压止血，拨打 120，不要让伤者乱动；断指用干净的布包好随伤者一起送医。",
    "burn": "烧伤、烫伤：衣服着火时就地打滚或用湿衣物扑灭，不要奔跑；用流动的凉水冲伤处 15～30 分钟，"
            "不要涂牙膏、酱油，不要挑破水泡，粘在皮肤上的衣物不要硬撕，拨打 120。",
    "chemical": "酸碱等化学品溅到身上或眼睛里：立即脱去沾染的衣物，用大量流动清水冲洗至少 15 分钟，"
                "眼睛要撑开眼皮冲；不要用别的药液中和，冲洗后拨打 120，带上化学品的名称或标签。",
    "heat": "有人中暑：马上把人移到阴凉通风处，解开衣服，用凉水擦身、扇风降温，清醒的可以小口喝淡盐水；"
            "如果神志不清、抽搐或不出汗，立即拨打 120，不要硬灌水。",
    "lift": "被困电梯：保持冷静，按电梯里的警铃或对讲呼叫，拨打轿厢内的救援电话或 119；"
            "不要扒门、不要从轿厢顶部爬出，等专业人员来救。在外面的人也不要自己撬门。",
    "pressure": "锅炉、压力容器、气瓶压力异常（超压、鼓包、安全阀狂响）：人员立即远离撤离，"
                "在安全的情况下才去停火、停料或关闭进气阀；不要靠近敲打、不要拧紧安全阀，拨打 119 并通知设备负责人。",
    "spark": "配电箱、电线冒火花或有焦糊味：能安全够到总闸就立即拉闸断电，人员撤离；"
             "千万不要用水浇，也不要用手碰，起火时用干粉或二氧化碳灭火器，拨打 119，找持证电工处理。",
}
EMERGENCY_FOOT = "危险排除后，可拨打 12350 安全生产举报热线报告事故隐患。"

SMALLTALK_HELLO = ("您好！我是安康助手，可以回答劳动保护和安全生产方面的问题，"
                   "比如“劳保用品要自己掏钱吗”“安全生产法第五十五条”。")
SMALLTALK_THANKS = "不客气！注意安全，有问题随时问我。"
HELP = (
    "我是安康助手，可以：\n"
    "• 回答劳动保护、安全生产、工伤、职业病方面的问题，并给出法条依据；\n"
    "• 查法条原文，例如“安全生产法第五十五条”“职业病防治法 39条”；\n"
    "• 解释名词，例如“什么是三违”；\n"
    "• 遇到着火、触电、中毒等紧急情况，先给出应急指引。\n"
    "直接用大白话提问就行。"
)
TIP = "要匿名举报事故隐患，请使用 /report 按提示一步步填写，我们不会记录您的身份。也可以拨打 12350 安全生产举报热线。"
# Also the reply to a message too vague to place ("怎么办"), so it invites a concrete question.
OUT_OF_SCOPE = (
    "这个我答不上来😊。我只懂劳动保护和安全生产方面的法规；问题笼统的话，请说得具体些，"
    "例如“劳保用品要自己掏钱吗”“工伤怎么认定”。也可以点下面的“🙋 问工会”请工作人员帮您看看，"
    "或发送 /help 看看我能做什么。"
)
UNSURE = "这个问题我还没有把握回答准确。您想问的是不是下面这些？"
UNSURE_NONE = "这个问题我还没有把握回答准确，已经记录下来交给工会工作人员完善。您可以换个说法再问，或发送 /help。"
ASK_WHICH_LAW = "您想查哪部法律的第{number}条？"
ARTICLE_NOT_FOUND = "没有找到{law}第{number}条，请检查条号。"
LAW_UNKNOWN = "没有找到这部法律，请检查名称。"
NO_LAWS = "法条库暂未加载，暂时无法查看法条原文。"
BASIS = "法条依据："
RELATED = "相关问题："
ENGLISH_NOTE = "(Answer in Chinese; citations refer to Chinese law.)"

# The statute directory at start-up, in `kb check` and on /healthz (keyed by LawsStatus; one line each,
# Chinese / English, for the operator rather than the worker).
_LAWS_HELP = "see README “法条 / Statutes”: ankang laws import"
LAWS_STATUS = {
    "ok": "法条已就绪 / {n} statute file(s) in {where}",
    "unset": "未配置法条目录 / {where} is not set: answering from the FAQ alone, without article texts ("
             + _LAWS_HELP + ")",
    "missing": "法条目录不存在 / {where} {detail}: answering from the FAQ alone, without article texts ("
               + _LAWS_HELP + ")",
    "empty": "法条目录为空 / {where} has no manifest.json and no .md statute: answering from the FAQ alone ("
             + _LAWS_HELP + ")",
    "unreadable": "法条目录无法读取 / {where} cannot be read ({detail}): answering from the FAQ alone ("
                  + _LAWS_HELP + ")",
}
