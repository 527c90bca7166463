"""Seed phrases found by their structure: runs of BIP39 words, whatever joins them.

A run is a sequence of wordlist words separated only by non-letters (spaces, commas, line
breaks, numbering, pipes, slashes, bullets, JSON quotes). It is a seed phrase when
- its words pass the BIP39 checksum (1 in 16 for random words, 1 in 256 for 24), or
- it has 12 words or more and does not read like a sentence (a seed is random words, so
  on average rarer than a sentence's; see wordlists.reads_like_a_sentence), or
- the user names a seed phrase and it has 6 words or more, again not a sentence.
Chinese characters written solid need the checksum, and must not read as Chinese: nearly
every common character is in the Chinese list. A phrase is redacted from its first word
to its last, typos included.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.nlu.secrets.common_words import common_word
from bot.nlu.secrets.wordlists import (
    Wordlist,
    checksum_ok,
    chinese_coverage,
    han_wordlists,
    is_function_char,
    spaced_wordlists,
)

# A word is letters of one kind: CJK characters and other letters typed without a space
# between them are two words ("后面6个chuckle fold …": "chuckle" is a phrase's word, and
# read as "个chuckle" it was left in clear, holdout8 secrets suite).
_CJK_LETTERS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORD = re.compile(rf"(?:(?=[^\W\d_])[{_CJK_LETTERS}])+|[^\W\d_{_CJK_LETTERS}]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{12,}")
_LETTER = re.compile(r"[^\W\d_]")
VALID_LENGTHS = (24, 21, 18, 15, 12)
_MAX_GAP = 16
# Shorter runs ending a message are common in ordinary chat ("agent please now"), so
# three words are held back only when the user introduces them (":") or talks about a
# seed.
_MIN_TRAILING = 4
_MIN_TRAILING_INTRODUCED = 3


@dataclass(frozen=True)
class Token:
    start: int  # offsets in the folded text
    end: int
    text: str


@dataclass
class Run:
    wordlist: Wordlist
    tokens: list[Token]
    candidates: list[tuple[int, ...]]  # word positions per token; () for an unknown word

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    def __len__(self) -> int:
        return len(self.tokens)

    def best_positions(self) -> list[int]:
        return [c[0] for c in self.candidates if c]


def tokens_of(folded: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(folded)]


def without_cues(run: Run, cues: Sequence[tuple[int, int]]) -> list[Run]:
    """The run cut at the words of cues of several words: "seed", "phrase", "private" and
    "key" are in the English list, and "my seed phrase still stuck" must not lend a run
    two words. A lone "seed" may be one of the phrase's own words: it stays."""
    # Only the cues inside the run's span, found by bisection: a 4,000-character text of
    # cues and list words made this runs × cues (0.11.14 review).
    starts = [t.start for t in run.tokens]
    inside = cues[bisect.bisect_left(cues, (run.start, -1)):bisect.bisect_right(
        cues, (run.end, run.end))] if cues else []
    cues = [(a, b) for a, b in inside
            if bisect.bisect_left(starts, b) - bisect.bisect_left(starts, a) > 1]
    pieces: list[Run] = []
    tokens: list[Token] = []
    candidates: list[tuple[int, ...]] = []
    for token, candidate in zip(run.tokens, run.candidates, strict=True):
        if any(a <= token.start < b for a, b in cues):
            if tokens:
                pieces.append(Run(run.wordlist, tokens, candidates))
            tokens, candidates = [], []
            continue
        tokens.append(token)
        candidates.append(candidate)
    if tokens:
        pieces.append(Run(run.wordlist, tokens, candidates))
    return pieces


# Words that number or join a phrase's words without being part of it: "word 1 is
# library, word 2 is gift", "1st: crane 2nd: kite", "…, crouch and mixture", "first half
# … and second half …" (0.11.13 trial: each was stored in clear). Blanked before runs are
# read, offsets kept, so the words around them join as a list's words do.
# Folded text: accents are gone ("palavra 1 é" reads "palavra 1 e", "từ 1 là" "tu 1 la").
# The digits stay (they make the words a numbered list); "is" only after "word N", so
# "withdrawal 5000 is still pending" after a phrase stays a sentence.
_NUMBERED_WORD = re.compile(
    r"\b(?:word|palabra|palavra|parola|mot|wort|слово|kelime|tu)\s*(?:#|no\.?|n[º°o]\.?)?\s*"
    r"\d{1,2}\b(?:\s*(?:is|es|e|est|ist|la|это|=)(?=\s))?|(?<=\d)(?:st|nd|rd|th)\b")
