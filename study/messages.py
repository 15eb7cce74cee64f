"""Words of 学时 and certificates that every edge shows the same way (the bot, the console, the PDF, /verify)."""
from __future__ import annotations

CERTIFICATE_HEADING = "证　书"
CERTIFICATE_ISSUER = "安康助手 · 工会劳动保护"
CERTIFICATE_PERSON_LINE = "兹证明 {holder} 同志"
CERTIFICATE_UNIT_LINE = "兹证明 {holder}"
CERTIFICATE_BODY = "{title}"
CERTIFICATE_SUFFIX = "特发此证，以资鼓励。"
CERTIFICATE_DATE = "{date:%Y年%m月%d日}"
CERTIFICATE_CODE = "验证码：{code}"
CERTIFICATE_VERIFY = "验证网址：{url}"

MILESTONE_TITLE = "累计完成安全学习 {minutes} 分钟"

# The Excel export for training files.
EXPORT_WORKERS_SHEET = "个人学时"
EXPORT_UNITS_SHEET = "单位学时"
EXPORT_PERIOD = "统计期间：{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
EXPORT_SCOPE = "范围：{scope}"
EXPORT_ALL_UNITS = "全部单位"
EXPORT_WORKER_HEADERS = ("姓名", "所属单位", "学时（分钟）", "学习次数", "最近学习")
EXPORT_UNIT_HEADERS = ("单位", "层级", "成员人数", "参加学习人数", "本单位学时（分钟）", "含下级学时（分钟）")
NO_UNIT = "未加入单位"

FONT_MISSING = ("找不到 Noto CJK 中文字体，无法生成证书：请安装 fonts-noto-cjk"
                "（Debian：apt-get install fonts-noto-cjk，或运行 scripts/ensure-cjk-font.sh）。")
