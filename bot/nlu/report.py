"""`supportbot evaluate --report DIR`: the evaluation as files people look at.

Written from the cases, their understandings and the figures of `evaluate`; nothing is
parsed again. Only `Understanding.text`, the redacted text, is ever written: a case's
own text may hold a pasted password or seed phrase. Every piece of user text in the HTML
page is escaped, since a message may be written by an attacker to be read by an agent.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.nlu.evaluation import Case, wilson_interval
from bot.nlu.understanding import EMPTY, NO_TEXT, UNFAMILIAR, Understanding
from bot.taxonomy import OUT_OF_SCOPE

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

IMAGES = {
    "intent_confusion_matrix.png": "Intent confusion matrix (rows: expected, columns: predicted)",
    "intent_histogram.png": "Confidence of right and wrong predictions",
    "per_language.png": "Intent accuracy per language, 95 % Wilson intervals",
    "oos_tradeoff.png": "Out-of-scope trade-off over the confidence cut",
}
_DPI = 100  # with the figure sizes below: readable labels, PNGs well under 300 KB


@dataclass(frozen=True)
class Labelled:
    """One case with an expected intent, and what the understanding made of it."""

    number: int  # 1-based position among the cases, to find it in the file
    case: Case
    result: Understanding

    @property
    def expected(self) -> str:
        assert self.case.intent is not None
        return self.case.intent

    @property
    def right(self) -> bool:
        return self.expected == self.result.intent


def write_report(out: Path, cases: Sequence[Case], results: Sequence[Understanding],
                 figures: Mapping[str, Any], threshold: float, source: str = "") -> list[Path]:
    """Write the report's files into `out` (created if missing); returns their paths.
    `figures`: what `evaluate` returned for the same cases; `threshold`: the model's
    out-of-scope cut on the confidence."""
    out.mkdir(parents=True, exist_ok=True)
    labelled = labelled_cases(cases, results)
    report = intent_report(labelled)
    errors = intent_errors(labelled)
    languages = language_rows(labelled)
    written = [_write_json(out / "intent_report.json", report),
               _write_json(out / "intent_errors.json", errors)]
    plots = {
        "intent_confusion_matrix.png": lambda: _plot_confusion(labelled),
        "intent_histogram.png": lambda: _plot_histogram(labelled, threshold),
        "per_language.png": lambda: _plot_languages(languages, figures.get("intent_accuracy")),
        "oos_tradeoff.png": lambda: _plot_tradeoff(
            oos_sweep(labelled, threshold), threshold,
            sum(item.expected == OUT_OF_SCOPE for item in labelled)),
    }
    for name, draw in plots.items():
        written.append(_save(draw(), out / name))
    page = _html(figures, report, languages, errors, threshold, source)
    (out / "index.html").write_text(page, encoding="utf-8")
    written.append(out / "index.html")
    return written


def labelled_cases(cases: Sequence[Case], results: Sequence[Understanding]) -> list[Labelled]:
    """The cases with an expected intent: only they count for the intent figures."""
    return [Labelled(number, case, result) for number, (case, result)
            in enumerate(zip(cases, results, strict=True), start=1)
            if case.intent is not None]


def _write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


# --- the figures ------------------------------------------------------------------------

def _labels(labelled: Sequence[Labelled]) -> list[str]:
    """Every intent expected or predicted, out_of_scope included, in name order."""
    return sorted({item.expected for item in labelled} | {item.result.intent
                                                          for item in labelled})


def intent_report(labelled: Sequence[Labelled]) -> dict[str, Any]:
    """Precision, recall, F1 and support per intent, as rasa's intent_report.json (and
    scikit-learn's classification_report) writes them, plus the top confusions."""
    from sklearn.metrics import precision_recall_fscore_support

    labels = _labels(labelled)
    if not labelled:
        return {"accuracy": None}
    expected = [item.expected for item in labelled]
    predicted = [item.result.intent for item in labelled]
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=labels, zero_division=0)
    report: dict[str, Any] = {}
    for i, label in enumerate(labels):
        confused = Counter(p for e, p in zip(expected, predicted, strict=True)
                           if e == label and p != label)
        report[label] = {"precision": round(float(precision[i]), 4),
                         "recall": round(float(recall[i]), 4),
                         "f1-score": round(float(f1[i]), 4), "support": int(support[i]),
                         "confused_with": dict(confused.most_common(3))}
    # Rounded as evaluate rounds intent_accuracy, so the two read the same.
    report["accuracy"] = round(sum(item.right for item in labelled) / len(labelled), 4)
    # Macro: every intent counts the same (predicted-only intents too, as scikit-learn
    # does); weighted: by support.
    scores = np.vstack([precision, recall, f1])
    averages = {"macro avg": scores.mean(axis=1),
                "weighted avg": scores @ (support / support.sum())}
    for name, (p, r, f) in averages.items():
        report[name] = {"precision": round(float(p), 4), "recall": round(float(r), 4),
                        "f1-score": round(float(f), 4), "support": len(labelled)}
    return report


