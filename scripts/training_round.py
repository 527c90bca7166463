"""Turn helper-written JSONL into a training round: `nlu_data/round<N>_<lang>.yml` (the
intents) and `safety_data/incidents/round<N>_<lang>.yml` (the incident detector's labels).

Each input line is {"text", "lang", "intent", "urgency"} with an optional "incident"
(takeover | gave_away | none). Without it the incident label follows the urgency rules
of docs/knowledge.md: a P1 account_hacked message is a takeover, a P1 phishing_scam one a
hand-over, a message below P1 is not an incident; a P1 message of any other intent is an
incident whose kind the cue words say (gave + a secret: a hand-over; else a takeover). A
line whose incident contradicts its urgency stops the run with the file and the line.

Lines are dropped, as for a blind set (scripts/blind_set.py), when somebody wrote them
already (nlu_data/, safety_data/, eval_data/, tests/) or the secrets scanner changes them.

    .venv/bin/python scripts/training_round.py 22 "why this round" IN.jsonl [IN.jsonl ...]
        [--spent eval_data/fresh_... ...] [--incidents-only]

With --incidents-only the lines carry {"text", "lang", "incident"} and only the incident
detector's files are written.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from blind_set import ROOT, checked, new_rows  # it also puts the repository on sys.path

from bot.errors import DataFileError
from bot.knowledge.jsonl import text_objects
from bot.nlu.folding import fold
from bot.nlu.incidents import cue_patterns

_INCIDENT_LABEL = {"takeover": "takeover", "gave_away": "gave_away", "none": "not_incident"}


def incident_label(row: dict[str, Any]) -> str:
    """The incident detector's label for a row. A P1 line of another intent (a takeover
    told with "I want a person", another wallet drained) is an incident too: left out of
    the incident file, the detector would read its intent example as not_incident
    (bot.nlu.training.incident_training_set), as it did for 93 such lines of the spent
    sets until 0.11.11. Which kind, the cue words say (the kind only names the reason;
    P(incident) decides P1)."""
    given = row.get("incident")
    if given is not None:
        return _INCIDENT_LABEL[given]
    if row.get("urgency") != "P1":
        return "not_incident"
    by_intent = {"account_hacked": "takeover", "phishing_scam": "gave_away"}
    return by_intent.get(row["intent"]) or kind_by_cues(row["text"])


def kind_by_cues(text: str) -> str:
    patterns = cue_patterns()
    folded = fold(text)
    gave = all(patterns[name].search(folded) for name in ("gave", "secret_object"))
    return "gave_away" if gave else "takeover"


def consistent(path: Path, incidents_only: bool = False) -> None:
    """Stop on a line without intent or urgency (with `incidents_only`: without an
    incident label), or whose incident label contradicts its urgency."""
    for number, row in text_objects(path, '{"text": "...", "lang": "..", "intent": "..."}'):
        if incidents_only:
            if row.get("incident") not in _INCIDENT_LABEL:
                sys.exit(f"{path}:{number}: incident {row.get('incident')!r}: an "
                         "incident-only line needs takeover, gave_away or none; fix and rerun")
            continue
        if "intent" not in row or "urgency" not in row:
            sys.exit(f"{path}:{number}: no intent or urgency; a training line needs both")
        given = row.get("incident")
        if given is None:
            continue
        problem = (f"unknown incident {given!r} (takeover, gave_away or none)"
                   if given not in _INCIDENT_LABEL else
                   f"incident {given!r} with urgency {row.get('urgency')!r}"
                   if (given != "none") != (row.get("urgency") == "P1") else None)
        if problem:
            sys.exit(f"{path}:{number}: {problem}; takeover and gave_away go with P1, "
                     "none with P2-P4 (or leave the key out); fix and rerun")


def _pair_of_its_file(row: dict[str, Any], path: Path) -> dict[str, Any]:
    """Pair numbers restart in each set's file: a pair dropped whole is one file's pair."""
    return {**row, "pair": (str(path), row["pair"])} if "pair" in row else row


def rasa_file(note: str, blocks: dict[str, list[str]]) -> str:
    head = textwrap.fill(note, 86, initial_indent="# ", subsequent_indent="# ")
    lines = ['version: "3.1"', head, "nlu:"]
    for intent in sorted(blocks):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {' '.join(text.split())}" for text in blocks[intent]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("round", type=int)
    parser.add_argument("note", help="the comment at the top of each file: what and why")
    parser.add_argument("inputs", type=Path, nargs="+")
    parser.add_argument("--incidents-only", action="store_true",
                        help="lines carry only text, lang and incident: write the incident "
                             "detector's files, no intent examples")
    parser.add_argument("--spent", type=Path, nargs="*", default=[], metavar="FOLDER",
                        help="spent blind sets (eval_data/...) whose messages become training "
                             "data: their own files do not count as written already")
    args = parser.parse_args()
    name = f"round{args.round}_"
    targets = [*(ROOT / "nlu_data").glob(f"{name}*.yml"),
               *(ROOT / "safety_data" / "incidents").glob(f"{name}*.yml")]
    try:
        for path in args.inputs:
            consistent(path, args.incidents_only)
        rows = [_pair_of_its_file(row, path) for path in args.inputs for row in checked(path)]
    except DataFileError as error:  # not JSON, or no text: the file, the line, the fix
        sys.exit(str(error))
    # A rerun replaces the round: its own files do not count as "written already"; nor do
    # the spent sets it brings in (they stay in eval_data/ as the record of their scores).
    spent = {path.resolve() for folder in args.spent for path in folder.rglob("*.jsonl")}
    kept, dropped, _ = new_rows(rows, {path.resolve() for path in targets} | spent)
    intents: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    incidents: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in kept:
        if not args.incidents_only:
            intents[row["lang"]][row["intent"]].append(row["text"])
        incidents[row["lang"]][incident_label(row)].append(row["text"])
    for path in targets:
        path.unlink()
    for lang in sorted(incidents):
        if not args.incidents_only:
            (ROOT / "nlu_data" / f"{name}{lang}.yml").write_text(
                rasa_file(args.note, intents[lang]), encoding="utf-8")
        (ROOT / "safety_data" / "incidents" / f"{name}{lang}.yml").write_text(
            rasa_file(args.note, incidents[lang]), encoding="utf-8")
    print(f"{len(kept)} of {len(rows)} kept; dropped: {dict(dropped)}")
    print({lang: sum(map(len, blocks.values())) for lang, blocks in sorted(incidents.items())})


if __name__ == "__main__":
    main()