# "1 is swap, 2 is sustain, …": only in a list of six or more, so that "ticket 12 is
# still open" stays a sentence.
_NUMBER_IS = re.compile(r"(?<![\d.,])\b\d{1,2}\s*(?:is|es|e|est|ist|la|=)(?=\s)")
_NUMBER_IS_LIST = 6
_NUMBERS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
            "fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|twenty[- ]one|"
            "twenty[- ]two|twenty[- ]three|twenty[- ]four")
_ORDINALS = ("first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
             "twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
             "nineteenth|twentieth|twenty[- ](?:first|second|third|fourth)")
# "word one is indoor. word two is fault.", "first: craft second: flash": the number in
# letters, and the stop before it, blanked with the rest.
_SPELT_NUMBER = re.compile(
    rf"(?:[.;]\s*)?\bword\s+(?:number\s+)?(?:{_NUMBERS})\b\s*(?:is|=|:|-)?"
    rf"|(?:[.;,]\s*)?\b(?:{_ORDINALS})(?:\s+word)?\s*(?:is\b|[:=-])")
_HALVES = re.compile(
    r"\b(?:and\s+|then\s+)?(?:the\s+)?(?:first|second|other|last|next)\s+(?:half|part|six|6)\b"
    r"(?:\s+is)?|\bthe\s+rest\b(?:\s+is)?")
_LAST_OF_A_LIST = re.compile(r"(?<=[^\W\d_])\s+(?:and|then|und|et|y|e|и|ve|và|va|&)\s+"
                             r"(?=[^\W\d_]+[ \t]*(?:[.!?]|\n|$))")
_LAST_OF_MANY_BEFORE = re.compile(r"(?:[^\W\d_]+[ \t]+){9}[^\W\d_]+$")
_LIST_COMMAS = 3  # "please cancel, refund and close" is a sentence, not a list of words


def without_fillers(folded: str) -> str:
    """`folded` with the words that number or join a phrase's words blanked (same
    length). "and" only before the last word of a list of four or more, ending a
    sentence or the line: "buy and sell", "cancel, refund and close" and "dinheiro, moeda
    e valores, ótimo trabalho" stay sentences, and "la frase e …" ("è", folded) still
    names what follows."""

    def blank(match: re.Match[str]) -> str:
        return " " * len(match.group(0))

    def blank_but_digits(match: re.Match[str]) -> str:
        return "".join(c if c.isdigit() else " " for c in match.group(0))

    text = _HALVES.sub(blank, _SPELT_NUMBER.sub(
        blank, _NUMBERED_WORD.sub(blank_but_digits, folded)))
    if len(_NUMBER_IS.findall(text)) >= _NUMBER_IS_LIST:
        text = _NUMBER_IS.sub(blank_but_digits, text)

    def last_of_many(match: re.Match[str]) -> str:
        # "w1 w2 … w11 and w12" spoken as a list (0.11.14 trial: the last word was shown):
        # ten words or more, no punctuation, before it.
        words = _LAST_OF_MANY_BEFORE.search(text, max(0, match.start() - 200), match.start())
        return blank(match) if words else match.group(0)

    text = _LAST_OF_A_LIST.sub(last_of_many, text)
    if "," not in text:
        return text

    def last_of_a_list(match: re.Match[str]) -> str:
        before = text[max(0, match.start() - 60):match.start()]
        listed = before.count(",") >= _LIST_COMMAS and not _SENTENCE_BREAK.search(before)
        return blank(match) if listed else match.group(0)

    return _LAST_OF_A_LIST.sub(last_of_a_list, text)


_LIST_START = re.compile(r"(?:^|[\s:(\[])#?0?1\s*[.)\]:、]?\s*$")
_SPACES = re.compile(r"\s+")
_SENTENCE_BREAK = re.compile(r"[.!?。！？]\s|\n\s*\n")


def _joined(folded: str, left: Token, right: Token) -> bool:
    """Only separators between the two words: not letters, not a sentence's end (". "
    without numbering, "!", a blank line), not the colon that presents what follows
    ("phrase: rack harsh …"; "1: rack 2: harsh" is numbering)."""
    gap = folded[left.end:right.start]
    if len(gap.strip()) > _MAX_GAP or _LETTER.search(gap):
        return False
    numbered = any(c.isdigit() for c in gap)
    if numbered and _LIST_START.search(gap):
        return False  # "… en dos partes\n1.heart": a list starts, "partes" is not in it
    return not ((_SENTENCE_BREAK.search(gap) or ":" in gap) and not numbered)


def stretches(folded: str, tokens: list[Token]) -> list[list[Token]]:
    """The text's words grouped where only separators join them."""
    groups: list[list[Token]] = []
    for token in tokens:
        if groups and _joined(folded, groups[-1][-1], token):
            groups[-1].append(token)
        else:
            groups.append([token])
    return groups