def intent_errors(labelled: Sequence[Labelled]) -> list[dict[str, Any]]:
    """Every wrong case, in file order, with its redacted text only."""
    return [{"case": item.number, "text": item.result.text, "lang": item.case.lang,
             "detected_lang": item.result.lang, "intent": item.expected,
             "intent_prediction": {"name": item.result.intent,
                                   "confidence": item.result.confidence},
             "flags": list(item.result.flags)}
            for item in labelled if not item.right]


@dataclass(frozen=True)
class LanguageRow:
    lang: str
    n: int  # cases of this language with an expected intent
    hits: int

    @property
    def accuracy(self) -> float:
        return self.hits / self.n

    @property
    def ci95(self) -> list[float]:
        interval = wilson_interval(self.hits, self.n)
        assert interval is not None  # n > 0 for every row
        return interval


def language_rows(labelled: Sequence[Labelled]) -> list[LanguageRow]:
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for item in labelled:
        if item.case.lang:
            totals[item.case.lang] += 1
            hits[item.case.lang] += item.right
    return [LanguageRow(lang, totals[lang], hits[lang]) for lang in sorted(totals)]


def _decision_at(result: Understanding, cut: float) -> str:
    """The intent the pipeline would give with `cut` as its threshold. Empty messages,
    those with no words and those unlike any training example are out of scope whatever
    the cut (see NLU._finish); the rest keep their top guess when it reaches the cut."""
    if not result.ranking or {EMPTY, NO_TEXT, UNFAMILIAR} & set(result.flags):
        return OUT_OF_SCOPE
    return result.ranking[0].intent if result.confidence >= cut else OUT_OF_SCOPE


def oos_sweep(labelled: Sequence[Labelled], threshold: float) -> dict[str, np.ndarray]:
    """Out-of-scope recall and precision and in-scope accuracy for each cut on the
    confidence, on a grid that includes the shipped threshold. NaN where undefined."""
    cuts = np.unique(np.append(np.linspace(0.0, 1.0, 101), threshold))
    expected = np.array([item.expected for item in labelled], dtype=object)
    outside = expected == OUT_OF_SCOPE
    rows = []
    for cut in cuts:
        decided = np.array([_decision_at(item.result, float(cut)) for item in labelled],
                           dtype=object)
        said_out = decided == OUT_OF_SCOPE
        right = decided == expected
        rows.append((_share(said_out[outside]), _share(outside[said_out]),
                     _share(right[~outside])))
    recall, precision, accuracy = (np.array(column, dtype=float) for column in zip(*rows,
                                                                                  strict=True))
    return {"cut": cuts, "oos_recall": recall, "oos_precision": precision,
            "in_scope_accuracy": accuracy}


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if flags.size else float("nan")


# --- the images -------------------------------------------------------------------------

def _figure(width: float, height: float) -> Figure:
    # A Figure without pyplot: no backend to choose, no GUI, no global list of open
    # figures to leak; savefig renders with Agg. Imported here so that the CLI starts fast.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _save(figure: Figure, path: Path) -> Path:
    figure.savefig(path, dpi=_DPI, metadata={"Software": None})  # same bytes for same data
    return path


def _no_data(ax: Axes) -> None:
    ax.text(0.5, 0.5, "no labelled cases", ha="center", va="center",
            transform=ax.transAxes)


def _plot_confusion(labelled: Sequence[Labelled]) -> Figure:
    from sklearn.metrics import confusion_matrix

    labels = _labels(labelled)
    side = max(5.0, 3.0 + 0.38 * len(labels))  # about 0.4 inch a row keeps labels apart
    figure = _figure(side + 1.0, side)
    ax = figure.add_subplot()
    if not labelled:
        _no_data(ax)
        return figure
    matrix = confusion_matrix([item.expected for item in labelled],
                              [item.result.intent for item in labelled], labels=labels)
    # Coloured by the share of each row (recall), so a small intent's errors show as much
    # as a large one's; the cells say the counts.
    rows = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, rows, out=np.zeros(matrix.shape), where=rows > 0)
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    figure.colorbar(image, ax=ax, shrink=0.6, label="share of the expected intent")
    for (row, column), count in np.ndenumerate(matrix):
        if count:
            ax.text(column, row, str(count), ha="center", va="center", fontsize=8,
                    color="white" if shares[row, column] > 0.6 else "black")
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, labels, rotation=60, ha="right", rotation_mode="anchor", fontsize=9)
    ax.set_yticks(ticks, labels, fontsize=9)
    ax.set_xlabel("predicted intent")
    ax.set_ylabel("expected intent")
    ax.set_title(f"Intent confusion matrix ({len(labelled)} cases)")
    return figure


