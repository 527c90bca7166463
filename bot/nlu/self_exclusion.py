"""Self-exclusion: a trader who asks to be kept out of trading because of their own habit
("lock my futures for 30 days, I keep revenge trading", "帮我把合约关了，玩上头了"). A
person sets the lock, so the message is handed over at P2 (bot.nlu.triage SELF_EXCLUSION),
never as a takeover page, and never left to a FAQ answer. The rule errs towards the page:
three code reviews (0.11.20) wrote takeovers told by self-confessed gamblers, and each
guard below answers one of their kinds."""

from __future__ import annotations

import re

from bot.nlu.folding import fold
from bot.nlu.incidents import cue_patterns
from bot.nlu.triage_words import CLAUSE_BREAK, NEGATION_CONTEXT, load_cues


def asks_for_a_trading_break(text: str, freeze: bool,
                             cues: dict[str, re.Pattern[str]] | None = None) -> bool:
    """"Lock my futures for 30 days, I keep revenge trading": a freeze or another
    restriction ("can you limit my leverage? gambling problem") asked for because of the
    trader's own habit. Not when the habit is denied ("no es vicio", "不是赌博") or someone
    else's ("my friend is addicted"), nor when an intruder is named anywhere ("someone",
    "not me", a hacker, money gone): then the freeze rule stands, whatever the habit words
    say. Errs towards the freeze rule: a takeover read as self-exclusion would lose its P1
    page, a self-exclusion read as a takeover still reaches a person."""
    cues = cues or load_cues()
    period = cues["exclusion_period"].search(text) is not None
    if freeze:
        # Read as self-exclusion, a freeze request loses its P1 page: only with a period
        # ("for 30 days", "一个月", "しばらく", "dauerhaft") or a self-exclusion word, which a
        # trader who wants to be kept out names and a takeover's "freeze it now" does not,
        # or with words of not being able to quit ("non riesco a smettere", "先物やめられ
        # ない": `cannot_quit`), which a takeover's victim has no reason to say. Without
        # one the freeze rule stands (a false page, but a person reads it).
        kept_out = period or cues["cannot_quit"].search(text) is not None
        return kept_out and _own_habit_and_no_intruder(text, cues, said_in_first_person=True)
    # Other restriction words ("limit my leverage", "帮我把合约关了") page nobody: read as
    # self-exclusion they only add a person to what would have been an answer. Without a
    # period the habit must be said of oneself ("soy ludópata", "I'm addicted"): "futures
    # is gambling, limit leverage for beginners" is an opinion.
    return _asks_for_a_restriction(text, cues) and _own_habit_and_no_intruder(
        text, cues, said_of_oneself=not period)


def _own_habit_and_no_intruder(text: str, cues: dict[str, re.Pattern[str]],
                               said_of_oneself: bool = False,
                               said_in_first_person: bool = False) -> bool:
    """A habit word of the trader's own (`_own_habit`), and no intruder anywhere. With
    `said_in_first_person` (a freeze request, whose P1 page is at stake) also no word of
    access to the account (a login, a device, a password: a takeover's words, never a
    self-exclusion's), and an "I" in the habit's own sentence ("I keep revenge trading")."""
    folded = fold(text)  # once: both lists below are written folded
    if _names_an_intruder(folded, cues):
        return False
    if said_in_first_person and cues["account_access"].search(folded):
        return False
    return any(_own_habit(text, match, cues, said_of_oneself)
               and (not said_in_first_person or _in_first_person(text, match, cues))
               for match in cues["cooling_off"].finditer(text))


def _in_first_person(text: str, match: re.Match[str], cues: dict[str, re.Pattern[str]]) -> bool:
    """An "I" in the habit word's sentence, or in the habit words ("bağımlıyım", "no me controlo",
    "중독이에요"). Chinese, Japanese and Korean leave the subject out: there an "I" anywhere
    in the message counts ("请帮我锁定账户30天，最近合约玩上头了")."""
    if _CJK.search(text):
        return cues["oneself"].search(text) is not None
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, match.start())), default=0)
    after = _SENTENCE_END.search(text, match.end())
    sentence = text[start:after.start() if after else len(text)]
    return cues["first_person"].search(sentence) is not None or cues["oneself"].search(
        match.group()) is not None