def runs_in(groups: list[list[Token]], wordlist: Wordlist) -> list[Run]:
    """Runs of this list's words. Within a stretch of words joined only by separators,
    the longest span is taken whose words are in the list but one in six (typos: a word
    one typo from a list word anywhere, or a mangled word between list words)."""
    runs: list[Run] = []
    for group in groups:
        exact = [wordlist.exact(t.text) for t in group]
        if any(e is not None for e in exact):
            runs += _spans(group, exact, wordlist)
    return runs


def _spans(tokens: list[Token], exact: list[int | None], wordlist: Wordlist) -> list[Run]:
    """The longest acceptable span of one stretch, then the rest on either side."""
    if len(tokens) > 80:  # a wall of words: exact words only, nothing guessed
        return _exact_runs(tokens, exact, wordlist)
    guesses: dict[int, tuple[int, ...]] = {}
    for i, e in enumerate(exact):
        if e is None:
            guesses[i] = wordlist.near(tokens[i].text)

    # A word too far from any list word to guess counts as a typo only deep inside list
    # words (three on each side), and a short one only when it is no common word: "the",
    # "and", "my" join a sentence's words, "msa" (mesa) and "gtn" are typos.
    # Near the end of the stretch the word needs all the list words there are, five at
    # least ("… happy dum gasp forest": a dropped letter in the tenth of twelve words).
    def deep_inside(k: int) -> bool:
        around = [exact[j] for j in range(k - 3, k + 4) if j != k and 0 <= j < len(exact)]
        return len(around) >= 5 and k >= 3 and all(e is not None for e in around)

    mangled = {k for k in guesses if (len(tokens[k].text) >= 4 or not common_word(tokens[k].text))
               and deep_inside(k)}

    best: tuple[int, int] | None = None
    for a in range(len(tokens)):
        if exact[a] is None and not guesses[a]:
            continue  # a span never starts or ends on a word it cannot place
        misses = 0
        for b in range(a, len(tokens)):
            if exact[b] is None:
                misses += 1
                # One in six of the words the span could still reach: a second typo
                # after nine words is kept while twelve may follow.
                if misses > max(1, (len(tokens) - a) // 6) or len(tokens[b].text) > 12 or not (
                        guesses[b] or b in mangled):
                    break
            if exact[b] is None and not guesses[b]:
                continue
            if misses > max(1, (b - a + 1) // 6):
                continue  # too many typos for a span this short (it may still grow)
            if exact[a] is None and exact[b] is None and a == b:
                continue  # a lone guess is no run
            if best is None or b - a > best[1] - best[0]:
                best = (a, b)
    if best is None:
        return []
    a, b = best
    # One word short of a phrase's length: the word next to it is its mangled first or
    # last word ("ito, tiger, hunt, …"), whatever it looks like.
    if b - a + 2 in VALID_LENGTHS:
        if b + 1 < len(tokens) and 2 <= len(tokens[b + 1].text) <= 10:
            b += 1
        elif a > 0 and 2 <= len(tokens[a - 1].text) <= 10:
            a -= 1
    run = Run(wordlist, tokens[a:b + 1],
              [(exact[k],) if exact[k] is not None else guesses.get(k, ())  # type: ignore[misc]
               for k in range(a, b + 1)])
    return [*_spans(tokens[:a], exact[:a], wordlist), run,
            *_spans(tokens[b + 1:], exact[b + 1:], wordlist)]


def _exact_runs(tokens: list[Token], exact: list[int | None], wordlist: Wordlist) -> list[Run]:
    runs, current = [], []
    for token, e in zip(tokens, exact, strict=True):
        if e is not None:
            current.append((token, e))
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [Run(wordlist, [t for t, _ in r], [(e,) for _, e in r]) for r in runs]


def _repeats(tokens: Sequence[Token]) -> bool:
    return _repeated([token.text for token in tokens])


def passes_checksum(run: Run) -> bool:
    """The whole run, or a valid-length window of it, is a checksummed phrase."""
    n = len(run)
    if n > 60:  # a 4,000-character wall of words: decided by its length instead
        return False
    windows = [(0, n)] if n in VALID_LENGTHS else []
    windows += [(s, s + size) for size in VALID_LENGTHS if size < n
                for s in range(n - size + 1)]
    for start, end in windows:
        choices = run.candidates[start:end]
        if not all(choices) or _repeats(run.tokens[start:end]):
            continue  # a window of repeated words passes 1 time in 16 all the same
        combos = 1
        for c in choices:
            combos *= len(c)
        if combos > 27:
            continue
        if any(checksum_ok(list(p)) for p in itertools.product(*choices)):
            return True
    return False


def _window_passes(run: Run, start: int, end: int) -> bool:
    choices = run.candidates[start:end]
    if not all(choices) or _repeats(run.tokens[start:end]):
        return False
    combos = 1
    for c in choices:
        combos *= len(c)
    return combos <= 27 and any(checksum_ok(list(p)) for p in itertools.product(*choices))


SHORT_SENTENCE_MARGIN = 0.5


def common_short(wordlist: Wordlist, positions: list[int]) -> bool:
    """One or two list words as common as a short plea's ("please help", "thank you"):
    half a point under the cut of three words. Two random list words pass it 2 times in
    100 (English)."""
    mean = wordlist.commonness(positions)
    cut = wordlist.natural_cut[min(wordlist.natural_cut)] - SHORT_SENTENCE_MARGIN
    return mean is not None and mean >= cut


def trimmed(run: Run, folded: str) -> Run:
    """The phrase at the start of a run that goes on with the sentence after it: "<12
    words> can you restore my wallet?", "<12 words>\nplease help me" (the 0.11.13 trial:
    "can", "you", "please" and "help" are list words, and the sentence was hidden with the
    phrase). A valid-length window that opens the run and passes the checksum is the
    phrase when two words or more follow it, all common words or no list words at all,
    and they read as a sentence: a word that is no list word ("restore"), a line break
    before them, or common words only. Never when the whole run is a phrase itself (a
    real 15-word phrase passes its own checksum, whatever its first twelve words do), nor
    for one word left over (a phrase with a word typed twice)."""
    n = len(run)
    if n <= 12 or n > 60 or (n in VALID_LENGTHS and _window_passes(run, 0, n)):
        return run
    # One word left over only where the sentence goes on after it ("<12 words> what
    # should I do now"): a phrase with a word typed twice ends the message.
    goes_on = _LETTER.search(folded, run.end) is not None
    for size in VALID_LENGTHS:
        if size > n - (1 if goes_on else 2):
            continue
        left_over = list(zip(run.tokens[size:], run.candidates[size:], strict=True))
        if not all(common_word(t.text) or not c for t, c in left_over):
            continue
        gap = folded[run.tokens[size - 1].end:run.tokens[size].start]
        positions = [c[0] for _, c in left_over if c]
        sentence = (any(not c for _, c in left_over) or "\n" in gap
                    or run.wordlist.reads_like_a_sentence(positions)
                    or (len(positions) <= 2 and common_short(run.wordlist, positions)))
        if sentence and _window_passes(run, 0, size):
            return Run(run.wordlist, run.tokens[:size], run.candidates[:size])
    return run


_FILLER_TOKENS = 3  # "and", "then", "on paper, then"


def across_fillers(runs: Sequence[Run], tokens: list[Token]) -> list[tuple[Run, Run]]:
    """Runs of one list (the first of three words or more) joined over a few other
    words ("<6> and <6>", "<6> or <6>", "<4> um <4> and <4>"), that make a phrase's length
    and pass its checksum together, with words rarer than a sentence's: (first run, last
    run) of each. Long prose has many such chains of common list words, and one in 16
    passes the checksum ("the real one is the one …", 0.11.14 repository scan)."""
    starts = [token.start for token in tokens]
    found = []
    by_list: dict[str, list[Run]] = {}
    for run in runs:
        by_list.setdefault(run.wordlist.name, []).append(run)
    for chain in by_list.values():
        chain.sort(key=lambda run: run.start)
        for i, first in enumerate(chain):
            if len(first) < 3:
                continue
            joined = Run(first.wordlist, list(first.tokens), list(first.candidates))
            for previous, run in itertools.pairwise(chain[i:]):
                between = (bisect.bisect_left(starts, run.start)
                           - bisect.bisect_left(starts, previous.end))
                if between > _FILLER_TOKENS or len(joined) + len(run) > max(VALID_LENGTHS):
                    break
                joined = Run(first.wordlist, joined.tokens + run.tokens,
                             joined.candidates + run.candidates)
                # The whole chain only: windows of it (to skip a word of the text beside
                # it) passed in prose ("to be clear since people keep asking …").
                if (len(joined) in VALID_LENGTHS and _window_passes(joined, 0, len(joined))
                        and not joined.wordlist.reads_like_a_sentence(joined.best_positions())):
                    found.append((first, run))
                    break
    return found


def separator(folded: str, run: Run) -> str | None:
    """The one separator between every two words of the run ("a b c", "a, b, c",
    "a - b - c"), as a phrase is copied out of a wallet or off paper; None when they
    differ, as prose that happens to use list words separates its clauses ("wallet empty,
    market crash"), or for a single word."""
    gaps = {_SPACES.sub(" ", folded[a.end:b.start])
            for a, b in itertools.pairwise(run.tokens)}
    return gaps.pop() if len(gaps) == 1 else None


def is_seed(run: Run, context: bool, listed: bool = False, even: bool = False) -> bool:
    if len(run) < 6:
        return False
    if passes_checksum(run):
        return True
    if len(run) <= 60 and _repeats(run.tokens):
        # Words over again ("burst message number 1 about…" sent eight times, its list
        # words carried from one message to the next): a phrase drawn at random almost
        # never repeats a quarter of its words. A phrase pasted twice passed the
        # checksum above; a wall of pasted words is decided by its length, below.
        return False
    positions = run.best_positions()
    if len(run) >= 12:
        if listed:
            # Twelve words or more, each with its number or on its own line: the way
            # wallets show a phrase and users copy it. Prose is never written so, and the
            # frequency test below read common list words ("home", "now", "own") as one.
            return True
        if not context and not even and len(run) <= 60 and all(
                run.wordlist.exact(t.text) is not None or common_word(t.text)
                for t in run.tokens):
            # Every word spelled right (list words, or common words that are no typo),
            # yet no window passes the checksum: a phrase typed correctly always does,
            # while 15 in 16 word lists fail. Unnamed, unnumbered and unevenly separated,
            # these are terse prose ("wallet empty, market crash, total panic, …"); a
            # mistyped phrase (a mangled word) still counts. Evenly separated words go on
            # to the frequency test: a phrase with one word misread as another list word
            # ("… wonder wonder") fails the checksum too, and its eleven right words are
            # the wallet (the twelfth is one of 2,048 guesses).
            return False
        return not run.wordlist.reads_like_a_sentence(positions)
    # Shorter, in a message about a seed: only words rarer than any sentence's.
    return context and not run.wordlist.reads_like_a_sentence(positions, strict=True)


def listed(folded: str, run: Run) -> bool:
    """A list mark between every two words: a number ("1.heart 2.anchor 3.cabin") or a
    line break (one word per line)."""
    return len(run) >= 2 and all(_list_mark(folded[a.end:b.start])
                                 for a, b in itertools.pairwise(run.tokens))


def listed_part(folded: str, run: Run) -> Run | None:
    """The longest stretch of the run with a list mark between every two words, when it
    is a whole phrase (12 words or more): the run may go on past the list with list
    words that happen to follow ("… 12. reward\nplease hurry")."""
    best: tuple[int, int] = (0, 1)
    start = 0
    for i in range(1, len(run) + 1):
        if i == len(run) or not _list_mark(folded[run.tokens[i - 1].end:run.tokens[i].start]):
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = i
    first, last = best
    if last - first < 12:
        return None
    return Run(run.wordlist, run.tokens[first:last], run.candidates[first:last])


def _list_mark(gap: str) -> bool:
    return any(c.isdigit() or c == "\n" for c in gap)


def worth_withholding(run: Run, word_count: int, context: bool,
                      presented: bool = False) -> bool:
    """A run at the end of a message that may be the first part of a phrase whose rest
    comes in the next message: most of the message, or a message about a seed. Six
    words or more that the user presents (after ":", ending the message) are held even
    when common enough to read like a sentence ("… in two parts: flat define private
    search follow civil"): a half phrase is too short for the frequency test, and
    holding words back costs a minute's wait, not the text."""
    shortest = _MIN_TRAILING_INTRODUCED if context else _MIN_TRAILING
    if len(run) < shortest:
        return False
    if presented and len(run) >= 6:
        return True
    if run.wordlist.reads_like_a_sentence(run.best_positions()):
        return False
    return context or 5 * len(run) >= 3 * word_count


def solid_han_phrases(folded: str, context: bool,
                      cues: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """The spans of han_windows, overlapping ones joined: the characters just before a
    phrase ("我的助记词是…", "钱包被盗了…") make a window that passes 1 time in 16 as
    well, and keeping only the first window found (as before 0.11.16) left the phrase's
    end in clear in a third of such messages. The price: a window passing by chance
    beside a phrase hides a character or two of the text next to it."""
    return _joined_spans(han_windows(folded, context, cues))


def han_windows(folded: str, context: bool,
                cues: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Chinese phrases written without separators, found only by their checksum: every
    window of a phrase's length whose characters are one list's, that passes the
    checksum and does not read as Chinese. A window never takes in a seed cue's
    characters: the phrase is what follows "助记词", never the word itself."""
    found: list[tuple[int, int]] = []
    for block in _HAN.finditer(folded):
        text, offset = block.group(0), block.start()
        # Running count of the most frequent characters: windows full of them are
        # sentences, skipped before any checksum is computed.
        common = [0]
        for char in text:
            common.append(common[-1] + is_function_char(char))
        if _random_wall(text, common[-1]):
            found.append((offset, offset + len(text)))
            continue
        # Running count of cue characters (marked once per cue: a wall of cues, "种子种子…",
        # made this characters × cues, 0.11.16 review).
        in_cue = [0] * len(text)
        for a, b in cues:
            for k in range(max(a, offset), min(b, offset + len(text))):
                in_cue[k - offset] = 1
        cue_seen = [0]
        for flag in in_cue:
            cue_seen.append(cue_seen[-1] + flag)
        for wordlist in han_wordlists():
            positions = [wordlist.exact(char) for char in text]
            for size in VALID_LENGTHS:
                limit = max(4, size // 4 + 1)
                for start in range(len(text) - size + 1):
                    if (common[start + size] - common[start] >= limit
                            or cue_seen[start + size] != cue_seen[start]):
                        continue
                    window = positions[start:start + size]
                    if None in window or not checksum_ok(window):  # type: ignore[arg-type]
                        continue
                    if not _reads_as_chinese(text, start, size, context):
                        found.append((offset + start, offset + start + size))
    return found


def _joined_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    joined: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


_TRAILING = set(" \t\r\n。.，,！!？?")
SOLID_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def han_tail(folded: str, context: bool,
             cues: Sequence[tuple[int, int]] = ()) -> tuple[int, int, str] | None:
    """Solid Chinese characters ending a message that may be a phrase's first part (its
    rest in the next message): the whole block after any seed cue, 6 to 23 characters
    of one list, that does not read as Chinese even loosely (ordinary text is 0.45
    covered by common words; a short end of a sentence still often 0.2). In a message
    that names a seed or after a colon; otherwise only 12 characters or more, on a line
    of their own or most of the message. (start, end, list name)."""
    # Walked back from the end: a regex searching for "characters, then only punctuation
    # to the end" retries from every character of a long Chinese message (0.5 s at 4,000).
    end = len(folded)
    while end and folded[end - 1] in _TRAILING:
        end -= 1
    first, limit = end, max(0, end - 64)  # a held part is at most 23 characters
    while first > limit and SOLID_HAN.match(folded, first - 1):
        first -= 1
    if end - first < 6:
        return None
    cut = [b for a, b in cues if first <= b < end]
    if first == limit and limit and SOLID_HAN.match(folded, limit - 1) and not cut:
        return None  # a longer block, no seed cue inside it: no phrase's first part
    start = max([first, *cut])
    block = folded[start:end]
    size = len(block)
    presented = folded[:start].rstrip().endswith(":")  # "前六个字：碱伏科挑螺金" (folded "：")
    # Presented after a colon or a cue in a message about a seed, six random characters
    # hold a common word or a frequent one often enough (one half in 12 of 200,
    # bench.han_phrases "two_messages") that both halves went out in clear: there they
    # are held unless they read as Chinese by the looser measure of a window.
    loose = context and (presented or (bool(cut) and start == cut[-1]))
    if not 6 <= size <= 23 or not _phrase_like(block, 0, size, strict=not loose):
        return None
    wordlist = next((w for w in han_wordlists() if all(w.exact(c) is not None for c in block)),
                    None)
    if wordlist is None:
        return None
    on_its_line = folded[:start].endswith("\n") or not folded[:start].strip()
    if context or presented or (
            size >= 12 and (on_its_line or 5 * size >= 3 * len(folded.strip()))):
        return start, end, wordlist.name
    return None


def solid_han_part(block: str) -> bool:
    """Characters of one list that do not read as Chinese by a window's looser measure:
    what han_tail held may be a phrase's part."""
    return (any(all(w.exact(c) is not None for c in block) for w in han_wordlists())
            and _phrase_like(block, 0, len(block)))


def han_rest(held: str, folded: str) -> tuple[int, int] | None:
    """The solid characters of this message (one of its first few blocks: "后六个字：听钢丙
    盗杆半，…") that complete the held ones into a checksummed phrase: their span in this
    message. The held characters and the block are joined and each passing window that
    starts in the held ones and ends in the block is read on its own (the phrase may
    start anywhere in them: "助记词前半办例巴…"). Merged windows reached into the ordinary
    text after the rest ("…这是后面的部分请帮我查一下") and kept it from completing (0.11.16
    review). The rest must not read as Chinese: few common words, few frequent
    characters, not the same few characters over again. Of those that pass, the longest
    rest is taken."""
    if not SOLID_HAN.fullmatch(held):
        return None
    best: tuple[int, int] | None = None
    for block in itertools.islice(SOLID_HAN.finditer(folded), 4):
        rest = block.group(0)[:24]
        for start, end in han_windows(held + rest, True):
            taken = end - len(held)
            if (start < len(held) < end and (best is None or taken > best[1] - best[0])
                    and _phrase_like(rest, 0, taken)):
                best = (block.start(), block.start() + taken)
    return best


def _phrase_like(block: str, start: int, end: int, strict: bool = False) -> bool:
    """Characters of the block that do not read as Chinese: few inside common words, few
    of the frequent ones, not the same few over again. The loose measure is a window's
    (under a third in words, a quarter frequent): for characters a seed cue or colon
    presents, a held part's rest, what was held; the strict one (a sixth) for ending
    characters nothing presents (ordinary text is 0.45 covered by common words; a short
    end of a sentence still often 0.2)."""
    chars = block[start:end]
    frequent, covered = (len(chars) // 6, 0.17) if strict else (max(1, len(chars) // 4), 0.34)
    return (sum(map(is_function_char, chars)) <= frequent and not _repeated(chars)
            and chinese_coverage(block, start, end) < covered)


def _repeated(items: Sequence[str]) -> bool:
    """The same few words or characters over again ("退钱退钱…", "零零零…", a burst of
    one message's list words): a phrase drawn at random almost never repeats a quarter."""
    return len(items) >= 4 and len(set(items)) < 0.75 * len(items)


_PRESENTING_CHARS = "是为為係"


# What joins a seed cue to the phrase it presents: "助记词是…", "助记词：…", "助記詞為…".
_PRESENTING = re.compile(r"[\s:,]*(?:就是|如下|是|为|為|係)?[\s:,]*")  # 係: Cantonese
_ENDS_THE_MESSAGE = re.compile(r"[\s。.，,！!？?]*\Z")
_NAMED_MIN = 12
_NAMED_MAX = 24
_NAMED_POINTS = 16  # a wall of cues ("种子种子…") is read at its first few


def presenting_points(folded: str, cues: Sequence[tuple[int, int]],
                      context: bool) -> list[int]:
    """Where solid characters may be presented as a phrase: after a seed cue, and in a
    conversation about a seed after a colon or at the message's start ("后半：<rest of
    a phrase>帮我看看": its first half may have been hidden whole by a chance checksum,
    so no held characters are there to complete)."""
    points = [end for _, end in cues]
    if context:
        points += [0, *(m.end() for m in re.finditer(r"[:：]", folded))]
    return sorted(set(points))[:_NAMED_POINTS]


def named_han_phrase(folded: str, points: Sequence[int],
                     cues: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Solid characters presented as a phrase ("我的助记词是津陕牧…帮我看看钱包"), taken
    without the checksum: a phrase copied off paper may have one character wrong, and
    then no window passes (holdout8 secrets suite: the phrase was hidden only where a
    window took in the cue by chance). Twelve characters of one list (one may be a
    typo) that do not read as Chinese, then three more at a time while they are list
    characters in no common word and no frequent character. A presenting 是 or 为 is
    hidden with them (it may be the phrase's first character). Characters that end the
    message with nothing after them, fewer than 24, could be a phrase's first part:
    they are left to han_tail (withheld until the next message shows what it was)."""
    found: list[tuple[int, int]] = []
    for point in points:
        start = _PRESENTING.match(folded, point).end()  # type: ignore[union-attr]
        # 是 or 为 right before the characters may be the phrase's own first one.
        hidden_from = start - 1 if start > point and folded[start - 1] in _PRESENTING_CHARS \
            else start
        block = SOLID_HAN.match(folded, start, min(len(folded), start + _NAMED_MAX + 1))
        if block is None or len(block.group(0)) < _NAMED_MIN:
            continue
        # Never a cue's characters ("助记词…" at the start of a message about a seed).
        text = block.group(0)[:min([a - start for a, _ in cues if a >= start] or [_NAMED_MAX + 1])]
        if len(text) < _NAMED_MIN:
            continue
        for wordlist in han_wordlists():
            known = [wordlist.exact(char) is not None for char in text]
            if (sum(known[:_NAMED_MIN]) < _NAMED_MIN - 1
                    or sum(map(is_function_char, text[:_NAMED_MIN])) >= 3
                    or _repeated(text[:_NAMED_MIN])
                    or chinese_coverage(text, 0, _NAMED_MIN) >= 0.34):
                continue
            size = _NAMED_MIN
            for longer in (15, 18, 21, 24):
                added = text[size:longer]
                if (len(added) < 3 or not all(known[size:longer])
                        or any(map(is_function_char, added))
                        or chinese_coverage(text, size, longer) > 0):
                    break
                size = longer
            if size == len(text) < _NAMED_MAX and _ENDS_THE_MESSAGE.match(folded, block.end()):
                break  # nothing but the phrase-like characters, ending the message
            found.append((hidden_from, start + size))
            break
    return found


def _random_wall(text: str, function_chars: int) -> bool:
    """Eight phrases' worth of wordlist characters with almost none of the frequent ones
    a sentence is full of: a dump of phrases (or noise), hidden whole. Checking each of
    its windows would cost a checksum per character (0.1 s for 4,000)."""
    if len(text) < 96 or function_chars > 0.08 * len(text):
        return False
    lists = han_wordlists()
    known = sum(any(w.exact(c) is not None for w in lists) for c in text)
    return known >= 0.95 * len(text)


def _reads_as_chinese(block: str, start: int, size: int, context: bool) -> bool:
    """A sentence passes a 12-word checksum 1 time in 16, and a long sentence has many
    windows: the window must also not read as Chinese. Two signs are added up: the share
    of its characters inside common words, and the share that are frequent characters
    (的 是 了 我; more than a few make the caller skip the window). "刚改完密码提币就被限制了"
    has a third in words (密码, 限制) and a quarter frequent (就 被 了): judged by words
    alone, it was hidden as a phrase. A phrase standing alone may share a word or two
    with the language by chance; one inside a longer run of characters must share fewer.
    Where a seed is named, words alone decide, as before. The cuts (0.11.16), measured
    on 160,000 random checksummed phrases and the project's Chinese text: no phrase of
    40,000 standing alone reads as Chinese (a cut of 0.4 missed 3, the review's
    finding), 0.013% of those inside sentences (0.12% before); windows of ordinary text
    left to the checksum 33 → 8."""
    coverage = chinese_coverage(block, start, start + size)
    score = coverage + sum(map(is_function_char, block[start:start + size])) / size
    if size == len(block):
        return coverage >= 0.45 or (score >= 0.45 and not context)
    if context:
        return coverage >= 0.34
    return coverage >= 0.3 or score >= 0.34


def grown(folded: str, tokens: list[Token], run: Run, runs: Sequence[Run],
          cues: Sequence[tuple[int, int]] = ()) -> tuple[int, int]:
    """The span of a phrase already decided, joined with the runs of its list that one
    word it cannot place separates from it ("... brazo coa almeja ..."), and taking a
    last unplaceable word at either end when that makes a phrase's length ("olo, huida,
    … cazo": 12) or when it starts or ends the stretch and is no common word ("fir move
    …"): a short typo splits a run in two, and hiding one half while the other stays in
    clear is the worst outcome. Never a cue's words ("seed phrase: …" stays readable),
    never the sentence around the phrase."""
    starts = {t.start: i for i, t in enumerate(tokens)}
    ends = {t.end: i for i, t in enumerate(tokens)}

    def bridge(i: int) -> bool:  # token i alone separates two runs
        token = tokens[i]
        return (len(token.text) <= 12 and not any(a <= token.start < b for a, b in cues)
                and _linked(folded, tokens, i - 1, i) and _linked(folded, tokens, i, i + 1))

    first, last = starts[run.start], ends[run.end]
    placed = [(starts[r.start], ends[r.end]) for r in runs
              if r.wordlist is run.wordlist and r.start in starts and r.end in ends]
    changed = True
    while changed:
        changed = False
        for a, b in placed:
            if a == last + 2 and bridge(last + 1):
                last, changed = b, True
            elif b == first - 2 and bridge(first - 1):
                first, changed = a, True
    one_short = last - first + 2 in VALID_LENGTHS
    for edge, d in ((last, 1), (first, -1)):
        a = edge + d
        if not (0 <= a < len(tokens) and _linked(folded, tokens, edge, a)
                and 2 <= len(tokens[a].text) <= 10 and not common_word(tokens[a].text)
                and not any(x <= tokens[a].start < y for x, y in cues)
                # A mistyped word is typed on the phrase's own keyboard: "…outside可能有
                # 一个拼错了" goes on in Chinese, it is no word of an English phrase.
                and bool(_HAN_OR_KANA.search(tokens[a].text))
                == bool(_HAN_OR_KANA.search(tokens[edge].text))):
            continue
        # The word ends the stretch (or meets another script: "助记词 Caoo Pata …").
        outer = a + d
        alone = not (0 <= outer < len(tokens) and _linked(folded, tokens, a, outer)
                     and not _HAN_OR_KANA.search(tokens[outer].text))
        if one_short or alone:
            first, last = min(first, a), max(last, a)
            one_short = False
    return tokens[first].start, tokens[last].end


_HAN_OR_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _linked(folded: str, tokens: list[Token], i: int, j: int) -> bool:
    left, right = (tokens[i], tokens[j]) if i < j else (tokens[j], tokens[i])
    return _joined(folded, left, right)


def all_runs(folded: str, tokens: list[Token]) -> list[Run]:
    groups = stretches(folded, tokens)
    return [run for wordlist in (*spaced_wordlists(), *han_wordlists())
            for run in runs_in(groups, wordlist)]
