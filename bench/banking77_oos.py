"""BANKING77-OOS: in-scope accuracy and out-of-scope recall/precision.

The cuts are chosen on valid/ only (in-scope), by the rule stored with the model: the
highest confidence cut and the highest similarity-to-training cut that together keep
held-out in-scope accuracy within classifier.oos_max_accuracy_drop of the no-threshold
accuracy (classifier.novelty_budget of it for the similarity cut; that share was chosen
on id-oos/valid + ood-oos/valid, never on test). Test = test/ + id-oos/test +
ood-oos/test.

    .venv/bin/python -m bench.banking77_oos [--config bench/configs/minilm_use.yml]
        [--oos-training] [--novelty-reference example|intent_centre]

--oos-training adds id-oos/train (2,062 in-domain questions of the 27 held-out intents) to
training as the out_of_scope class, the way the shipped model learns out_of_scope from
examples. Its test questions come from the same 27 intents, so this row measures "the
operator labelled what we do not cover", not detection of the never-seen; the default row
(no out-of-scope examples in training) is the headline figure.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from bench.common import DATASETS, bench_settings, dump, machine
from bot.config import Settings
from bot.knowledge.nlu_examples import Example, read_seq_dir
from bot.nlu.pipeline import NLU
from bot.nlu.training import TrainingData, train
from bot.taxonomy import OUT_OF_SCOPE


def with_classifier(settings: Settings, **changes: object) -> Settings:
    """The config's settings with the classifier fields given on the command line (None:
    keep the config's)."""
    given = {name: value for name, value in changes.items() if value is not None}
    if not given:
        return settings
    return settings.model_copy(update={"classifier": settings.classifier.model_copy(
        update=given)})


def relabel(examples: list[Example]) -> list[Example]:
    return [Example(e.text, OUT_OF_SCOPE if e.intent == "oos" else e.intent, e.source)
            for e in examples]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="bench/configs/minilm_use.yml")
    parser.add_argument("--oos-training", action="store_true",
                        help="train with id-oos/train as the out_of_scope class")
    parser.add_argument("--novelty-reference", choices=("example", "intent_centre"),
                        help="what the similarity cut measures against (default: the "
                             "config's classifier.novelty_reference)")
    args = parser.parse_args()
    settings = with_classifier(bench_settings(args.config),
                               novelty_reference=args.novelty_reference)
    root = DATASETS / "banking77-oos"
    train_set = read_seq_dir(root / "train")
    if args.oos_training:
        train_set += relabel(read_seq_dir(root / "id-oos" / "train"))
    valid = read_seq_dir(root / "valid")
    in_scope = read_seq_dir(root / "test")
    # Counted as read: id-oos/test/seq.in has 1,080 lines but 4 are blank (not examples).
    id_oos = relabel(read_seq_dir(root / "id-oos" / "test"))
    ood_oos = relabel(read_seq_dir(root / "ood-oos" / "test"))
    oos = id_oos + ood_oos
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model"
        manifest = train(settings, TrainingData(train_set, [], "b77oos"), out, valid=valid)
        nlu = NLU.load(settings, out, check_fresh=False)
        cases = in_scope + oos
        texts = [e.text for e in cases]
        vectors = nlu.embedder.encode(texts)
        probs = nlu.classifier.probabilities(texts, vectors)
        rejected = nlu.classifier.out_of_scope(probs, vectors)
        by_confidence = probs.max(axis=1) < nlu.classifier.calibration.threshold
    classes = nlu.classifier.classes
    threshold = manifest["calibration"]["threshold"]
    raw = np.array([classes[i] for i in probs.argmax(axis=1)])
    final = np.where(rejected, OUT_OF_SCOPE, raw)
    expected = np.array([e.intent for e in cases])
    is_in = expected != OUT_OF_SCOPE
    is_oos = ~is_in
    predicted_oos = final == OUT_OF_SCOPE
    split = len(in_scope) + len(id_oos)  # where id-oos ends and ood-oos begins
    dump({
        "benchmark": f"BANKING77-OOS: test/ ({len(in_scope):,} in-scope) + id-oos/test "
                     f"({len(id_oos):,}) + ood-oos/test ({len(ood_oos):,})",
        "config": args.config,
        "novelty_reference": settings.classifier.novelty_reference,
        "oos_examples_in_training": "id-oos/train" if args.oos_training else "none",
        "threshold": round(threshold, 4),
        "novelty_threshold": manifest["calibration"]["novelty_threshold"],
        "threshold_rule": f"highest cuts keeping valid/ in-scope accuracy within "
                          f"{settings.classifier.oos_max_accuracy_drop:.1%} of no-threshold "
                          f"({settings.classifier.novelty_budget:.1%} of it for the "
                          f"similarity cut)",
        "in_scope_accuracy_no_threshold": round(float((raw[is_in] == expected[is_in]).mean()), 4),
        "in_scope_accuracy": round(float((final[is_in] == expected[is_in]).mean()), 4),
        "oos_recall": round(float(predicted_oos[is_oos].mean()), 4),
        "oos_recall_id_oos": round(float(predicted_oos[len(in_scope):split].mean()), 4),
        "oos_recall_ood_oos": round(float(predicted_oos[split:].mean()), 4),
        "oos_precision": round(float(is_oos[predicted_oos].mean()), 4),
        "oos_recall_of_the_confidence_cut_alone": round(float(by_confidence[is_oos].mean()), 4),
        "machine": machine(),
    })


if __name__ == "__main__":
    main()
