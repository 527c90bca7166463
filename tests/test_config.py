from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import load_settings, settings_from_mapping
from bot.errors import ConfigError


def test_shipped_config_loads_and_is_frozen(settings):
    assert settings.language.default == "en"
    assert "zh" in settings.language.supported
    with pytest.raises(ValidationError):
        settings.language.default = "de"  # type: ignore[misc]


def test_unknown_key_names_the_key():
    with pytest.raises(ConfigError) as error:
        settings_from_mapping({"classifier": {"C": 1.0, "learning_rate": 3}})
    assert "classifier.learning_rate" in str(error.value)
    assert "unknown key" in str(error.value)


def test_bad_value_names_the_key_and_what_is_allowed():
    with pytest.raises(ConfigError) as error:
        settings_from_mapping({"language": {"supported": ["en", "xx"]}})
    message = str(error.value)
    assert "language.supported" in message and "allowed" in message


def test_bad_backend_name_is_rejected():
    with pytest.raises(ConfigError) as error:
        settings_from_mapping({"embeddings": {"backends": [{"name": "bert"}]}})
    assert "embeddings.backends.0" in str(error.value)


def test_invalid_yaml_points_at_the_line(tmp_path: Path):
    path = tmp_path / "config.yml"
    path.write_text("language:\n  default: en\n  supported: [en, zh\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert str(path) in str(error.value)


def test_paths_resolve_relative_to_the_config(tmp_path: Path):
    path = tmp_path / "config.yml"
    path.write_text("paths:\n  models: trained\n")
    settings = load_settings(path)
    assert settings.paths.models == str(tmp_path / "trained")


def test_triage_table_must_cover_known_intents_only():
    with pytest.raises(ConfigError) as error:
        settings_from_mapping({"triage": {"base_urgency": {"made_up": "P1"}}})
    assert "made_up" in str(error.value)


def test_each_worker_gets_its_share_of_the_cores_without_staling_the_model(settings):
    import os

    from bot.server.runner import share_cores

    configured = {b.threads for b in settings.embeddings.backends}
    assert configured == {2}
    # One share of the cores stays with the event loop, request threads and database.
    for workers, cores, expected in [(1, 2, 1), (2, 2, 1), (1, 16, 2), (3, 16, 2), (8, 16, 1)]:
        shared = share_cores(settings, workers, cores)
        assert [b.threads for b in shared.embeddings.backends] == [expected] * len(configured)
        # Threads change speed, not vectors: the trained model stays fresh.
        assert shared.pipeline_fingerprint() == settings.pipeline_fingerprint()
    assert {b.threads for b in share_cores(settings, 1).embeddings.backends} == {
        min(2, max(1, (os.cpu_count() or 1) // 2))}


def test_embedding_layers_are_validated():
    from pydantic import ValidationError

    from bot.config import SentenceTransformerBackend

    assert SentenceTransformerBackend(layers=(3, 6)).layers == (3, 6)
    with pytest.raises(ValidationError):
        SentenceTransformerBackend(layers=(-1,))


def test_models_from_before_the_incident_detector_are_stale():
    from bot.config import Settings

    defaults = Settings()
    # config.yml's pipeline as 0.3.0 and 0.4.0 fingerprinted it: those models have no
    # incident detector, so they must be retrained, not loaded.
    assert defaults.pipeline_fingerprint() != (
        "30de46e45a29e589744ea85960d7a47cbf4d0237f8d44cf794a55d52d7143c2b")
    with_cut = defaults.model_copy(update={"classifier": defaults.classifier.model_copy(
        update={"novelty_budget": 0.005})})
    assert with_cut.pipeline_fingerprint() != defaults.pipeline_fingerprint()


def test_the_incident_cut_and_the_withhold_time_do_not_stale_a_model():
    from bot.config import Settings

    defaults = Settings()
    tuned = defaults.model_copy(update={"safety": defaults.safety.model_copy(
        update={"incident_cut": 0.5, "withhold_seconds": 30})})
    assert tuned.pipeline_fingerprint() == defaults.pipeline_fingerprint()
    retrain = defaults.model_copy(update={"safety": defaults.safety.model_copy(
        update={"incident_recall": 0.95})})
    assert retrain.pipeline_fingerprint() != defaults.pipeline_fingerprint()


def test_other_incident_cue_words_stale_a_model(tmp_path, monkeypatch):
    # The cue categories are the incident detector's features: a model trained on other
    # words reads them wrongly (0.11.21 found cue edits that went unnoticed).
    from bot.config import Settings
    from bot.nlu import incidents
    from bot.nlu.training import config_fingerprint

    before = config_fingerprint(Settings())
    edited = tmp_path / "incident_cues.yml"
    edited.write_bytes(incidents._CUES.read_bytes() + b"\n# one more line\n")
    monkeypatch.setattr(incidents, "_CUES", edited)
    assert config_fingerprint(Settings()) != before