def _plot_histogram(labelled: Sequence[Labelled], threshold: float) -> Figure:
    # Two panels, each with its own scale: right predictions outnumber wrong ones twenty
    # to one, and on a shared axis the wrong ones would not show.
    figure = _figure(8.0, 5.5)
    panels = figure.subplots(2, 1, sharex=True)
    bins = [i / 20 for i in range(21)]  # twenty bins of 0.05
    for ax, right, colour in ((panels[0], True, "#2e7d32"), (panels[1], False, "#c62828")):
        values = [item.result.confidence for item in labelled if item.right is right]
        ax.hist(values, bins=bins, color=colour, edgecolor="white")
        ax.axvline(threshold, color="black", linestyle="--",
                   label=f"out-of-scope threshold {threshold:.3f}")
        ax.set_ylabel("cases")
        ax.set_title(f"{'right' if right else 'wrong'} predictions ({len(values)})",
                     fontsize=10)
        ax.legend(loc="upper left", fontsize=8)
    panels[1].set_xlim(0.0, 1.0)
    panels[1].set_xlabel("confidence of the top intent")
    figure.suptitle("Confidence of right and wrong predictions")
    return figure


def _plot_languages(rows: Sequence[LanguageRow], overall: float | None) -> Figure:
    figure = _figure(max(6.0, 1.0 + 0.7 * len(rows)), 4.5)
    ax = figure.add_subplot()
    if not rows:
        _no_data(ax)
        return figure
    positions = np.arange(len(rows))
    accuracy = np.array([row.accuracy for row in rows])
    low = np.array([row.ci95[0] for row in rows])
    high = np.array([row.ci95[1] for row in rows])
    # Rounding of the interval can put an end a hair past the share: no negative bars.
    errors = np.clip(np.vstack([accuracy - low, high - accuracy]), 0.0, None)
    ax.bar(positions, accuracy, color="#1565c0", yerr=errors, capsize=4,
           error_kw={"ecolor": "black", "elinewidth": 1})
    if overall is not None:
        ax.axhline(overall, color="grey", linestyle=":", label=f"all languages {overall:.3f}")
        figure.legend(loc="outside upper right")  # inside, it would cover a bar
    ax.set_xticks(positions, [f"{row.lang}\nn={row.n}" for row in rows])
    ax.set_ylim(0.0, 1.05)
    ax.set_ylabel("intent accuracy")
    ax.set_title("Intent accuracy per language (95 % Wilson intervals)")
    return figure


def _plot_tradeoff(sweep: Mapping[str, np.ndarray], threshold: float,
                   out_of_scope: int) -> Figure:
    figure = _figure(11.0, 4.5)
    # Few out-of-scope cases make a coarse recall curve: the title says how few.
    figure.suptitle(f"Out-of-scope trade-off ({out_of_scope} out-of-scope cases)")
    by_cut, curve = figure.subplots(1, 2)
    cuts = sweep["cut"]
    for key, label, colour in (("oos_recall", "out-of-scope recall", "#c62828"),
                               ("oos_precision", "out-of-scope precision", "#ef6c00"),
                               ("in_scope_accuracy", "in-scope accuracy", "#1565c0")):
        by_cut.plot(cuts, sweep[key], label=label, color=colour)
    by_cut.axvline(threshold, color="black", linestyle="--",
                   label=f"shipped threshold {threshold:.3f}")
    by_cut.set_xlim(0.0, 1.0)
    by_cut.set_ylim(0.0, 1.02)
    by_cut.set_xlabel("confidence cut (below it: out of scope)")
    by_cut.set_title("Figures by cut")
    by_cut.legend(loc="lower left", fontsize=8)
    curve.plot(sweep["in_scope_accuracy"], sweep["oos_recall"], color="#6a1b9a")
    shipped = int(np.argmin(np.abs(cuts - threshold)))
    curve.plot(sweep["in_scope_accuracy"][shipped], sweep["oos_recall"][shipped], "o",
               color="black", label=f"shipped threshold {threshold:.3f}")
    curve.set_xlim(0.0, 1.02)
    curve.set_ylim(0.0, 1.02)
    curve.set_xlabel("in-scope accuracy")
    curve.set_ylabel("out-of-scope recall")
    curve.set_title("Trade-off (each point a cut)")
    curve.legend(loc="lower left", fontsize=8)
    return figure


# --- the page ---------------------------------------------------------------------------

