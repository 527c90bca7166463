"""Find pasted secrets by their structure and redact them before anything else sees the text.

Only the redacted text goes downstream: embeddings, logs, storage, transcripts. Each kind
has its own detector (seed_phrases, keys, passwords, otp_codes); cue words only say what a
value next to them is, the values are found by their shape. Two things are withheld rather
than redacted, never stored in clear but not yet called secrets:
- a 64-hex value with nothing around it saying whether it is a transaction or a key
  (`unclear_hex`): the user is asked;
- a run of seed words at the end of a message (`possible_seed`): the next message, or a
  short timeout, decides whether it was the first part of a phrase (see `Carried`).
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from dataclasses import dataclass, replace

from bot.nlu.folding import Folded
from bot.nlu.secrets.config_files import config_secrets
from bot.nlu.secrets.cues import find
from bot.nlu.secrets.keys import (
    API_SECRET,
    PRIVATE_KEY,
    UNCLEAR_HEX,
    Found,
    api_secrets,
    encoded_keys,
    hex_values,
    key_parts,
    key_starts,
    names_a_part,
)
from bot.nlu.secrets.otp_codes import (
    OTP_CODE,
    backup_codes,
    code_alone,
    mentions_backup_codes,
    otp_codes,
)
from bot.nlu.secrets.passwords import PASSWORD, password_alone, passwords
from bot.nlu.secrets.seed_phrases import (
    SOLID_HAN,
    Run,
    Token,
    across_fillers,
    all_runs,
    common_short,
    grown,
    han_rest,
    han_tail,
    is_seed,
    listed,
    listed_part,
    named_han_phrase,
    presenting_points,
    separator,
    solid_han_part,
    solid_han_phrases,
    tokens_of,
    trimmed,
    without_cues,
    without_fillers,
    worth_withholding,
)

log = logging.getLogger(__name__)

SEED_PHRASE = "seed_phrase"
SECRET_KINDS = (SEED_PHRASE, PRIVATE_KEY, API_SECRET, PASSWORD, OTP_CODE)
POSSIBLE_SEED = "possible_seed"
SCANNER_ERROR = "scanner_error"
WITHHELD_KINDS = (UNCLEAR_HEX, POSSIBLE_SEED, SCANNER_ERROR)

# What happened to the withheld end of the previous message(s).
# Carried.wordlist after a message that held a key: not a BIP39 list, so no seed rule
# reads it; the next message's long hex or base58 tokens are the key's rest.
KEY_CONTEXT = "private_key"
# Likewise after a message that names a password or a one-time code without giving it
# ("do you need my password?", "2fa"): the next message's value alone is that secret.
PASSWORD_CONTEXT = "password"
CODE_CONTEXT = "otp_code"
CARRIED_SECRET = "secret"  # with this message it makes a seed phrase: redact it
CARRIED_KEPT = "kept"  # this message goes on with seed words: keep withholding both
CARRIED_RELEASED = "released"  # not a phrase: it may be shown in clear


@dataclass(frozen=True)
class Carried:
    """The withheld end of the conversation's previous message(s): held in memory only
    (encrypted at rest, see bot.conversations.withheld) until this message decides."""

    text: str = ""  # empty: nothing withheld, only the context carries over
    context: bool = False  # the user named a seed phrase there (or pasted one)
    # The wordlist of a phrase just pasted: a few more of its words opening the next
    # message are its rest ("…15 words" then "vejez ateo").
    wordlist: str | None = None


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str

    @property
    def withheld(self) -> bool:
        return self.kind in WITHHELD_KINDS


@dataclass(frozen=True)
class SecretScan:
    redacted_text: str  # what may be stored and shown
    kinds: tuple[str, ...]  # secrets found and redacted, never the values
    spans: tuple[Span, ...] = ()
    withheld_tail: str | None = None  # the clear words held back at the end (memory only)
    tail_context: bool = False
    carried: str | None = None  # CARRIED_SECRET / CARRIED_KEPT / CARRIED_RELEASED
    withheld: tuple[str, ...] = ()  # kinds of what is withheld: unclear_hex, possible_seed
    # The message names a seed phrase or holds one: the next message is read in that light
    # ("first half: …" / "second half: …").
    seed_context: bool = False
    seed_wordlist: str | None = None  # the list of a phrase found (or held back) here
    # Part of a key was found here: the next message may hold its rest (carried as the
    # wordlist KEY_CONTEXT).
    key_context: bool = False
    # What the next message's lone value would be (KEY_CONTEXT, PASSWORD_CONTEXT,
    # CODE_CONTEXT), carried as the wordlist of a withheld fragment; None: nothing.
    expects: str | None = None
    # What the understanding step may read: the redacted text with a possible seed's
    # words still in (they are only held back from storage until the next message says
    # what they were; "live support agent now" must still be understood).
    readable_text: str = ""

    @property
    def found(self) -> bool:
        return bool(self.kinds)

    @property
    def understood_text(self) -> str:
        return self.readable_text or self.redacted_text


class SecretScanner:
    def scan(self, text: str, carried: Carried | None = None) -> SecretScan:
        """Spans refer to the text in NFC form (wallets export Korean and Japanese
        phrases decomposed; typed text is composed)."""
        text = unicodedata.normalize("NFC", text)
        f = _without_markers(Folded.of(text))
        seed_cues = find("seed", f.text)
        # Solid characters held from the message before: han_rest completes them.
        carried_text = Folded.of(carried.text).text if carried and carried.text else ""
        held_han = carried_text if SOLID_HAN.fullmatch(carried_text) else ""
        context = bool(seed_cues) or bool(carried and carried.context)
        cues = sorted(seed_cues + find("private_key", f.text) + find("password", f.text))
        # Seed words are read with the words that only number or join them blanked
        # ("word 1 is …", "… and mixture"); every other detector reads `f`.
        w = replace(f, text=without_fillers(f.text))
        tokens = tokens_of(w.text)
        runs = [piece for run in all_runs(w.text, tokens) for piece in without_cues(run, cues)]
        spans: list[Span] = []
        seed_lists: list[str] = []
        for run in runs:
            # Twelve list words or more, numbered or one per line, are a phrase whatever
            # list words follow the list; so is a whole phrase named as "my words are …"
            # (a half phrase named so is held back for its rest, below).
            part = listed_part(w.text, run)
            run = part or trimmed(run, w.text)
            named = len(run) >= 12 and _NAMED_AS_WORDS.search(_without_list_mark(
                f.text[max(0, run.start - _LEAD_READ):run.start])) is not None
            # is_seed reads `listed` for 12 words or more only: there the part is the run.
            if (is_seed(run, context or named, part is not None,
                        separator(w.text, run) is not None)
                    or _rest_of_a_phrase(run, carried, tokens, w.text)):
                whole = f.span(*grown(w.text, tokens, run, runs, cues))
                spans.append(Span(*_numbered(text, *whole), SEED_PHRASE))
                seed_lists.append(run.wordlist.name)
        for first, last in across_fillers(runs, tokens):
            # "<6 words> and <6 words>", "<4> um <4> and <4>" (0.11.14 trial: in clear).
            spans.append(Span(*_numbered(text, *f.span(first.start, last.end)), SEED_PHRASE))
            seed_lists.append(first.wordlist.name)
        spans += [Span(*f.span(*s), SEED_PHRASE)
                  for s in [*solid_han_phrases(f.text, context, seed_cues),
                            *named_han_phrase(f.text, presenting_points(
                                f.text, seed_cues, context and not held_han),
                                seed_cues)]]
        outcome = None
        # Held words of any number (a word or two a message, see _held_back); only runs
        # of three or more are read as a phrase's first part to complete.
        held_runs = _carried_runs(carried)
        before = [run for run in held_runs if len(run) >= 3]
        if held_runs:
            # "words 7-12: …": the label's list word ("words") is not the rest's first.
            completing = (_continue(before, _carried_folded(carried),
                                    [_after_introduction(w, run) for run in runs], w.text,
                                    context) if before else None)
            outcome = CARRIED_SECRET if completing is not None else CARRIED_RELEASED
            if completing is not None:
                grown_span = f.span(*grown(w.text, tokens, completing, runs, cues))
                spans.append(Span(*_numbered(text, *grown_span), SEED_PHRASE))
                seed_lists.append(completing.wordlist.name)
            elif any(r.wordlist.name in seed_lists for r in held_runs):
                # A phrase of the same list in this message: the held words were its
                # start, whatever came between.
                outcome = CARRIED_SECRET
            elif (len(tokens) <= _ASIDE_WORDS and not any(len(r) >= 3 for r in runs)
                  and ("?" not in text
                       or all(len(token.text) <= _ASIDE_LETTERS for token in tokens))):
                # "wait what do I do now", "hold on a moment", "sending the rest" between
                # the two halves (0.11.13 trial and review: the first half was restored
                # in clear, then the second at its timeout): a short aside with no run of
                # list words keeps the held words waiting for their rest. "sorry, how do
                # I deposit usdt?" asks a question of its own (a long word and a "?"):
                # the held words were no phrase.
                outcome = CARRIED_KEPT
        if carried and held_han:
            rest = han_rest(held_han, f.text)
            if rest is not None:
                spans.append(Span(*f.span(*rest), SEED_PHRASE))
                seed_lists.append(carried.wordlist or "chinese_simplified")
                outcome = CARRIED_SECRET
            elif outcome is None:
                # "等一下", "稍等" between the halves keeps the first held, as an aside
                # between spaced halves does (0.11.16 review: it was published).
                outcome = CARRIED_KEPT if _an_aside(f.text, tokens) else CARRIED_RELEASED
        starts = key_starts(f)
        found: list[Found] = [*hex_values(f), *encoded_keys(text), *config_secrets(text),
                              *api_secrets(f), *starts,
                              *passwords(f), *otp_codes(f), *backup_codes(f)]
        # Part of a key here: the next message may hold its rest. A key's rest found
        # below is its end.
        key_context = bool(starts) or (names_a_part(f) and any(
            x.kind in (PRIVATE_KEY, API_SECRET) for x in found))
        if carried is not None and carried.wordlist == KEY_CONTEXT and not find(
                "transaction", f.text):
            key_rest = key_parts(text)
            found += key_rest
            key_context = key_context or bool(key_rest)  # a key in three pieces goes on
        elif carried is not None and carried.wordlist == PASSWORD_CONTEXT:
            found += password_alone(text)
        elif carried is not None and carried.wordlist == CODE_CONTEXT:
            found += code_alone(f)
        expects = _expects(f, found, key_context)
        if expects is None and not found and _an_aside(f.text, tokens) and carried is not None \
                and carried.wordlist in (PASSWORD_CONTEXT, CODE_CONTEXT, KEY_CONTEXT):
            # "le code 2FA c'est" → "attendez" → "532 265" (holdout10: the code was stored
            # in clear): a short aside keeps what the conversation waits for.
            expects = carried.wordlist
        spans += [Span(x.start, x.end, x.kind) for x in found]
        # Once the held words made a phrase, nothing more is waiting to go on with them.
        held = _held_back(w, runs, tokens, spans, context,
                          [] if outcome == CARRIED_SECRET else before)
        if held is not None:
            spans.append(Span(*_numbered(text, *f.span(held.start, held.end)), POSSIBLE_SEED))
            seed_lists.append(held.wordlist.name)
            if outcome == CARRIED_RELEASED and any(
                    r.wordlist is held.wordlist for r in held_runs):
                outcome = CARRIED_KEPT  # this message goes on with more of the same words
        elif outcome != CARRIED_SECRET:
            # Chinese characters run together have no separators to make a run of: the
            # end of the message is read for a phrase's first part on its own.
            tail = han_tail(f.text, context, seed_cues)
            if tail is not None:
                start, end = f.span(tail[0], tail[1])
                if not any(s.start < end and start < s.end for s in spans):
                    spans.append(Span(start, end, POSSIBLE_SEED))
                    seed_lists.append(tail[2])
        merged = _merge(spans)
        kinds = {s.kind for s in merged if not s.withheld}
        if outcome == CARRIED_SECRET:
            kinds.add(SEED_PHRASE)
        withheld_tail = next((text[s.start:s.end] for s in merged if s.kind == POSSIBLE_SEED),
                             None)
        return SecretScan(
            redacted_text=_redact(text, merged), kinds=tuple(sorted(kinds)),
            readable_text=_redact(text, [s for s in merged if s.kind != POSSIBLE_SEED]),
            spans=tuple(merged), withheld_tail=withheld_tail,
            tail_context=context if withheld_tail else False, carried=outcome,
            withheld=tuple(sorted({s.kind for s in merged if s.withheld})),
            seed_context=context or SEED_PHRASE in kinds,
            seed_wordlist=seed_lists[-1] if seed_lists else expects,
            key_context=key_context and not seed_lists,
            expects=None if seed_lists else expects)


    def scan_staff_text(self, text: str) -> str:
        """An agent's reply or note, or a display name: redacted like a user's message,
        but nothing is held for a next message that will not complete it (seed words at
        the end stay)."""
        scan = scan_safely(self, text)
        if SCANNER_ERROR in scan.withheld:
            return scan.redacted_text
        kept = [s for s in scan.spans if s.kind != POSSIBLE_SEED]
        return _redact(unicodedata.normalize("NFC", text), kept)


_ANNOUNCED = re.compile(
    r"\s*(?:is\s+)?(?:below|next|coming|here|in\s+\w+\s+(?:parts|messages|pieces))?\W*")


def _expects(f: Folded, found: list[Found], key_context: bool) -> str | None:
    """What a lone value in the next message would be: the rest of a key, or a password
    or code this message named without giving."""
    kinds = {x.kind for x in found}
    # "here is my private key", the key itself in the next message(s): a key cue that
    # ends the message ("how do I export my trade history?" names no key to come).
    if key_context or (not kinds & {PRIVATE_KEY, API_SECRET} and any(
            _ANNOUNCED.fullmatch(f.text, end) for _, end in
            find("private_key", f.text) + find("api_secret", f.text))):
        return KEY_CONTEXT
    if PASSWORD not in kinds and find("password", f.text):
        return PASSWORD_CONTEXT
    if OTP_CODE not in kinds and (find("otp", f.text) or mentions_backup_codes(f)):
        return CODE_CONTEXT
    return None


def still_secret(held: str) -> bool:
    """Whether words held back as a possible phrase's part stay hidden when no message
    came to decide: random-looking list words (three or more rarer than any twelve-word
    sentence's, which 3 random words in 100 are not; one or two rarer than a short
    plea's) are taken for a phrase's part and redacted; "help", "agent please now" are
    shown. The 0.11.14 trial saw a phrase sent as "words 1-6: …" and "words 7-12: …"
    published whole a minute later."""
    folded = _carried_folded(Carried(held))
    if SOLID_HAN.fullmatch(folded):
        # Solid characters are held only as a possible phrase's part (han_tail): with no
        # rest to decide, those of one list that read as no Chinese stay hidden, as
        # random-looking list words do (before 0.11.16 they were published).
        return solid_han_part(folded)
    for run in all_runs(folded, tokens_of(folded)):
        if len(run) >= 3 and not run.wordlist.reads_like_a_sentence(run.best_positions(),
                                                                    strict=True):
            return True
        if len(run) < 3 and not _common_short_words(run):
            return True
    return False


def scan_safely(scanner: SecretScanner, text: str, carried: Carried | None = None) -> SecretScan:
    """A scanner failure never drops a message and never lets it through in clear: the
    whole text is withheld and flagged."""
    try:
        return scanner.scan(text, carried)
    except Exception as error:  # any bug in a detector
        # The type only: the message would quote the text being scanned.
        log.error("secrets scanner failed (%s); the message is withheld",
                  type(error).__name__)
        return SecretScan(f"[WITHHELD:{SCANNER_ERROR}]", (), (), withheld=(SCANNER_ERROR,))


_MARKER = re.compile(r"\[(?:redacted|withheld):\w+\]")
_STORED_MARKER = re.compile(r"\[(REDACTED|WITHHELD):(\w+)\]")


def scan_of_redacted(text: str) -> SecretScan:
    """The scan of a message as it was stored (already redacted), read back from its
    markers: what a turn needs when it is understood from storage (after a crash, or a
    question carried from a group into a private chat) rather than from the user's text."""
    found = _STORED_MARKER.findall(text)
    kinds = tuple(dict.fromkeys(k for label, k in found if label == "REDACTED"
                                and k in SECRET_KINDS))
    withheld = tuple(dict.fromkeys(k for label, k in found if label == "WITHHELD"
                                   and k in WITHHELD_KINDS))
    return SecretScan(text, kinds, (), withheld=withheld, readable_text=text)


def _without_markers(f: Folded) -> Folded:
    """Markers of earlier scans ("[REDACTED:seed_phrase]") blanked, offsets kept: their
    words must not read as a cue when stored text is scanned again."""
    if "[" not in f.text:
        return f
    masked = _MARKER.sub(lambda m: " " * len(m.group(0)), f.text)
    return replace(f, text=masked)


def _carried_folded(carried: Carried | None) -> str:
    if carried is None or not carried.text:
        return ""
    return Folded.of(unicodedata.normalize("NFC", carried.text)).text


def _carried_runs(carried: Carried | None) -> list[Run]:
    held = _carried_folded(carried)
    return all_runs(held, tokens_of(held)) if held else []


def _continue(before: list[Run], held: str, runs: list[Run], folded: str,
              context: bool) -> Run | None:
    """The run of this message that completes the phrase the previous one ended with:
    one of the same list that reads as random words itself (so "please help me now"
    after six seed words does not turn into a phrase). `held` and `folded`: the folded
    texts the held runs and this message's runs point into."""
    for earlier in before:
        for run in runs:
            if run.wordlist is not earlier.wordlist or (
                    len(run) >= 3 and run.wordlist.reads_like_a_sentence(run.best_positions())):
                continue
            joined = Run(run.wordlist, earlier.tokens + run.tokens,
                         earlier.candidates + run.candidates)
            # Both halves separated alike: one phrase sent in two (a last word alone
            # takes the first half's separator).
            first = separator(held, earlier)
            rest = separator(folded, run) if len(run) > 1 else first
            if is_seed(joined, context, even=first is not None and rest == first):
                return run
    return None


def _common_short_words(run: Run) -> bool:
    # "please help" after a pasted phrase, in the conversation's most urgent moment, is
    # the agent's to read; then the last words of a phrase whose others are hidden may be
    # shown, 2 times in 100.
    return common_short(run.wordlist, run.best_positions())


_PRESENTED_REST = re.compile(r"(?::|\b(?:are|is|was|were))\s*$")


def _rest_of_a_phrase(run: Run, carried: Carried | None, tokens: list[Token],
                      text: str) -> bool:
    """Right after a pasted phrase, more words of its list are its rest ("second half:
    gaffe"), unless they read as a sentence. In a conversation that just became a P1,
    hiding a word too many costs little; showing one of the phrase costs the wallet."""
    if carried is None or carried.text or carried.wordlist != run.wordlist.name:
        return False
    if len(run) >= 3:
        return not run.wordlist.reads_like_a_sentence(run.best_positions())
    # One or two words: only as most of the message ("vejez ateo", "second half: gaffe")
    # or presented at its end, never words of a sentence ("also: I want to secure my
    # account and restore access", "someone stole my funds, help!", where "also", "want",
    # "account", "someone" and "help" are list words: the 0.11.13 trial saw that sentence
    # stored as four redactions).
    if 2 * len(run) >= len(tokens) and not _common_short_words(run):
        return True  # "vejez ateo"; not "please help", "thank you"
    # … or presented at the end: "the last two words are …", "forgot the last one: …".
    ends = not any(token.start >= run.end for token in tokens)
    return ends and _PRESENTED_REST.search(text, max(0, run.start - 12), run.start) is not None


def _without_list_mark(lead: str) -> str:
    """`lead` without the list mark it ends with. Only its end is searched: the pattern
    tried at every position of a long run of spaces took seconds (0.11.13 review)."""
    cut = max(0, len(lead) - 64)
    return lead[:cut] + _LIST_MARK.sub("", lead[cut:])


_LONE_WORDS = 2
_LEAD_READ = 128


def _an_aside(text: str, tokens: list[Token]) -> bool:
    """A short message that gives nothing and asks nothing: "wait", "attendez", "peraí",
    "đợi xíu", "等一下", "稍等一下我去拿纸条"."""
    return (0 < len(tokens) <= _ASIDE_WORDS and "?" not in text and "？" not in text
            and not any(c.isdigit() for c in text)
            and sum(len(t.text) for t in tokens if _CJK_TOKEN.match(t.text)) <= _ASIDE_CJK)


_CJK_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_ASIDE_CJK = 10  # characters: "稍等一下我去拿纸条" is an aside, a sentence is not
_ASIDE_WORDS = 6  # "wait what do I do now"; not "ok thanks, and what are the fees?"
_ASIDE_LETTERS = 5
_LIST_MARK = re.compile(r"[ \t•*\-]*(?:#?\d{1,2}\s*[.)\]]?)?[ \t•*\-]*$")


def _held_back(f: Folded, runs: list[Run], tokens: list[Token], spans: list[Span],
               context: bool, before: list[Run]) -> Run | None:
    """The run of seed words to hold back for the next message: one that ends the message
    (a few words may follow: "… is this safe?") and may be the first part of a phrase,
    or, while earlier words are held, one that goes on with their list anywhere."""
    ending, going_on = [], []
    token_starts = [token.start for token in tokens]
    for run in (_after_introduction(f, run) for run in runs):
        start, end = f.span(run.start, run.end)
        # A run that a phrase found here covers even in part: the words beyond the phrase
        # go on with the sentence ("<12 words> can you restore my wallet?", see trimmed).
        if any(s.start <= start and end <= s.end for s in spans) or any(
                s.kind == SEED_PHRASE and s.start < end and start < s.end for s in spans):
            continue
        after = len(tokens) - bisect.bisect_left(token_starts, run.end)
        # What comes before, less a list mark ("\n1.heart 2.anchor …"); a numbered list
        # presents its words as much as a colon does.
        # (Only its end is read: the whole lead per run made long texts quadratic.)
        lead = _without_list_mark(f.text[max(0, run.start - _LEAD_READ):run.start])
        in_a_list = listed(f.text, run)
        named = _NAMED_AS_WORDS.search(lead) is not None  # "la phrase c'est control …"
        introduced = lead.endswith((":", "\n")) or in_a_list or named
        presented = after <= 1 and (lead.endswith(":") or in_a_list or named)
        if after <= 4 and worth_withholding(run, len(tokens), context or introduced,
                                            presented):
            ending.append(run)
        elif context and len(run) == len(tokens) <= _LONE_WORDS and "?" not in f.text:
            # "here is my seed phrase", then a word or two a message (0.11.13 review: all
            # twelve stored in clear): in a conversation about a seed, a message of list
            # words only is held like a phrase's first part.
            ending.append(run)
        # Going on with held words: three random-looking words, or most of the message.
        random_words = len(run) >= 3 and not run.wordlist.reads_like_a_sentence(
            run.best_positions())
        if any(r.wordlist is run.wordlist for r in before) and (
                random_words or 2 * len(run) >= len(tokens)):
            going_on.append(run)
    # The words that go on with the held ones come first in the message ("tide", then
    # "sent too early sorry").
    if going_on:
        return min(going_on, key=lambda run: run.start)
    return max(ending, key=len, default=None)


# Words named right before them with an "is": "la phrase c'est …", "la frase è …", "the
# words are …" (folded text). "phrase" alone is no seed cue (it is also a sentence).
_NAMED_AS_WORDS = re.compile(
    r"(?<!\w)(?:phrase|frase|seed|mnemoni\w*|words|mots|palabras|parole|palavras|worter)"
    r"\s+(?:c\s?est|is|are|es|e|est|ist|sind|sont|son|sono|sao|era)\s*$")


def _after_introduction(f: Folded, run: Run) -> Run:
    """The run less the word or two before a colon or line break that only passed for
    typos of list words: in "Wörter 1-6: ritual | cactus …" or "em 2 partes\nfloor …",
    "worter" and "partes" are not the phrase's first words, and the colon or line break
    that presents the words is what marks them as held back."""
    for cut in range(1, min(3, len(run) - 1)):
        gap = f.text[run.tokens[cut - 1].end:run.tokens[cut].start]
        if ":" in gap or "\n" in gap or "：" in gap:
            if all(run.wordlist.exact(t.text) is None for t in run.tokens[:cut]):
                return Run(run.wordlist, run.tokens[cut:], run.candidates[cut:])
            break
    return run


# A phrase pasted as a numbered list: "1. " before its first word and a dangling "13."
# after its last (the rest comes in the next message) are part of it. Hidden with it,
# the stored text does not show where a list was cut or how long it was.
_NUMBER_BEFORE = re.compile(r"(?:^|(?<=[\s(\[:：]))#?\d{1,2}\s*[.)\]:：、\-–]?\s*$")
_NUMBER_AFTER = re.compile(r"\s+#?\d{1,2}\s*[.)\]:：、\-–]?(?=\s*$)")


def _numbered(text: str, start: int, end: int) -> tuple[int, int]:
    before = _NUMBER_BEFORE.search(text, max(0, start - 8), start)
    after = _NUMBER_AFTER.match(text, end)
    return (before.start() if before else start, after.end() if after else end)


def _merge(spans: list[Span]) -> list[Span]:
    """Overlapping spans become one; a secret outranks a withheld value."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            kind = last.kind if not last.withheld or span.withheld else span.kind
            merged[-1] = Span(last.start, max(last.end, span.end), kind)
        else:
            merged.append(span)
    return merged


def _redact(text: str, spans: list[Span]) -> str:
    out, cursor = [], 0
    for span in spans:
        out.append(text[cursor:span.start])
        label = "WITHHELD" if span.withheld else "REDACTED"
        out.append(f"[{label}:{span.kind}]")
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)


__all__ = [
    "API_SECRET", "OTP_CODE", "PASSWORD", "POSSIBLE_SEED", "PRIVATE_KEY", "SECRET_KINDS",
    "SEED_PHRASE", "UNCLEAR_HEX", "Carried", "SecretScan", "SecretScanner", "Span",
    "scan_of_redacted", "scan_safely", "still_secret",
]
