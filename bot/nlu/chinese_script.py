"""Simplified ⇄ Traditional Chinese conversion, one converter per direction per process
(each OpenCC instance holds ~11 MB of dictionaries).

The models read one script: Traditional text (Taiwan, Hong Kong) is converted to
Simplified, with mainland wording for the exchange's own vocabulary, before the
classifier, the FAQ index and the detectors see it — at training and at parse time alike.
The user's own text (stored, shown) stays in the script they wrote; replies are converted
back with `in_script`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from opencc import OpenCC

# Version of the one-script reading: part of the model fingerprint, so a change here
# retrains the models (their training texts went through it).
ONE_SCRIPT_VERSION = 8

# OpenCC's tw2sp turns Taiwan characters *and phrases* into mainland ones (軟體 → 软件,
# 網路 → 网络, 登入 → 登录, 簡訊 → 短信, 影片 → 视频); the words below finish the job for
# the exchange's own vocabulary and for written Cantonese (Hong Kong), which no OpenCC
# table reads. Only words whose meaning is the same on both sides: 資料 (data / documents)
# is left. 提領 is any withdrawal (bank or coin), so it becomes the general 提现, not 提币
# (coins only): as 提币, "美元提領到銀行" (a bank withdrawal) drew crypto-withdrawal
# questions to the bank answer.
_MAINLAND_WORDS = {
    # Taiwan / Hong Kong exchange words
    "提领": "提现", "入金": "充值", "出金": "提现", "储值": "充值", "入帐": "到账",
    "到帐": "到账", "转帐": "转账", "帐号": "账号", "帐户": "账户", "帐单": "账单",
    "登入": "登录", "设定": "设置", "简讯": "短信", "讯息": "消息", "私讯": "私信",
    "软体": "软件", "网路": "网络", "真人客服": "人工客服", "电邮": "邮箱", "信箱": "邮箱",
    "缺省": "默认", "预设": "默认", "重设": "重置", "送出": "提交", "连结": "链接",
    "点选": "点击", "纪录": "记录", "智慧合约": "智能合约", "两步骤验证": "两步验证",
    "身分证": "身份证", "户口": "账户", "提款": "提现", "过数": "转账", "入数": "充值",
    # More Taiwan / Hong Kong words of the trade (0.11.22), from a list a helper wrote
    # without the project's data, each kept only where the left side means the same in
    # mainland writing. Keys are what tw2sp leaves: 甚麼 comes out as 甚幺.
    "帐密": "账号密码", "户头": "账户", "身分证字号": "身份证号", "身分": "身份",
    "人脸辨识": "人脸识别", "个资": "个人信息", "视讯": "视频", "认证码": "验证码",
    "两阶段验证": "两步验证", "电信商": "运营商", "停权": "封禁", "资讯": "信息",
    "推播": "推送", "网路银行": "网上银行", "行动银行": "手机银行", "行动网路": "移动网络",
    "行动数据": "移动数据", "行动装置": "移动设备", "手提电话": "手机", "萤幕": "屏幕",
    "上载": "上传", "线上客服": "在线客服", "数位资产": "数字资产", "数位货币": "数字货币",
    "虚拟通货": "虚拟货币", "乙太坊": "以太坊", "金钥": "密钥", "壅塞": "拥堵",
    "币别": "币种", "滑价": "滑点", "停损": "止损", "停利": "止盈", "作多": "做多",
    "作空": "做空", "沽空": "做空", "孖展": "保证金", "追缴保证金": "追加保证金",
    "未实现损益": "未实现盈亏", "报酬率": "收益率", "蚀钱": "亏钱", "金融卡": "借记卡",
    "信用咭": "信用卡", "受款人": "收款人", "提款机": "取款机", "退费": "退款",
    "骇客": "黑客", "被骇": "被黑", "资安": "信息安全", "诈骗集团": "诈骗团伙",
    "骗徒": "骗子", "呃钱": "骗钱", "遗失": "丢失", "客诉": "投诉", "检举": "举报",
    "洽询": "咨询", "甚幺": "什么", "甚么": "什么", "工作天": "工作日", "钟头": "小时",
    "上礼拜": "上周", "下礼拜": "下周",
    # written Cantonese → Mandarin
    "唔得": "不行", "用唔到": "用不了", "入唔到": "进不去", "提唔到": "提不了",
    "唔系": "不是", "系唔系": "是不是", "唔知": "不知道", "唔明": "不明白", "唔使": "不用",
    "唔好": "不要", "唔识": "不会", "冇得": "没法", "佢哋": "他们", "我哋": "我们",
    "你哋": "你们", "嘢": "东西", "咁样": "这样", "呢个": "这个", "呢度": "这里", "嚟": "来",
    "仲未": "还没", "搞掂": "搞定", "啱啱": "刚刚", "等阵": "等一下",
    "点样": "怎么", "点解": "为什么", "点算": "怎么办", "乜嘢": "什么", "几时": "什么时候",
    "寻日": "昨天", "琴日": "昨天", "而家": "现在", "依家": "现在", "唔该": "请",
    "畀人": "被人", "俾人": "被人", "冇": "没有", "咗": "了", "唔": "不", "嘅": "的",
    "喺": "在", "攞": "拿", "畀": "给", "俾": "给", "揾": "找", "系咪": "是不是",
    "佢": "他", "啲": "些", "咩": "什么", "咁": "这么", "睇": "看", "谂": "想",
}


def _longest_first(words: dict[str, str]) -> re.Pattern[str]:
    return re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)))


# Words read in Traditional text only: in mainland writing they are other words (我个人觉得
# is "I personally think", 重点计划 holds no Cantonese 点).
_TRADITIONAL_ONLY_WORDS = {
    # More written Cantonese (0.11.23), from the spent pair sets z and aa: "我個戶口" (my
    # account), "攞出嚟" (take out: withdraw), "幾耐" (how long), "喺邊度" (where), Taiwan
    # 活存 / 定存 (flexible / fixed savings); particles that carry no meaning (㗎, 喎) go.
    # OpenCC writes 嗰 as 𠮶. A few longer words keep their own reading where a Cantonese
    # word would cut across them: 进入面板 is no 入面 (inside), 这边个人 no 边个 (who),
    # 查下载 no 查下 (check).
    "嗰": "那", "𠮶": "那", "入面": "里面", "仲有": "还有", "仲要": "还要", "仲系": "还是",
    "点做": "怎么做", "几耐": "多久", "几多": "多少", "边度": "哪里", "边个": "哪个",
    "边间": "哪家", "做咩": "为什么", "冇咗": "没了", "攞出嚟": "提出来", "攞返": "拿回",
    "查下": "查一下", "睇下": "看一下", "试下": "试一下", "活存": "活期", "定存": "定期",
    "㗎": "", "喎": "",
    "我个": "我的", "你个": "你的", "佢个": "他的",
    "进入面": "进入面", "输入面": "输入面", "边个人": "边个人", "边个别": "边个别",
    "查下载": "查下载", "试下载": "试下载", "我个人": "我个人", "你个人": "你个人",
    # 0.11.24, from the spent pair set ab: Hong Kong hours (24個鐘), 落單 (place an order;
    # in mainland writing 落单 is "left alone", so Traditional text only), 亂咁 (at random),
    # 機械人 (robot), 催下; Taiwan 差在哪 (what's the difference), 取消委託 (cancel an
    # order), 兩步驟驗證 (two-step verification).
    "个钟头": "小时", "个钟": "小时", "催下": "催一下", "乱咁": "乱", "落单": "下单",
    "机械人": "机器人", "差在哪": "区别在哪", "取消委托": "撤单", "两步骤验证": "二次验证",
    "两步验证": "二次验证",
    # 0.11.27, from the spent pair set ad: Hong Kong 覆 (reply), 轉去 (transfer to), 搵真人
    # (find a real person: a human agent).
    "覆我": "回复我", "转去": "转到", "揾真人": "找人工客服", "揾真人客服": "找人工客服",
}
_TRADITIONAL_WORDS = {**_MAINLAND_WORDS, **_TRADITIONAL_ONLY_WORDS}
_MAINLAND = _longest_first(_TRADITIONAL_WORDS)
# In mainland writing 户口 is the household register (户口本, a KYC document), not an
# account: only Traditional text reads it as 账户.
_SIMPLIFIED_WORDS = {k: v for k, v in _MAINLAND_WORDS.items() if k != "户口"}
_SIMPLIFIED = _longest_first(_SIMPLIFIED_WORDS)
_KANA_OR_HANGUL = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d\uac00-\ud7af]")


@lru_cache(maxsize=1)
def _to_traditional() -> OpenCC:
    return OpenCC("s2t")


@lru_cache(maxsize=1)
def _to_taiwan_standard() -> OpenCC:
    # What traders in Taiwan and Hong Kong read: OpenCC's plain s2t writes its own standard
    # forms (審覈, 開啓, 爲了, 裏面) that neither place uses; s2tw writes 審核, 開啟, 為了, 裡面.
    # Characters only, no Taiwan phrases (s2twp would make the KYC "review" 稽核, an audit).
    return OpenCC("s2tw")


@lru_cache(maxsize=1)
def _to_simplified() -> OpenCC:
    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _to_mainland() -> OpenCC:
    return OpenCC("tw2sp")


def to_traditional(text: str) -> str:
    return str(_to_traditional().convert(text))


def to_simplified(text: str) -> str:
    return str(_to_simplified().convert(text))


def in_script(text: str, lang: str | None, script: str | None) -> str:
    """Text written in Simplified Chinese, shown in the user's script."""
    if lang == "zh" and script == "Hant":
        return str(_to_taiwan_standard().convert(text))
    return text


def is_traditional(text: str) -> bool:
    """More characters only Traditional writes than characters only Simplified writes."""
    traditional = sum(1 for c in text if to_simplified(c) != c)
    simplified = sum(1 for c in text if to_traditional(c) != c)
    return traditional > simplified


def mainland_simplified(text: str) -> str:
    """Traditional Chinese as the models read it: Simplified characters, mainland words."""
    converted = str(_to_mainland().convert(text))
    return _MAINLAND.sub(lambda match: _TRADITIONAL_WORDS[match.group()], converted)


def mainland_words(text: str) -> str:
    """Chinese written in Simplified characters with Taiwan or Hong Kong words ("出金卡住了",
    "入金还没到"): the same words as `mainland_simplified` reads them. Only for text known
    to be Chinese: 出金 in a Japanese message is Japanese."""
    return _SIMPLIFIED.sub(lambda match: _SIMPLIFIED_WORDS[match.group()], text)


def one_script(text: str) -> str:
    """A training text or question variant in the script the models read. Japanese (kana)
    and Korean stay as they are: their Han characters are not Traditional Chinese."""
    if _KANA_OR_HANGUL.search(text) or not is_traditional(text):
        return text
    return mainland_simplified(text)
