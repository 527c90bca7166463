"""The security-incident detector: is this message about an account being taken over, or
credentials or funds already handed to someone? Learned, multilingual, separate from the
intent: "someone trades with my API key" keeps intent `api_keys` and is still P1.

Trained on safety_data/incidents/ (labels takeover, gave_away, not_incident in twelve
languages, written around minimal pairs: "that login wasn't me" / "that login was me")
plus the intent data (account_hacked as takeover, everything but phishing_scam as
not_incident). Inputs: the sentence vector the pipeline already computed; character and
word n-grams of the folded text (spelling- and accent-proof; "not me", "was me"); and the
categories of resources/incident_cues.yml with the pairs that matter (not me × an account
event, gave × a secret, refused × a secret …), so the model can weigh agency and negation
that a sentence vector blurs. Its score is blended with a vote of the nearest training
messages by sentence vector (safety.incident_neighbour_*). The cut on P(incident) is
chosen on held-out data for a stated recall, never by hand: config
`safety.incident_cut`, chosen on the spent blind sets left out of training in turn
(bench/incident_folds.py), or else the cut that keeps `safety.incident_recall` of a
held-out part of the training data.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from bot.config import SafetySettings
from bot.nlu.cue_words import CJK_LETTERS, cue_file
from bot.nlu.entities import names_only
from bot.nlu.folding import fold
from bot.nlu.neighbours import similarity_vote, unit_rows
from bot.nlu.probabilities import softmax
from bot.nlu.tfidf import FastTfidf, GramViews

TAKEOVER = "takeover"
GAVE_AWAY = "gave_away"
NOT_INCIDENT = "not_incident"
INCIDENT_LABELS = (TAKEOVER, GAVE_AWAY, NOT_INCIDENT)

_CUES = Path(__file__).parent / "resources" / "incident_cues.yml"
_HELD_OUT = 0.15  # of the training data, to choose the fallback cut on
_TFIDF = {"sublinear_tf": True, "min_df": 2, "preprocessor": fold, "dtype": np.float32}
# Words of spaced scripts, and each CJK character on its own (no spaces to split on).
_WORDS = r"(?u)[^\W\d_\u3040-\u30ff\u3400-\u9fff]+|[\u3040-\u30ff\u3400-\u9fff]"
_SINGLE = ("not_me", "was_me", "refused", "event", "secret_object", "gave", "question",
           "someone", "loss", "sim", "automation", "false_alarm", "elsewhere")
_PAIRS = (("not_me", "event"), ("was_me", "event"), ("refused", "secret_object"),
          ("gave", "secret_object"), ("gave", "someone"), ("question", "secret_object"),
          ("question", "gave"), ("loss", "not_me"), ("refused", "gave"),
          ("was_me", "not_me"), ("sim", "event"))


def cue_file_fingerprint() -> str:
    """The cue file's content, for the model fingerprint (bot.nlu.training): its categories
    are the detector's features, so a model trained on other cue words reads them wrongly
    and is retrained, not loaded (until 0.11.21 an edited cue file went unnoticed)."""
    return hashlib.sha256(_CUES.read_bytes()).hexdigest()[:12]


def cue_patterns() -> dict[str, re.Pattern[str]]:
    """The incident cue categories (resources/incident_cues.yml), compiled, on folded text."""
    return cue_file(_CUES)


def floor(text: str) -> str | None:
    """The rule under the model: the plain statements no model may talk away — "not me"
    with an account event, someone else acting on the account ("someone withdrew my
    2 ETH"), or handing a secret to someone — when nothing says the user
    did it, refused, or only asks. 95% precise on the training data, so alone it only
    decides for models trained without incident data; otherwise it halves the cut."""
    patterns = cue_patterns()
    folded = fold(text)
    has = cues_present(folded, patterns)
    someone_did = patterns["someone_did"].search(folded) is not None
    # "I didn't click anything" beside "someone withdrew 2 BTC" denies the user's part, not
    # the stranger's: a refusal vetoes the rule only when no one else is said to have acted.
    if has["was_me"] or has["question"] or (has["refused"] and not someone_did):
        return None
    if has["not_me"] and has["event"]:
        return TAKEOVER
    if someone_did:  # "someone withdrew my 2 ETH"
        return TAKEOVER
    if has["gave"] and has["secret_object"] and has["someone"]:
        return GAVE_AWAY
    return None


# The intents of a trader's own money on its way (bot/taxonomy.py).
AWAITED_TRANSFER_INTENTS = frozenset(
    {"withdrawal_delay", "deposit_missing", "fiat_transfer", "earn_products"})
# What says that someone else did it: any of these keeps the detector's verdict.
_SOMEONE_ELSES = ("not_me", "stranger", "someone", "loss", "gave", "sim")


def awaited_own_transfer(text: str, intent: str, confidence: float, score: float,
                         settings: SafetySettings) -> bool:
    """True when a message the detector flags is a trader waiting for their own money:
    the intent model is sure of a transfer intent, the text says the money has not
    arrived, nothing says someone else moved it, and the detector is not sure either.
    Its sentence vector sits among "a withdrawal of 2 ETH I never made" (the product
    trial of 0.11.12: "my withdrawal of 2 ETH hasn't arrived" was P1 in four languages,
    and training pairs of both shapes did not move it), but a thief's withdrawal is never
    one its victim waits to receive."""
    if (intent not in AWAITED_TRANSFER_INTENTS
            or confidence < settings.awaited_transfer_confidence
            or score >= settings.awaited_transfer_keep_above):
        return False
    patterns = cue_patterns()
    folded = fold(text)
    # A "was me" the next words deny ("제가 한 거 아니에요") is a "not me" too.
    return (patterns["awaited"].search(folded) is not None
            and not any(patterns[name].search(folded) for name in _SOMEONE_ELSES)
            and not cues_present(folded, patterns)["not_me"])


# What says that something left the account or someone acted: any of these keeps the
# detector's verdict on a message about tokens that turned up.
_SOMETHING_LEFT = ("event", "loss", "someone", "gave", "sim", "secret_object")
# ... and what makes it another matter: someone acting, a transfer awaited, a token awaited,
# an official airdrop, a delisting, purchases (`dust_not`).
_NOT_DUST = ("someone_did", "awaited", "dust_not")


def unasked_tokens_only(text: str, score: float, settings: SafetySettings) -> bool:
    """True when a message is about tokens nobody asked for that turned up in the wallet
    ("des jetons 'AIRDROP-USDT' sont apparus, je les ai pas achetés", "钱包里多了一堆不认识
    的币，是不是被黑了？"), and says nothing of anything leaving the account: no login,
    withdrawal, password or balance (`event`), no loss, no one acting, no secret named or
    handed over, no SIM, nothing awaited, and the detector is not sure either. Dust and scam
    airdrops arrive unasked in every wallet; what they risk is a click on their link,
    which the answer warns of. "Not mine" and "unknown" describe the token there, so they
    do not keep the page; "and my USDT is gone" does."""
    if score >= settings.unasked_tokens_keep_above:
        return False
    patterns = cue_patterns()
    # "The rest of my balance is still there", "是不是被盗了？": said of the account, these
    # hold balance and theft words that would otherwise keep the page.
    folded = patterns["dust_nothing_left"].sub(" ", fold(text))
    if not (patterns["dust_token"].search(folded) and patterns["dust_arrived"].search(folded)):
        return False
    if any(patterns[name].search(folded) for name in _NOT_DUST):
        return False
    present = cues_present(folded, patterns)
    return not any(present[name] for name in _SOMETHING_LEFT)


@dataclass(frozen=True)
class IncidentJudgement:
    kind: str | None  # TAKEOVER, GAVE_AWAY, or None: not an incident
    score: float  # P(incident), what the cut was applied to


def cues_present(folded: str, patterns: dict[str, re.Pattern[str]]) -> dict[str, bool]:
    """Which of the single cue categories the folded text holds, once six kinds of match
    that say something else are set aside:
    - a "was me" that a "not me" begins before and runs into: Chinese writes "not me" as
      不是我 around 是我 ("it was me"), 非本人操作 around 本人操作, Spanish "no fui yo" around
      "fui yo". Read as both, "it was me" vetoed the rule under the model (`floor`) for
      the commonest ways of saying "that withdrawal was not me" (until 0.11.21);
    - a "not me" inside a notice's wording or a "not yet" (`not_me_quoted`: 如非本人操作
      in every login SMS, "if you did not request this", "todavía no solicité");
    - a question particle that is something else (`question_not`: Spanish "¿por qué a mí?",
      Japanese もし inside 何もしてない);
    - a handing-over verb inside other words (`gave_not`: Vietnamese "đăng nhập", log in);
    - an alarm said not to be false (`false_alarm_not`: "not a false alarm", "誤報じゃない");
    - a Chinese, Japanese or Korean "was me" that the words after it deny ("제가 한 거
      아니에요", "我自己从来没加过", "自分で作ってない"): a "not me" (`_denied_after`), unless
      a notice says it (`not_me_quoted`: "본인이 아닌 경우")."""
    present = {name: patterns[name].search(folded) is not None for name in _SINGLE}
    denied_after = False
    if present["was_me"]:
        matches = list(patterns["was_me"].finditer(folded))
        denied = [_denied_after(folded, m, patterns) for m in matches]
        standing = [m for m, no in zip(matches, denied, strict=True) if not no]
        # A notice's "본인이 아닌 경우" (if it wasn't you) denies nobody's act.
        quoted = _spans(patterns["not_me_quoted"], folded)
        denied_after = any(no and not _inside(m, quoted)
                           for m, no in zip(matches, denied, strict=True))
        present["was_me"] = bool(standing) and (
            not present["not_me"] or _was_me_undenied(folded, patterns, standing))
    if present["not_me"]:
        present["not_me"] = _outside(patterns["not_me"], patterns["not_me_quoted"], folded,
                                     excused=lambda match: _no_denial(folded, match, patterns))
    present["not_me"] = present["not_me"] or denied_after
    if present["question"]:
        present["question"] = _outside(patterns["question"], patterns["question_not"], folded)
    if present["gave"]:
        present["gave"] = _outside(patterns["gave"], patterns["gave_not"], folded)
    if present["false_alarm"]:
        present["false_alarm"] = _outside(patterns["false_alarm"], patterns["false_alarm_not"],
                                          folded)
    return present


def _was_me_undenied(folded: str, patterns: dict[str, re.Pattern[str]],
                     was_me: list[re.Match[str]]) -> bool:
    """A "was me" (of `was_me`, in text order) that no "not me" begins at or before and
    reaches. A denied match widens its denial, so 不是我自己本人操作 (是我自己, then 本人操作)
    is denied whole; one that only shares a pronoun with a later "not me" stands
    (新设备登录那是我没错: 那是我, then 我没)."""
    denied = [m.span() for m in patterns["not_me"].finditer(folded)]
    for match in was_me:
        start, end = match.span()
        hit = next((i for i, (d_start, d_end) in enumerate(denied)
                    if d_start <= start <= d_end), None)
        if hit is None:
            return True
        denied[hit] = (denied[hit][0], max(denied[hit][1], end))
    return False


_DENIAL_REACH = 8  # characters after a "was me" where a Japanese negation denies it
_NEXT_REACH = 24  # characters read after it for a negation that comes next ("có rút tiền đâu")
_CLAUSE_END = re.compile(r"[.!?,;。！？，、；\n]")
_UNSPACED_LETTER = re.compile(f"[{CJK_LETTERS}]")


def _denied_after(folded: str, match: re.Match[str], patterns: dict[str, re.Pattern[str]]) -> bool:
    """A Chinese, Japanese or Korean "was me" whose own clause goes on to deny it. Chinese
    and Korean put the negation right after ("我自己从来没加过", "제가 한 거 아니에요"; not
    "是我提的还没到账", where it belongs to the arrival, nor "那是我没错"); Japanese within a
    few characters, at the verb's end ("自分で作ってない"). Latin-script denials are phrases
    of `not_me` instead: "it was me, not a hacker" has its "not" after too. Vietnamese is
    the one Latin script read here: "là em" then "có rút đâu" ("em nhớ là em có rút đâu",
    I remember I never withdrew), the only Latin words `was_me_denied_next` holds."""
    clause = _CLAUSE_END.split(folded[match.end():match.end() + _NEXT_REACH], maxsplit=1)[0]
    if _UNSPACED_LETTER.search(match.group()) and patterns["was_me_denied_near"].search(
            clause[:_DENIAL_REACH]):
        return True
    tail = clause.lstrip()
    return (patterns["was_me_denied_next"].match(tail) is not None
            and patterns["was_me_affirmed"].match(tail) is None)


def _outside(cue: re.Pattern[str], context: re.Pattern[str], folded: str,
             excused: Callable[[re.Match[str]], bool] = lambda match: False) -> bool:
    """A match of `cue` that lies inside no match of `context` and is not `excused`."""
    spans = _spans(context, folded)
    return any(not excused(m) and not _inside(m, spans) for m in cue.finditer(folded))


def _spans(pattern: re.Pattern[str], folded: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(folded)]


def _inside(match: re.Match[str], spans: list[tuple[int, int]]) -> bool:
    return any(start <= match.start() and match.end() <= end for start, end in spans)


# A Vietnamese "not me" is a pronoun and a negation ("em ko", "tôi không"); its clause ends
# at punctuation or at a conjunction that starts another ("nhưng", "thì", "sao"; not "mà",
# which folds to "ma" like "mã", the code in "em ko nhập mã được").
_VI_NEGATION_END = re.compile(r"\b(?:ko|khong)$")
_VI_CLAUSE_END = re.compile(r"[.!?,;\n]|\b(?:nhung|thi|sao)\b")
_NO_DENIAL_REACH = 30  # characters read after the negation: "ko đăng nhập app vào được"


def _no_denial(folded: str, match: re.Match[str], patterns: dict[str, re.Pattern[str]]) -> bool:
    """A Vietnamese "em ko …" that denies nothing, by the words its clause goes on to
    (`not_me_no_denial_next`): "được", an inability ("em ko rút được", I can't withdraw; a
    lost phone's "mình ko đăng nhập app được" read as a denial took 0.327 to 0.471 in
    0.11.27, and 0.11.28 listed 78 such phrases instead); "nữa", no longer ("số cũ em ko
    dùng nữa", I don't use the old number any more); "hiểu", I don't understand. Not when
    another clause holds the word: "em ko rút, sao tiền bị rút được?"."""
    if not _VI_NEGATION_END.search(match.group()):
        return False
    clause = _VI_CLAUSE_END.split(folded[match.end():match.end() + _NO_DENIAL_REACH],
                                  maxsplit=1)
    return patterns["not_me_no_denial_next"].search(clause[0]) is not None


def cue_features(texts: Sequence[str]) -> sparse.csr_matrix:
    patterns = cue_file(_CUES)
    rows = []
    for text in texts:
        present = cues_present(fold(text), patterns)
        rows.append([float(present[name]) for name in _SINGLE]
                    + [float(present[a] and present[b]) for a, b in _PAIRS])
    return sparse.csr_matrix(np.array(rows, dtype=np.float32).reshape(len(texts), -1))


class IncidentDetector(GramViews):
    def __init__(self, settings: SafetySettings):
        self.settings = settings
        self.model = LogisticRegression(C=settings.incident_C, max_iter=3000,
                                        class_weight="balanced", random_state=0)
        # Three views of the folded text: letters within words (spelling-proof), letters
        # across words ("t me" of "wasn't me"), and words and word pairs ("not me",
        # "was me", "no fui").
        self.grams = [
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), **_TFIDF),
            TfidfVectorizer(analyzer="char", ngram_range=(3, 5), max_features=60_000,
                            **_TFIDF),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=_WORDS,
                            **_TFIDF),
        ]
        self.fast: list[FastTfidf] = []  # the fitted vectorizers, without sklearn's checks
        # The vote of the nearest training messages: their unit sentence vectors (saved as
        # float16, half the size on disk; float32 in memory) and whether each was an
        # incident. All of them, the intent examples included: without those, a reply as
        # short as "没用" or "ok" found only incidents among its nearest messages.
        self.memory: np.ndarray | None = None
        self.memory_incident: np.ndarray | None = None
        self.cut = 0.5
        self.heldout_recall: float | None = None
        self.heldout_false_alarms: float | None = None

    def extra_features(self, texts: Sequence[str]) -> list[sparse.csr_matrix]:
        return [cue_features(texts) * self.settings.incident_cue_weight]

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        if self.memory is not None:
            state["memory"] = self.memory.astype(np.float16)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        memory = state.get("memory")
        self.memory = None if memory is None else memory.astype(np.float32)

    def fit(self, texts: Sequence[str], vectors: np.ndarray, labels: Sequence[str]) -> None:
        """Choose the cut on a stratified held-out part of the training data (a model
        fitted on the rest), then fit on everything."""
        labels = list(labels)
        fit_rows, held_rows = train_test_split(
            np.arange(len(labels)), test_size=_HELD_OUT, random_state=0, stratify=labels)
        trial = IncidentDetector(self.settings)
        trial.fit_once([texts[i] for i in fit_rows], vectors[fit_rows],
                       [labels[i] for i in fit_rows])
        scores = trial.incident_probability([texts[i] for i in held_rows], vectors[held_rows])
        positive = np.array([labels[i] != NOT_INCIDENT for i in held_rows])
        self.cut = choose_cut(scores[positive], self.settings.incident_recall)
        self.heldout_recall = float((scores[positive] >= self.cut).mean())
        self.heldout_false_alarms = float((scores[~positive] >= self.cut).mean())
        self.fit_once(texts, vectors, labels)

    def fit_once(self, texts: Sequence[str], vectors: np.ndarray,
                 labels: Sequence[str]) -> None:
        """The linear model and the neighbours' memory, without choosing a cut."""
        self.model.fit(self._features(texts, vectors, fit=True), list(labels))
        self.memory = unit_rows(vectors)
        self.memory_incident = (np.asarray(labels, dtype=object)
                                != NOT_INCIDENT).astype(np.float32)

    def _probabilities(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        return softmax(self.logits(texts, vectors))

    def _neighbour_vote(self, vectors: np.ndarray) -> np.ndarray | None:
        """The share of incidents among the nearest remembered messages, each weighted
        by exp(similarity / temperature) relative to the nearest."""
        memory = self.memory
        if memory is None or not len(memory) or self.memory_incident is None or not (
                self.settings.incident_neighbour_weight):
            return None
        return similarity_vote(unit_rows(vectors) @ memory.T, self.memory_incident,
                               self.settings.incident_neighbours,
                               self.settings.incident_neighbour_temperature)

    def _scores(self, probs: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """P(incident): the linear model's, blended with the neighbours' vote."""
        calm = list(self.model.classes_).index(NOT_INCIDENT)
        linear = 1.0 - probs[:, calm]
        vote = self._neighbour_vote(vectors)
        if vote is None:
            return np.asarray(linear)
        weight = self.settings.incident_neighbour_weight
        return np.asarray((1.0 - weight) * linear + weight * vote)

    def incident_probability(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        if not len(texts):
            return np.zeros(0)
        return self._scores(self._probabilities(texts, vectors), vectors)

    def judge(self, texts: Sequence[str], vectors: np.ndarray,
              cut: float | None = None) -> list[IncidentJudgement]:
        """Verdicts at `cut` (config `safety.incident_cut`), else at the trained cut."""
        cut = self.cut if cut is None else cut
        if not len(texts):
            return []
        probs = self._probabilities(texts, vectors)
        scores = self._scores(probs, vectors)
        classes = list(self.model.classes_)
        takeover, gave = classes.index(TAKEOVER), classes.index(GAVE_AWAY)
        judgements = []
        for text, row, blended in zip(texts, probs, scores, strict=True):
            score = float(blended)
            by_rule = floor(text) if score < cut else None
            if names_only(text):
                # "USDT" alone reports nothing, though its letters and its neighbours lean
                # to the incidents that name the coin (0.405 once: a false P1).
                kind = None
            elif score >= cut or (by_rule is not None and score >= cut / 2):
                kind = TAKEOVER if row[takeover] >= row[gave] else GAVE_AWAY
            else:
                kind = None
            judgements.append(IncidentJudgement(kind, round(score, 4)))
        return judgements


def choose_cut(positive_scores: np.ndarray, recall: float) -> float:
    """The highest cut that keeps at least `recall` of the incidents above it."""
    if not len(positive_scores):
        return 0.5
    ordered = np.sort(positive_scores)
    missed = int(np.floor((1.0 - recall) * len(ordered)))
    return float(np.floor(ordered[missed] * 1e4) / 1e4)
