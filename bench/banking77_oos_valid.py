"""How the similarity cut's share (classifier.novelty_budget) was chosen: BANKING77-OOS
validation data only, never test.

Trains on train/, fits the cuts on valid/ (in-scope) for each share of the 2-point
budget, and reports out-of-scope recall on id-oos/valid + ood-oos/valid with in-scope
accuracy on valid/.

    .venv/bin/python -m bench.banking77_oos_valid [--config bench/configs/minilm_layers_use.yml]
        [--novelty-reference example|intent_centre] [--max-drop 0.0155]

--novelty-reference: what the similarity cut measures against (classifier.novelty_reference);
--max-drop: the whole budget (classifier.oos_max_accuracy_drop) the shares are taken from.
"""

from __future__ import annotations

import argparse

import numpy as np

from bench.banking77_oos import relabel, with_classifier
from bench.common import DATASETS, bench_settings, dump, machine
from bot.knowledge.nlu_examples import read_seq_dir
from bot.nlu.classifier import IntentClassifier
from bot.nlu.embeddings import build_embedder, encode_in_batches
from bot.taxonomy import OUT_OF_SCOPE

BUDGETS = (0.0, 0.005, 0.01, 0.015)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="bench/configs/minilm_layers_use.yml")
    parser.add_argument("--novelty-reference", choices=("example", "intent_centre"))
    parser.add_argument("--max-drop", type=float,
                        help="classifier.oos_max_accuracy_drop (default: the config's)")
    args = parser.parse_args()
    settings = with_classifier(bench_settings(args.config),
                               novelty_reference=args.novelty_reference,
                               oos_max_accuracy_drop=args.max_drop)
    budgets = [b for b in BUDGETS if b <= settings.classifier.oos_max_accuracy_drop]
    root = DATASETS / "banking77-oos"
    train = read_seq_dir(root / "train")
    valid = read_seq_dir(root / "valid")
    id_oos = relabel(read_seq_dir(root / "id-oos" / "valid"))
    ood_oos = relabel(read_seq_dir(root / "ood-oos" / "valid"))
    embedder = build_embedder(settings.embeddings)
    probes = valid + id_oos + ood_oos
    vectors = encode_in_batches(embedder, [e.text for e in train + probes],
                                settings.embeddings.batch_size, None)
    train_vectors, probe_vectors = vectors[:len(train)], vectors[len(train):]
    expected = np.array([e.intent for e in probes])
    is_in = expected != OUT_OF_SCOPE
    split = len(valid) + len(id_oos)
    rows = []
    for budget in budgets:
        classifier = IntentClassifier(settings.classifier.model_copy(
            update={"novelty_budget": budget, "fine_tune": None}))
        classifier.fit([e.text for e in train], train_vectors, [e.intent for e in train])
        classifier.calibrate([e.text for e in valid], probe_vectors[:len(valid)],
                             [e.intent for e in valid])
        texts = [e.text for e in probes]
        probs = classifier.probabilities(texts, probe_vectors)
        rejected = classifier.out_of_scope(probs, probe_vectors)
        predicted = np.array(classifier.classes)[probs.argmax(axis=1)]
        final = np.where(rejected, OUT_OF_SCOPE, predicted)
        rows.append({
            "novelty_budget": budget,
            "valid_in_scope_accuracy": round(float((final[is_in] == expected[is_in]).mean()), 4),
            "oos_recall": round(float(rejected[~is_in].mean()), 4),
            "oos_recall_id_oos": round(float(rejected[len(valid):split].mean()), 4),
            "oos_recall_ood_oos": round(float(rejected[split:].mean()), 4),
        })
    dump({"benchmark": f"BANKING77-OOS valid/ ({len(valid):,}) + id-oos/valid "
                       f"({len(id_oos):,}) + ood-oos/valid ({len(ood_oos):,})",
          "config": args.config,
          "novelty_reference": settings.classifier.novelty_reference,
          "max_drop": settings.classifier.oos_max_accuracy_drop, "rows": rows,
          "machine": machine()})


if __name__ == "__main__":
    main()
