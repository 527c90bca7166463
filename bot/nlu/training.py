"""`supportbot train`: data → embeddings → classifier + calibration → FAQ index → models/."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.model_selection import train_test_split
from tqdm import tqdm

from bot.config import EmbeddingSettings, Settings
from bot.errors import DataFileError, ModelNotReadyError
from bot.knowledge.calibration_sets import calibration_files, read_calibration_sets
from bot.knowledge.faq_corpus import FaqEntry, read_faq_corpus
from bot.knowledge.nlu_examples import Example, read_examples
from bot.nlu.chinese_script import ONE_SCRIPT_VERSION, one_script
from bot.nlu.classifier import IntentClassifier
from bot.nlu.embeddings import Embedder, build_embedder, encode_in_batches
from bot.nlu.faq_index import FaqIndex
from bot.nlu.incidents import (
    INCIDENT_LABELS,
    NOT_INCIDENT,
    TAKEOVER,
    IncidentDetector,
    cue_file_fingerprint,
)
from bot.nlu.language import SCRIPT_DECIDED
from bot.nlu.language_ngrams import PROFILES_VERSION, LanguageProfiles, language_of_file
from bot.nlu.model_text import MODEL_TEXT_VERSION, incident_text, model_text
from bot.nlu.pipeline import NLU
from bot.nlu.scam_posts import GROUP_CHATTER, SCAM_LABELS, ScamPostDetector
from bot.storage.model_store import ModelStore, data_files, fingerprint_files
from bot.taxonomy import ALL_INTENTS

INCIDENTS_FILE = "incidents.joblib"
SCAM_FILE = "scam_posts.joblib"
LANGUAGE_FILE = "language_profiles.joblib"


@dataclass
class TrainingData:
    examples: list[Example]
    faq: list[FaqEntry]
    fingerprint: str
    # Labelled takeover / gave_away / not_incident examples (safety_data/incidents/).
    incidents: list[Example] = field(default_factory=list)
    # Labelled scam_post / group_chatter posts of public groups (safety_data/scam/).
    scam_posts: list[Example] = field(default_factory=list)
    # Held-out messages like real traffic (`paths.calibration_data`): the classifier's
    # temperature and cuts are fitted on them. Empty: on a split of the examples.
    calibration: list[Example] = field(default_factory=list)


def shipped_data(settings: Settings) -> TrainingData:
    """nlu_data/ + faq_corpus/ (checked against the taxonomy) + safety_data/."""
    nlu_dir, faq_dir = Path(settings.paths.nlu_data), Path(settings.paths.faq_corpus)
    safety_dir = Path(settings.paths.safety_data)
    examples = read_examples(nlu_dir, ALL_INTENTS)
    faq = read_faq_corpus(faq_dir, ALL_INTENTS, settings.language.supported)
    # FAQ question variants are labelled examples too: they add every language's
    # phrasing of every domain topic to the classifier.
    examples += [
        Example(question, entry.intent, entry.source)
        for entry in faq for phrasings in entry.questions.values() for question in phrasings
    ]
    check_conflicts(examples)
    incidents = read_examples(safety_dir / "incidents", INCIDENT_LABELS)
    check_conflicts(incidents)
    scam = (read_examples(safety_dir / "scam", SCAM_LABELS)
            if (safety_dir / "scam").is_dir() else [])
    check_conflicts(scam)
    calibration_paths = calibration_files(settings.paths.calibration_data)
    calibration = read_calibration_sets(calibration_paths, ALL_INTENTS)
    return TrainingData(examples, faq, fingerprint_files(
        data_files(nlu_dir, faq_dir, safety_dir, *calibration_paths)), incidents, scam,
        calibration)


def incident_training_set(data: TrainingData) -> tuple[list[str], list[str]]:
    """The detector's examples: safety_data's, plus the intent data read as incident or
    not (account_hacked reports a takeover; phishing_scam mixes reports of being phished
    with questions about phishing, so it is left out)."""
    pairs = [(e.text, e.intent) for e in data.incidents]
    labelled = {" ".join(text.lower().split()) for text, _ in pairs}
    for example in data.examples:
        if example.intent == "phishing_scam":
            continue
        if " ".join(example.text.lower().split()) in labelled:
            continue
        pairs.append((example.text, TAKEOVER if example.intent == "account_hacked"
                      else NOT_INCIDENT))
    return [t for t, _ in pairs], [label for _, label in pairs]


def language_profiles(data: TrainingData, languages: tuple[str, ...]) -> LanguageProfiles:
    """Letter and word profiles of the texts whose language is known."""
    return LanguageProfiles.build(language_texts(data, languages),
                                  [lang for lang in languages if lang not in SCRIPT_DECIDED])


def language_texts(data: TrainingData, languages: tuple[str, ...]) -> dict[str, list[str]]:
    """Every example whose file names its language (nlu_data/pt.yml,
    safety_data/incidents/round11_pt.yml) and every FAQ question variant, by language."""
    texts: dict[str, list[str]] = {lang: [] for lang in languages}
    for example in (*data.examples, *data.incidents, *data.scam_posts):
        lang = language_of_file(example.source, languages)
        if lang is not None:
            texts[lang].append(example.text)
    for entry in data.faq:
        for lang, questions in entry.questions.items():
            if lang in texts:
                texts[lang] += questions
    return texts


def benchmark_data(source: Path) -> TrainingData:
    """Any labelled dataset (Rasa YAML, CSV, seq.in/label): no taxonomy, no FAQ."""
    examples = read_examples(source)
    return TrainingData(examples, [], fingerprint_files(data_files(source)))


def check_conflicts(examples: list[Example]) -> None:
    seen: dict[str, Example] = {}
    for example in examples:
        key = " ".join(example.text.lower().split())
        earlier = seen.get(key)
        if earlier is not None and earlier.intent != example.intent:
            raise DataFileError(
                example.source.rsplit(":", 1)[0],
                f"'{example.text}' is labelled '{example.intent}' here and '{earlier.intent}' "
                f"at {earlier.source}", "Keep it under one intent only.",
                line=int(example.source.rsplit(":", 1)[1]),
            )
        seen.setdefault(key, example)


def current_fingerprints(settings: Settings) -> dict[str, str]:
    files = data_files(Path(settings.paths.nlu_data), Path(settings.paths.faq_corpus),
                       Path(settings.paths.safety_data),
                       *calibration_files(settings.paths.calibration_data))
    return {"data": fingerprint_files(files), "config": config_fingerprint(settings)}


def config_fingerprint(settings: Settings) -> str:
    """The settings that shape a model, the versions of the one-script reading and of the
    identifier stripping its texts went through, that of the language profiles it holds,
    and the incident detector's cue words (a change to any retrains)."""
    return (f"{settings.pipeline_fingerprint()}+script{ONE_SCRIPT_VERSION}"
            f"+languages{PROFILES_VERSION}+reading{MODEL_TEXT_VERSION}"
            f"+cues{cue_file_fingerprint()}")