_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1400px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { max-width: 40em; white-space: pre-wrap; word-break: break-word; }
img { max-width: 100%; border: 1px solid #eee; margin-bottom: 1.5em; }
"""
# Nothing on the page may run or load from elsewhere, whatever a message says.
_POLICY = "default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'"


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _num(value: Any, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[tuple[str, str]]]) -> str:
    """Rows of (class, already escaped cell) pairs."""
    head = "".join(f"<th>{_esc(name)}</th>" for name in header)
    body = "".join("<tr>" + "".join(f'<td class="{css}">{cell}</td>' if css else
                                    f"<td>{cell}</td>" for css, cell in row)
                   + "</tr>\n" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>"


def _headline(figures: Mapping[str, Any], threshold: float) -> str:
    latency = figures.get("latency_ms") or {}
    interval = figures.get("intent_accuracy_ci95")
    ci = f" (95 % CI {interval[0]:.3f}–{interval[1]:.3f})" if interval else ""
    rows = [("cases (n)", str(figures.get("n", 0))),
            ("intent accuracy", _num(figures.get("intent_accuracy")) + ci),
            ("language accuracy", _num(figures.get("lang_accuracy"))),
            ("urgency accuracy", _num(figures.get("urgency_accuracy"))),
            ("P1 recall", _num(figures.get("p1_recall"))),
            ("in-scope accuracy", _num(figures.get("in_scope_accuracy"))),
            ("out-of-scope recall", _num(figures.get("oos_recall"))),
            ("out-of-scope precision", _num(figures.get("oos_precision"))),
            ("FAQ hit@1", _num(figures.get("faq_hit_at_1"))),
            ("out-of-scope threshold", _num(threshold, 4)),
            ("latency ms p50 / p95 / p99", " / ".join(_num(latency.get(p), 1)
                                                      for p in ("p50", "p95", "p99")))]
    return _table(["figure", "value"], [[("", _esc(k)), ("num", _esc(v))] for k, v in rows])


def _language_table(figures: Mapping[str, Any], rows: Sequence[LanguageRow]) -> str:
    per_lang = figures.get("per_lang") or {}
    cells = []
    for row in rows:
        more = per_lang.get(row.lang, {})
        cells.append([("", _esc(row.lang)), ("num", str(row.n)),
                      ("num", _num(row.accuracy)),
                      ("num", f"{row.ci95[0]:.3f}–{row.ci95[1]:.3f}"),
                      *[("num", _num(more.get(key))) for key in
                        ("lang_accuracy", "urgency_accuracy", "p1_recall", "oos_recall")]])
    return _table(["language", "n", "intent accuracy", "95 % Wilson interval",
                   "language accuracy", "urgency accuracy", "P1 recall",
                   "out-of-scope recall"], cells)


def _intent_table(report: Mapping[str, Any]) -> str:
    rows = [[("", _esc(name)), ("num", _num(v["precision"])), ("num", _num(v["recall"])),
             ("num", _num(v["f1-score"])), ("num", str(v["support"])),
             ("", _esc(", ".join(f"{k} ({n})" for k, n in v.get("confused_with", {}).items())))]
            for name, v in report.items() if isinstance(v, dict)]
    return _table(["intent", "precision", "recall", "F1", "support", "confused with"], rows)


def _error_table(errors: Sequence[Mapping[str, Any]]) -> str:
    rows = [[("num", str(e["case"])), ("", _esc(e["lang"])), ("", _esc(e["intent"])),
             ("", _esc(e["intent_prediction"]["name"])),
             ("num", _num(e["intent_prediction"]["confidence"])),
             ("", _esc(", ".join(e["flags"]))), ("text", _esc(e["text"]))] for e in errors]
    return _table(["case", "lang", "expected", "predicted", "confidence", "flags",
                   "redacted text"], rows)


def _html(figures: Mapping[str, Any], report: Mapping[str, Any],
          languages: Sequence[LanguageRow], errors: Sequence[Mapping[str, Any]],
          threshold: float, source: str) -> str:
    images = "\n".join(f'<h2>{_esc(title)}</h2>\n<img src="{_esc(name)}" alt="{_esc(title)}">'
                       for name, title in IMAGES.items())
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<title>supportbot evaluation</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>supportbot evaluation</h1>
<p>{_esc(source)}</p>
<h2>Headline figures</h2>
{_headline(figures, threshold)}
<h2>Per language</h2>
{_language_table(figures, languages)}
{images}
<h2>Per intent</h2>
{_intent_table(report)}
<h2>Wrong cases ({len(errors)})</h2>
<p>Redacted text as the pipeline returned it: secrets are replaced, never shown.</p>
{_error_table(errors)}
</body>
</html>
"""
