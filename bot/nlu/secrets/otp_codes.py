"""One-time codes: a 6-8 digit number whose nearest label says 2FA.

Numbers are everywhere in support messages (error codes, referral codes, order, ticket
and transaction numbers, zip codes, amounts). The nearest label on either side decides:
"2fa code is 492 011" is a code, "ticket #558210 about my 2fa" is a ticket. A bare "code"
counts as a one-time code ("코드 492011") unless a word right before it says what kind of
code it is ("error code", "mã giao dịch", "邀请码").
"""

from __future__ import annotations

import re

from bot.nlu.cue_words import CJK_LETTERS
from bot.nlu.folding import Folded
from bot.nlu.secrets.cues import find
from bot.nlu.secrets.keys import Found

OTP_CODE = "otp_code"

# Not inside a word or id ("abc123456"), but right after Chinese, Japanese or Korean
# text, which has no spaces ("谷歌验证器上显示561-038", "验证码123456").
_NUMBER = re.compile(
    rf"(?<![^\W{CJK_LETTERS}])(?<![.,#/+])(?<!\d:)(?<!\d[ -])"
    r"(\d{3}[ -]\d{3}|\d{4}[ -]\d{4}|\d\d[ -]\d\d[ -]\d\d|\d(?: \d){5,7}|\d{6,8})"
    r"(?![\w.,/:]?\d)(?![ -]\d)")
_BEFORE = 40
_AFTER = 25
_QUALIFIER_GAP = 12  # "error code": the qualifier sits right before the code word
_AFTER_WORD = 5  # … or right after it: "código de erro"
_UNIT_GAP = 3  # "250000 VND": after the number only a unit right next to it qualifies it


def _distance(cue: tuple[int, int], value: tuple[int, int]) -> int | None:
    if cue[1] <= value[0]:
        gap = value[0] - cue[1]
        return gap if gap <= _BEFORE else None
    if cue[0] >= value[1]:
        gap = cue[0] - value[1]
        return gap if gap <= _AFTER else None
    return 0


def _nearest(cues: list[tuple[int, int]], value: tuple[int, int],
             after: int = _AFTER) -> int | None:
    distances = []
    for cue in cues:
        distance = _distance(cue, value)
        if distance is not None and not (cue[0] >= value[1] and distance > after):
            distances.append(distance)
    return min(distances, default=None)


def otp_codes(f: Folded) -> list[Found]:
    numbers = list(_NUMBER.finditer(f.text))
    if not numbers:
        return []
    strong = find("otp", f.text)
    # "nº" folds to "no", which is also "in the" / "not": only the sign itself counts.
    others = [o for o in find("not_otp", f.text) if not (
        f.text[o[0]:o[1]] == "no" and not set(f.original[slice(*f.span(*o))]) & set("°º"))]
    # A plain "code" word only counts when nothing qualifies it ("error code").
    # Romance languages qualify after it: "código de erro", "codice di invito".
    plain = [c for c in find("code", f.text)
             if not any(0 <= c[0] - o[1] <= _QUALIFIER_GAP or 0 <= o[0] - c[1] <= _AFTER_WORD
                        for o in others)]
    found = []
    for match in numbers:
        value = match.span(1)
        otp = _nearest(strong + plain, value)
        # A label after the number, past a comma, names the next number: "Authenticator
        # ist 661 093, Ticket 4420917". One before it, past a comma, ended its own clause:
        # "谷歌验证码一直提示错误，现在显示的是738204" (wrong, and now it shows …) is a code.
        other = _nearest([o for o in others if not (
            (o[0] >= value[1] and re.search(r"[,;]", f.text[value[1]:o[0]]))
            or (o[1] <= value[0] and re.search(r"[,;]", f.text[o[1]:value[0]])))],
            value, after=_UNIT_GAP)
        if otp is not None and (other is None or otp < other):
            found.append(Found(*f.span(*value), OTP_CODE))
    return found
