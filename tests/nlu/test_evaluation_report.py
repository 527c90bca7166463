"""`supportbot evaluate --report DIR`: the files, their figures agree with `evaluate`, and
neither a pasted secret nor a message's markup reaches the page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.nlu.evaluation import Case, evaluate_with_results, read_cases, wilson_interval
from bot.nlu.report import labelled_cases, oos_sweep, write_report
from tests.conftest import ROOT

PNG = b"\x89PNG\r\n\x1a\n"
FILES = ("intent_report.json", "intent_errors.json", "intent_confusion_matrix.png",
         "intent_histogram.png", "per_language.png", "oos_tradeoff.png", "index.html")
SECRET = "hunter2"
SCRIPT = "<script>alert(1)</script>"
# The tiny model knows greet, deposit_missing, withdrawal_delay, account_hacked and
# out_of_scope. The last three cases expect intents it was never taught, so they are
# wrong whatever it does: the secret and the markup are sure to reach the error list.
CASES = [
    {"text": "hello there", "lang": "en", "intent": "greet", "urgency": "P4"},
    {"text": "my deposit has not arrived yet", "lang": "en", "intent": "deposit_missing",
     "urgency": "P2"},
    {"text": "my withdrawal is stuck for hours", "lang": "en", "intent": "withdrawal_delay",
     "urgency": "P2"},
    {"text": "my account was hacked", "lang": "en", "intent": "account_hacked",
     "urgency": "P1"},
    {"text": "tell me a joke", "lang": "en", "intent": "out_of_scope", "urgency": "P4"},
    {"text": "充值没到账", "lang": "zh", "intent": "deposit_missing", "urgency": "P2"},
    {"text": "我的账户被黑了", "lang": "zh", "intent": "account_hacked", "urgency": "P1"},
    {"text": "今天天气怎么样", "lang": "zh", "intent": "out_of_scope", "urgency": "P4"},
    {"text": "hola", "lang": "es", "intent": "greet", "urgency": "P4"},
    {"text": "mi retiro está pendiente", "lang": "es", "intent": "withdrawal_delay",
     "urgency": "P2"},
    {"text": f"my password is {SECRET} please help", "lang": "en",
     "intent": "login_problem", "urgency": "P2"},
    {"text": f"{SCRIPT} my deposit is missing", "lang": "en", "intent": "kyc_verification",
     "urgency": "P3"},
    {"text": "how do I reset my 2fa", "lang": "en", "intent": "reset_2fa", "urgency": "P2"},
]


@pytest.fixture
def cases_file(tmp_path: Path) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in CASES),
                    encoding="utf-8")
    return path


def _every_byte(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in folder.iterdir())


def test_the_report_agrees_with_evaluate_and_hides_secrets(tiny_nlu, cases_file, tmp_path):  # type: ignore[no-untyped-def]
    cases = read_cases(cases_file)
    figures, results = evaluate_with_results(tiny_nlu, cases)
    threshold = tiny_nlu.classifier.calibration.threshold
    out = tmp_path / "report" / "nested"  # created, parents too
    write_report(out, cases, results, figures, threshold, "tiny model")

    for name in FILES:
        assert (out / name).is_file(), name
    for name in FILES:
        if name.endswith(".png"):
            assert (out / name).read_bytes().startswith(PNG), name

    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    per_intent = {k: v for k, v in report.items() if k not in
                  ("accuracy", "macro avg", "weighted avg")}
    assert sum(v["support"] for v in per_intent.values()) == len(CASES)
    assert report["accuracy"] == figures["intent_accuracy"]
    assert report["weighted avg"]["recall"] == pytest.approx(report["accuracy"], abs=1e-4)
    assert per_intent["reset_2fa"]["recall"] == 0.0 and per_intent["reset_2fa"]["support"] == 1

    errors = json.loads((out / "intent_errors.json").read_text(encoding="utf-8"))
    wrong = [(number, result.text, result.intent) for number, (case, result)
             in enumerate(zip(cases, results, strict=True), start=1)
             if case.intent != result.intent]
    assert [(e["case"], e["text"], e["intent_prediction"]["name"]) for e in errors] == wrong
    assert {13, 12, 11} <= {e["case"] for e in errors}

    # The secret is redacted everywhere, in the images' text too; the markup is escaped.
    assert SECRET not in results[10].text
    assert SECRET.encode() not in _every_byte(out)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "http://" not in page and "https://" not in page  # nothing loaded from elsewhere
    for name in FILES[2:6]:
        assert f'src="{name}"' in page


def test_the_sweep_meets_the_pipeline_at_the_shipped_threshold(tiny_nlu, cases_file):  # type: ignore[no-untyped-def]
    cases = read_cases(cases_file)
    figures, results = evaluate_with_results(tiny_nlu, cases)
    threshold = tiny_nlu.classifier.calibration.threshold
    sweep = oos_sweep(labelled_cases(cases, results), threshold)
    at = int(np.flatnonzero(sweep["cut"] == threshold)[0])
    assert round(float(sweep["oos_recall"][at]), 4) == figures["oos_recall"]
    assert round(float(sweep["in_scope_accuracy"][at]), 4) == figures["in_scope_accuracy"]
    assert sweep["in_scope_accuracy"][0] >= sweep["in_scope_accuracy"][-1]  # a cut only takes


def test_wilson_interval() -> None:
    assert wilson_interval(0, 0) is None
    assert wilson_interval(5, 10) == [0.2366, 0.7634]
    assert wilson_interval(10, 10) == [0.7225, 1.0]
    assert wilson_interval(0, 10) == [0.0, 0.2775]


def test_the_command_writes_the_report_and_keeps_its_json(tiny_model_dir, cases_file,
                                                          tmp_path, capsys):  # type: ignore[no-untyped-def]
    from bot.cli import main

    out = tmp_path / "cli-report"
    code = main(["--config", str(ROOT / "config.yml"), "evaluate", "--cases", str(cases_file),
                 "--model", str(tiny_model_dir), "--json", "--report", str(out)])
    assert code == 0
    captured = capsys.readouterr()
    figures = json.loads(captured.out)  # still one JSON object: the notice goes to stderr
    assert "index.html" in captured.err
    for key in ("n", "intent_accuracy", "lang_accuracy", "oos_recall", "per_lang",
                "latency_ms", "confusions"):
        assert key in figures
    for lang, values in figures["per_lang"].items():
        low, high = values["intent_accuracy_ci95"]
        assert low <= values["intent_accuracy"] <= high, lang
    assert all((out / name).is_file() for name in FILES)
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    assert report["accuracy"] == figures["intent_accuracy"]


def test_a_report_without_labels_still_writes(tmp_path, tiny_nlu) -> None:  # type: ignore[no-untyped-def]
    cases = [Case("hello there", "en")]  # no intent: nothing to score, nothing to break
    figures, results = evaluate_with_results(tiny_nlu, cases)
    write_report(tmp_path, cases, results, figures, 0.5)
    assert json.loads((tmp_path / "intent_errors.json").read_text()) == []
    assert (tmp_path / "oos_tradeoff.png").read_bytes().startswith(PNG)
