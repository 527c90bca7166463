"""One-time codes: a 6-8 digit number whose nearest label says 2FA.

Numbers are everywhere in support messages (error codes, referral codes, order, ticket
and transaction numbers, zip codes, amounts). The nearest label on either side decides:
"2fa code is 492 011" is a code, "ticket #558210 about my 2fa" is a ticket. A bare "code"
counts as a one-time code ("코드 492011") unless a word right before it says what kind of
code it is ("error code", "mã giao dịch", "邀请码").
"""

from __future__ import annotations

import bisect
import re

from bot.nlu.cue_words import CJK_LETTERS
from bot.nlu.folding import Folded
from bot.nlu.secrets.cues import find
from bot.nlu.secrets.keys import Found
from bot.nlu.secrets.passwords import presented_alone

OTP_CODE = "otp_code"

# Not inside a word or id ("abc123456"), but right after Chinese, Japanese or Korean
# text, which has no spaces ("谷歌验证器上显示561-038", "验证码123456").
_NUMBER = re.compile(
    rf"(?<![^\W{CJK_LETTERS}])(?<![.,#/+])(?<!\d:)(?<!\d[ -])"
    r"(\d{3}[ -]\d{3}|\d{4}[ -]\d{4}|\d\d[ -]\d\d[ -]\d\d|\d(?: \d){5,7}|\d{6,8})"
    r"(?![\w.,/:]?\d)(?![ -]\d)")
_BEFORE = 40
_LONGEST_CUE = 64
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


def _near(cues: list[tuple[int, int]], value: tuple[int, int]) -> list[tuple[int, int]]:
    """The cues of a sorted list that can be near the value (read by bisection: a text of
    thousands of numbers and cues was numbers × cues, 0.11.14 review)."""
    low = bisect.bisect_left(cues, (value[0] - _BEFORE - _LONGEST_CUE, 0))
    high = bisect.bisect_right(cues, (value[1] + _AFTER, 1 << 62))
    return cues[low:high]


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
    # "nº" folds to "no", which is also "in the" / "not": only the sign itself counts.
    others = sorted(o for o in find("not_otp", f.text) if not (
        f.text[o[0]:o[1]] == "no" and not set(f.original[slice(*f.span(*o))]) & set("°º")))
    # A plain "code" word only counts when nothing qualifies it ("error code").
    # Romance languages qualify after it: "código de erro", "codice di invito".
    plain = [c for c in find("code", f.text)
             if not any(0 <= c[0] - o[1] <= _QUALIFIER_GAP or 0 <= o[0] - c[1] <= _AFTER_WORD
                        for o in _near(others, c))]
    labels = sorted(find("otp", f.text) + plain)
    found = []
    for match in numbers:
        value = match.span(1)
        otp = _nearest(_near(labels, value), value)
        # A label after the number, past a comma, names the next number: "Authenticator
        # ist 661 093, Ticket 4420917". One before it, past a comma, ended its own clause:
        # "谷歌验证码一直提示错误，现在显示的是738204" (wrong, and now it shows …) is a code.
        other = _nearest([o for o in _near(others, value) if not (
            (o[0] >= value[1] and re.search(r"[,;]", f.text[value[1]:o[0]]))
            or (o[1] <= value[0] and re.search(r"[,;]", f.text[o[1]:value[0]])))],
            value, after=_UNIT_GAP)
        if otp is not None and (other is None or otp < other):
            found.append(Found(*f.span(*value), OTP_CODE))
    return found


# The message after one that named a code without giving it ("2fa", "my authenticator
# code is below"): the 0.11.13 trial's "771935" was stored in clear. A code counts when it
# is the message, or only a presenting phrase comes before it ("it's 771935"); "order
# 12345678" or "uid: 48213377" name what they give.
def code_alone(f: Folded) -> list[Found]:
    found = [Found(*f.span(*match.span(1)), OTP_CODE) for match in _NUMBER.finditer(f.text)
             if _SIX_DIGITS.fullmatch(match.group(1)) and presented_alone(f.text, match.start(1))
             and not _LETTER.search(f.text, match.end(1))]
    # Backup codes sent alone: "K7QP-3MZX-9T2B", "wsgc njgw gy3w hnjt".
    if not found and _ONLY_CODES.fullmatch(f.text.strip()):
        found = [Found(*f.span(*match.span()), OTP_CODE)
                 for match in re.finditer(r"[a-z0-9-]+", f.text)]
    return found