def _asks_for_a_restriction(text: str, cues: dict[str, re.Pattern[str]]) -> bool:
    """Restriction words ("limit my leverage", "帮我把合约关了") whose clause asks about
    nothing else: not the exchange's own limits, not closing a position or an order."""
    for match in cues["self_restriction"].finditer(text):
        start = max((m.end() for m in CLAUSE_BREAK.finditer(text, 0, match.start())),
                    default=0)
        after = CLAUSE_BREAK.search(text, match.end())
        clause = text[start:after.start() if after else len(text)]
        just_before = text[max(start, match.start() - NEGATION_CONTEXT):match.start()]
        if not (cues["restriction_not_asked"].search(clause)
                or cues["freeze_negation"].search(just_before)):
            return True
    return False


def _own_habit(text: str, match: re.Match[str], cues: dict[str, re.Pattern[str]],
               said_of_oneself: bool = False) -> bool:
    """The habit word is the trader's own: not denied ("keine Spielsucht", "도박 아니에요"),
    and no third person ("my friend", "the thief", "我朋友") is its subject, unless an "I"
    comes between them ("everyone says I'm a gambler"). With `said_of_oneself`, the
    trader must speak of themselves somewhere ("soy ludópata", "帮我把合约关了")."""
    before = text[max(0, match.start() - NEGATION_CONTEXT):match.start()]
    after = text[match.end():match.end() + 8]
    window = CLAUSE_BREAK.split(text[max(0, match.start() - _HABIT_SUBJECT_CONTEXT):
                                      match.start()])[-1]
    if (_HABIT_DENIED_BEFORE.search(before) and not _NO_MORE.search(before)) or (
            _HABIT_DENIED_AFTER.match(after) or _HABIT_LEFT_BEHIND.search(window)):
        return False
    if cues["habit_as_comparison_before"].search(window) or cues[
            "habit_as_comparison_after"].match(text, match.end()):
        return False  # "trades like a gambler": what happens on the account, not the trader
    others = list(cues["habit_of_another"].finditer(window))
    if others and cues["first_person"].search(window, others[-1].end()) is None:
        return False
    return not said_of_oneself or cues["oneself"].search(text) is not None


def _names_an_intruder(folded: str, cues: dict[str, re.Pattern[str]]) -> bool:
    """"Someone", "not me", a SIM, money gone, a hacker, in the folded text: anywhere, once
    the phrases that deny an intruder or use those words otherwise ("not hacked", "不是被盗",
    "I need someone to stop me", "Sim, sou viciado") are taken out."""
    folded = cues["not_an_intruder"].sub(" ", folded)
    if cues["intruder"].search(folded):
        return True
    patterns = cue_patterns()
    return any(patterns[name].search(folded)
               for name in ("not_me", "someone", "sim", "loss", "stranger", "someone_did"))


# The habit denied: "no es vicio", "keine Spielsucht", "不是赌博" before its word, "도박
# 아니에요", "kumar değil", "ギャンブルじゃない" after it. One word may come between, within
# the clause ("no es vicio", not "No joke, gambling …").
_HABIT_DENIED_BEFORE = re.compile(
    r"(\b(no|not|n[ãa]o|non|pas|kein\w*|nicht|не|kh[ôo]ng(\s+ph[ảa]i)?)\b\s*([^\s,.;:!?]+\s+)?"
    r"|不是|並不是|并不是|没有|沒有)\s*$", re.IGNORECASE)
_HABIT_DENIED_AFTER = re.compile(r"\s*(아니|değil|degil|じゃな|ではな)")
# "No more gambling for me", "No más ludopatía": a resolution, not a denial.
_NO_MORE = re.compile(r"\b(no\s+more|no\s+m[aá]s|n[ãa]o\s+mais|больше\s+не)\b", re.IGNORECASE)
# A habit left behind: "I used to be a gambler", "ex-gambler", "以前赌博", "已经戒了".
_HABIT_LEFT_BEHIND = re.compile(r"\bused\s+to\b|\bex-\s*$|以前|已经戒|已經戒", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?。！？\n]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_HABIT_SUBJECT_CONTEXT = 30  # characters before a habit word where its subject is looked for
