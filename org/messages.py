"""The organisation tree's messages (Simplified Chinese): errors of the tree and of imports, shown by every edge."""
from __future__ import annotations

from org.models import CODE_MAX, NAME_MAX

BAD_CODE = f"单位代码只能由小写字母、数字、- 和 _ 组成，最长 {CODE_MAX} 个字符：「{{code}}」"
EMPTY_NAME = "单位名称不能为空"
LONG_NAME = f"单位名称最长 {NAME_MAX} 个字"
LONG_LEVEL = "层级名称最长 16 个字"
DUPLICATE_CODE = "单位代码「{code}」已被使用"
UNKNOWN_UNIT = "没有代码为「{code}」的单位"
UNKNOWN_PARENT = "上级单位「{code}」不存在"
RETIRED_PARENT = "上级单位「{code}」已撤销"
CYCLE = "不能把「{code}」移到它自己或它的下级单位之下（会形成循环）"
MERGE_SELF = "不能把单位合并到它自己或它的下级单位"
ALREADY_RETIRED = "单位「{code}」已撤销"

# Imports: every problem names the row it is on.
ROW = "第 {row} 行：{problem}"
ITEM = "第 {row} 条：{problem}"
NOT_EXCEL = "这不是有效的 Excel (.xlsx) 文件，请在 Excel 或 WPS 中另存为 .xlsx 后再导入"
NOT_YAML = "这不是有效的 YAML 文件：需要一个单位列表，每项含 code、name、level、parent"
NOT_CSV = "这不是有效的 CSV 文件（需要 UTF-8 编码，表头为 code,name,level,parent）"
MISSING_COLUMNS = "表头缺少列：{columns}（需要 code、name，可选 level、parent）"
UNKNOWN_FORMAT = "不支持的文件类型「{suffix}」：请使用 .xlsx、.csv 或 .yaml"
EMPTY_FILE = "文件里没有任何单位"
TOO_MANY_ROWS = "文件太大：一次最多导入 {limit} 个单位"
DUPLICATE_IN_FILE = "单位代码「{code}」在文件中重复（第一次出现在{first}）"
CYCLE_IN_FILE = "「{code}」的上级链形成循环：{chain}"
IMPORT_REJECTED = "导入失败，没有导入任何单位："

# Roles and invitations (issue 12, point 3).
WHOLE_TREE = "全部单位"
INVITE_NOT_ALLOWED = "只有该单位（或其上级）的管理员才能邀请管理员"
INVITE_UNIT_GONE = "该单位已撤销或不存在，邀请无效"
INVITE_UNKNOWN = "邀请链接无效：请向邀请你的管理员要一个新的链接。"
INVITE_USED = "这个邀请链接已经被使用过了（每个链接只能用一次）。如果需要，请向邀请你的管理员要一个新的链接。"
INVITE_USED_BY_YOU = "你已经用这个链接接受过邀请了，不需要再次打开。发送 /help 查看管理员命令。"
INVITE_EXPIRED = "这个邀请链接已过期（有效期 3 天）。请向邀请你的管理员要一个新的链接。"
INVITE_WITHDRAWN = "发出这个邀请的管理员已没有邀请权限，链接作废。请向其他管理员要一个新的链接。"