def scam_training_set(data: TrainingData) -> tuple[list[str], list[str], list[bool]]:
    """safety_data/scam's posts, plus the intent examples (not phishing_scam, which mixes
    reports of scams with scams) as ordinary group chatter; and for each text whether it
    is a group post (the detector's neighbours' vote recalls those only: an intent example
    is a message to support, not a post in a group)."""
    triples = [(e.text, e.intent, True) for e in data.scam_posts]
    triples += [(e.text, GROUP_CHATTER, False) for e in data.examples
                if e.intent != "phishing_scam"]
    seen: dict[str, tuple[str, bool]] = {}
    for text, label, group_post in triples:
        seen.setdefault(text, (label, group_post))
    return (list(seen), [label for label, _ in seen.values()],
            [group_post for _, group_post in seen.values()])


def train(settings: Settings, data: TrainingData, out: Path, valid: list[Example] | None = None,
          progress: bool = True) -> dict[str, Any]:
    started = time.perf_counter()
    valid = valid if valid is not None else (data.calibration or None)
    if len({e.intent for e in data.examples}) < 2:
        raise DataFileError("training data", "fewer than two intents",
                            "A classifier needs examples of at least two intents.")
    embedder = build_embedder(settings.embeddings)
    # Every text the models learn from is read as a message is at parse time: Traditional
    # Chinese as Simplified; for the intent model and the FAQ, long identifiers left out
    # (bot/nlu/model_text.py). The incident and scam detectors read the whole text: left
    # out there, "txid" alone became a routine cue and a takeover report holding a TXID
    # fell under the cut; an address to send to is part of a scam post.
    texts = [model_text(e.text) for e in data.examples]
    labels = [e.intent for e in data.examples]
    faq_texts, faq_rows = FaqIndex.questions(data.faq)
    faq_texts = [model_text(text) for text in faq_texts]
    incident_texts, incident_labels = incident_training_set(data) if data.incidents else ([], [])
    incident_texts = [incident_text(one_script(text)) for text in incident_texts]
    valid_texts = [model_text(e.text) for e in valid or []]
    unique = sorted(set(texts) | set(faq_texts) | set(valid_texts))
    # The incident detector's own texts are encoded in batches of their own: a text's
    # vector differs in the last bits with the batch it is encoded in, and the intent
    # model must not change because the safety data did.
    scam_texts, scam_labels, scam_remembered = (scam_training_set(data) if data.scam_posts
                                                else ([], [], []))
    scam_texts = [one_script(text) for text in scam_texts]
    extra = sorted((set(incident_texts) | set(scam_texts)) - set(unique))
    size = settings.embeddings.batch_size
    with tqdm(total=len(unique) + len(extra), desc="embedding", unit="text",
              disable=not progress) as bar:
        matrix = np.concatenate([encode_in_batches(embedder, unique, size, bar),
                                 encode_in_batches(embedder, extra, size, bar)])
    unique += extra
    row = {text: i for i, text in enumerate(unique)}

    def vectors(items: list[str]) -> np.ndarray:
        return matrix[[row[t] for t in items]] if items else np.zeros((0, embedder.dim))

    # The similarity cut only with held-out messages to choose it on: a split of our own
    # examples holds near-paraphrases and puts it too high (config.yml, novelty_budget).
    classifier = IntentClassifier(settings.classifier if valid else
                                  settings.classifier.model_copy(update={"novelty_budget": 0.0}))
    steps = tqdm(total=3, desc="classifier", disable=not progress)
    if valid:
        classifier.fit(texts, vectors(texts), labels, progress)
        steps.update(2)
        classifier.calibrate(valid_texts, vectors(valid_texts), [e.intent for e in valid])
    else:
        fit_texts, held_texts, fit_labels, held_labels = _split(texts, labels, settings)
        classifier.fit(fit_texts, vectors(fit_texts), fit_labels, progress)
        steps.update(1)
        classifier.calibrate(held_texts, vectors(held_texts), held_labels)
        steps.update(1)
        # Refit on everything: the temperature and the cuts carry over, the extra data
        # only sharpens the boundaries they were measured on. The similarity cut then
        # meets more training neighbours than when it was chosen, so it rejects a little
        # less than calibration measured (the safe direction for answering).
        classifier.fit(texts, vectors(texts), labels, progress)
    steps.update(1)
    steps.close()
    faq = FaqIndex.build(data.faq, vectors(faq_texts), faq_rows, embedder.dim)
    incidents = None
    if incident_texts:
        incidents = IncidentDetector(settings.safety)
        incidents.fit(incident_texts, vectors(incident_texts), incident_labels)
    scam = None
    if scam_texts:
        scam = ScamPostDetector(settings.safety.scam_false_alarms)
        scam.fit(scam_texts, vectors(scam_texts), scam_labels, scam_remembered)
    profiles = language_profiles(data, settings.language.supported)
    seconds = time.perf_counter() - started
    manifest = {
        "fingerprints": {"data": data.fingerprint, "config": config_fingerprint(settings)},
        "pipeline": {
            "embeddings": settings.embeddings.model_dump(mode="json"),
            # The classifier's own settings: trained on a split, its similarity cut is
            # off whatever config.yml asks.
            "classifier": classifier.settings.model_dump(mode="json"),
        },
        "embedder": embedder.name,
        "intents": dict(sorted(Counter(labels).items())),
        "examples": len(texts),
        "faq_entries": len(data.faq),
        "faq_questions": len(faq_texts),
        "calibration": classifier.calibration.__dict__,
        "calibrated_on": (f"{len(valid)} held-out messages" if valid
                          else "a split of the training examples"),
        "incidents": None if incidents is None else {
            "examples": dict(sorted(Counter(incident_labels).items())),
            "cut": incidents.cut, "heldout_recall": incidents.heldout_recall,
            "heldout_false_alarms": incidents.heldout_false_alarms},
        "scam_posts": None if scam is None else {
            "examples": dict(sorted(Counter(scam_labels).items())), "cut": scam.cut,
            "heldout_recall": scam.heldout_recall,
            "heldout_false_alarms": scam.heldout_false_alarms},
        "language_profiles": None if profiles.empty else profiles.examples,
        "training_seconds": round(seconds, 2),
    }

    def write(folder: Path) -> None:
        joblib.dump(classifier, folder / "classifier.joblib")
        if incidents is not None:
            joblib.dump(incidents, folder / INCIDENTS_FILE)
        if scam is not None:
            joblib.dump(scam, folder / SCAM_FILE)
        if not profiles.empty:
            joblib.dump(profiles, folder / LANGUAGE_FILE)
        classifier.save_extras(folder)
        faq.save(folder)

    ModelStore(out).write(write, manifest)
    return manifest


