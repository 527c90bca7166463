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
ONE_SCRIPT_VERSION = 2

# Taiwan / Hong Kong words for the exchange's business and their mainland equivalents,
# applied after the character conversion (OpenCC's t2s changes characters, not words).
# Only words whose meaning is the same on both sides: 資料 (data / documents) is left.
# 提領 is any withdrawal (bank or coin), so it becomes the general 提现, not 提币 (coins
# only): as 提币, "美元提領到銀行" (a bank withdrawal) drew crypto-withdrawal questions to
# the bank answer.
_MAINLAND_WORDS = {
    "提领": "提现", "入金": "充值", "出金": "提现", "储值": "充值", "入帐": "到账",
    "到帐": "到账", "转帐": "转账", "帐号": "账号", "帐户": "账户", "登入": "登录",
    "设定": "设置", "简讯": "短信", "讯息": "消息", "私讯": "私信", "软体": "软件",
    "网路": "网络", "真人客服": "人工客服", "电邮": "邮箱",
}
_MAINLAND = re.compile("|".join(sorted(map(re.escape, _MAINLAND_WORDS), key=len, reverse=True)))
_KANA_OR_HANGUL = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d\uac00-\ud7af]")


@lru_cache(maxsize=1)
def _to_traditional() -> OpenCC:
    return OpenCC("s2t")


@lru_cache(maxsize=1)
def _to_simplified() -> OpenCC:
    return OpenCC("t2s")


def to_traditional(text: str) -> str:
    return str(_to_traditional().convert(text))


def to_simplified(text: str) -> str:
    return str(_to_simplified().convert(text))


def in_script(text: str, lang: str | None, script: str | None) -> str:
    """Text written in Simplified Chinese, shown in the user's script."""
    return to_traditional(text) if lang == "zh" and script == "Hant" else text


def is_traditional(text: str) -> bool:
    """More characters only Traditional writes than characters only Simplified writes."""
    traditional = sum(1 for c in text if to_simplified(c) != c)
    simplified = sum(1 for c in text if to_traditional(c) != c)
    return traditional > simplified


def mainland_simplified(text: str) -> str:
    """Traditional Chinese as the models read it: Simplified characters, mainland words."""
    return _MAINLAND.sub(lambda match: _MAINLAND_WORDS[match.group()], to_simplified(text))


def one_script(text: str) -> str:
    """A training text or question variant in the script the models read. Japanese (kana)
    and Korean stay as they are: their Han characters are not Traditional Chinese."""
    if _KANA_OR_HANGUL.search(text) or not is_traditional(text):
        return text
    return mainland_simplified(text)