# A one-time code has six digits (split or not); eight ("48213957") is more often a UID.
_SIX_DIGITS = re.compile(r"\d{6}|\d{3}[ -]\d{3}|\d\d[ -]\d\d[ -]\d\d|\d(?: \d){5}")
_LETTER = re.compile(r"[^\W\d_]")
# (Eight characters alone only with a letter among them: "48213957" is a UID.)
_ONE_CODE = (r"(?:[a-z0-9]{4,6}(?:-[a-z0-9]{4,6}){1,3}|(?=[a-z0-9]{8}\b)\d*[a-z][a-z0-9]*"
             r"|[a-z0-9]{4}(?: [a-z0-9]{4})+)")
_ONLY_CODES = re.compile(rf"(?=.*\d){_ONE_CODE}(?:[\s,;]+{_ONE_CODE})*")


# 2FA backup (recovery) codes: "backup codes: ABCD-EFGH-1234, WXYZ-9876-QRST", "8 recovery
# codes 4829-1173 …" (the 0.11.13 trial: stored in clear). Groups of letters and digits
# joined by dashes, or 8–10 digit runs, shortly after the cue.
_BACKUP_CUE = re.compile(
    r"(?:backup|recovery|restore|emergency)[\s-]*codes?|backup-?codes?|wiederherstellungs\w*"
    r"|c[oó]digos?\s+(?:de\s+)?(?:respaldo|reserva|recupera\w+|backup|seguran\w+)"
    r"|codes?\s+de\s+(?:secours|recup\w+|sauvegarde)|codici?\s+(?:di\s+)?(?:backup|recupero)"
    r"|(?:резервн|восстановлени)\w*\s+код\w*|код\w*\s+восстановлени\w*"
    r"|备用码|恢复码|备份码|備用碼|恢復碼|バックアップコード|リカバリーコード|백업\s*코드|복구\s*코드"
    r"|yedek\s+kod\w*|kurtarma\s+kod\w*|m[aã]\s+(?:d[uự]\s+ph[oò]ng|kh[oô]i\s+ph[uụ]c)")
_BACKUP_VALUE = re.compile(
    r"(?<![\w-])(?:[a-z0-9]{3,6}(?:-[a-z0-9]{3,6}){1,4}|\d{4} \d{4}|\d{8,10})(?![\w-])")
_BACKUP_WINDOW = 200
# The list ends with its sentence ("… codes. My UID is 12345678") or where another number
# is named ("order 9876543210", "phone 555-123-4567": the not_otp cues).
_SENTENCE_END = re.compile(r"[.!?](?=\s+[^\W\d_])")


def backup_codes(f: Folded) -> list[Found]:
    found = []
    others = find("not_otp", f.text)
    for cue in _BACKUP_CUE.finditer(f.text):
        end = min(len(f.text), cue.end() + _BACKUP_WINDOW)
        stop = _SENTENCE_END.search(f.text, cue.end(), end)
        end = min([end, stop.start() if stop else end]
                  + [o[0] for o in others if cue.end() <= o[0] < end])
        values = list(_BACKUP_VALUE.finditer(f.text, cue.end(), end))
        # A code of the list may have fewer than two digits ("miky-bmsk" beside "9pwt-af64",
        # holdout10: hidden in part): the list's shape (its dashes) marks them all.
        shapes = {_shape(m.group(0)) for m in values if sum(c.isdigit() for c in m.group(0)) >= 2}
        for match in values:
            value = match.group(0)
            if sum(c.isdigit() for c in value) >= 2 or ("-" in value and _shape(value) in shapes):
                found.append(Found(*f.span(*match.span()), OTP_CODE))
    return found


def _shape(value: str) -> tuple[int, ...]:
    """The lengths of a code's dash-joined groups: (4, 4) for "zbdc-6vww"."""
    return tuple(len(group) for group in value.split("-"))


def mentions_backup_codes(f: Folded) -> bool:
    return _BACKUP_CUE.search(f.text) is not None