def _split(
    texts: list[str], labels: list[str], settings: Settings
) -> tuple[list[str], list[str], list[str], list[str]]:
    counts = Counter(labels)
    # Stratify where every intent has enough examples; tiny intents stay in training.
    splittable = [i for i, label in enumerate(labels) if counts[label] >= 4]
    kept = [i for i, label in enumerate(labels) if counts[label] < 4]
    if len({labels[i] for i in splittable}) < 2:
        return texts, [], labels, []
    fit_idx, held_idx = train_test_split(
        splittable, test_size=settings.classifier.holdout_fraction,
        random_state=settings.classifier.random_seed,
        stratify=[labels[i] for i in splittable],
    )
    fit_idx = list(fit_idx) + kept
    return ([texts[i] for i in fit_idx], [texts[i] for i in held_idx],
            [labels[i] for i in fit_idx], [labels[i] for i in held_idx])


def load_artefacts(settings: Settings, directory: Path,
                   expected: dict[str, str] | None) -> NLU:
    store = ModelStore(directory)
    manifest = store.check_fresh(expected) if expected else store.manifest()
    try:
        classifier: IntentClassifier = joblib.load(directory / "classifier.joblib")
        classifier.load_extras(directory)
        faq = FaqIndex.load(directory)
        # Benchmark models (BANKING77) have no incident detector: rules only.
        incidents = (joblib.load(directory / INCIDENTS_FILE)
                     if (directory / INCIDENTS_FILE).exists() else None)
        scam = joblib.load(directory / SCAM_FILE) if (directory / SCAM_FILE).exists() else None
        profiles = (joblib.load(directory / LANGUAGE_FILE)
                    if (directory / LANGUAGE_FILE).exists() else None)
    except Exception as error:  # unpickling garbage can raise almost anything
        raise ModelNotReadyError(
            f"The model in {directory} cannot be read ({error}). Run `supportbot train`."
        ) from None
    # The model decides its own embedder: a benchmark model trained with other backends
    # must be read with the same ones.
    embedding_settings = EmbeddingSettings.model_validate(manifest["pipeline"]["embeddings"])
    embedder: Embedder = build_embedder(embedding_settings)
    nlu = NLU(settings, embedder, classifier, faq, incidents, scam, profiles)
    nlu.model_dir = directory
    return nlu
