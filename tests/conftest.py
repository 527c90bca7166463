"""Shared fixtures: real settings, a tiny real model, and the model trained on the shipped
knowledge. The tiny model is trained once per test session; the shipped one once per
machine and content (MODEL_CACHE), copied into each session's temporary folder."""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The server's persistent key (bot.agent_auth.server_key), one per test run, so that no
# test writes a key file into the project's data/ folder; live servers inherit it.
os.environ.setdefault("SUPPORTBOT_SECRET_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())

from bot.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
TINY_LANGS = ("en", "zh", "es")


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(ROOT / "config.yml")


@pytest.fixture(scope="session")
def tiny_model_dir(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bot.knowledge.faq_corpus import read_faq_corpus
    from bot.knowledge.nlu_examples import read_examples
    from bot.nlu.incidents import INCIDENT_LABELS
    from bot.nlu.training import TrainingData, train
    from bot.taxonomy import ALL_INTENTS

    examples = read_examples(FIXTURES / "tiny_nlu.yml", ALL_INTENTS)
    faq = read_faq_corpus(FIXTURES / "tiny_faq", ALL_INTENTS, TINY_LANGS)
    incidents = read_examples(FIXTURES / "tiny_incidents.yml", INCIDENT_LABELS)
    out = tmp_path_factory.mktemp("tiny") / "model"
    train(settings, TrainingData(examples, faq, "tiny", incidents), out, progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_nlu(settings: Settings, tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    from bot.nlu.pipeline import NLU

    return NLU.load(settings, tiny_model_dir, check_fresh=False)


# The model trained on the shipped data, kept between runs on one machine: training it
# costs 1.5-2.5 min of every run. The key covers everything the model is made of: the
# data, the settings that shape it, and the code that trains and reads it. Each session
# still gets its own copy (a test can never change the kept one).
MODEL_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "supportbot" / \
    "test-models"
_MODEL_CODE = ("bot/nlu", "bot/knowledge", "bot/config.py", "bot/taxonomy.py")


def _shipped_model_key(settings: Settings) -> str:
    import hashlib

    from bot.nlu.training import current_fingerprints

    digest = hashlib.sha256(json.dumps(current_fingerprints(settings),
                                       sort_keys=True).encode())
    root = Path(__file__).resolve().parents[1]
    for part in _MODEL_CODE:
        for path in sorted((root / part).rglob("*") if (root / part).is_dir()
                           else [root / part]):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def _keep_shipped_model(settings: Settings) -> Path:
    """The kept model for today's data and code, trained first if missing (the model
    store writes it aside and renames it: a reader never sees half a model)."""
    from bot.nlu.training import shipped_data, train

    kept = MODEL_CACHE / _shipped_model_key(settings)
    if not (kept / "manifest.json").exists():
        train(settings, shipped_data(settings), kept, progress=False)
    return kept


def pytest_collection_finish(session: pytest.Session) -> None:
    """Train the shipped model before the first test when the cache lacks it. Inside the
    first test that asks for it, the 5-10 minutes of training on 2 cores counted against
    that test's timeout (600 s) and could fail a clean machine's run."""
    if session.config.option.collectonly or not any(
            "shipped_model_dir" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    settings = load_settings(ROOT / "config.yml")
    if (MODEL_CACHE / _shipped_model_key(settings) / "manifest.json").exists():
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("training the shipped model once for this data and code "
                            f"(kept in {MODEL_CACHE}) ...")
    _keep_shipped_model(settings)


@pytest.fixture(scope="session")
def shipped_model_dir(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shipped") / "model"
    shutil.copytree(_keep_shipped_model(settings), out)
    return out


@pytest.fixture(scope="session")
def shipped_nlu(settings: Settings, shipped_model_dir: Path):  # type: ignore[no-untyped-def]
    from bot.nlu.pipeline import NLU

    return NLU.load(settings, shipped_model_dir, check_fresh=False)


# --- databases and the HTTP API ------------------------------------------------------
PG_BASE = os.environ.get("SUPPORTBOT_TEST_POSTGRES",
                         "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> str | None:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(PG_BASE, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # any failure means "not here"
        return str(error).splitlines()[0]


@pytest.fixture
def postgres_url():  # type: ignore[no-untyped-def]
    """A fresh schema on the local PostgreSQL. In CI a missing server fails the test."""
    import uuid

    import sqlalchemy

    problem = _postgres_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must run in CI: {problem}")
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({problem}); CI runs these")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(PG_BASE)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'supportbot.sqlite3'}"


def make_services(settings: Settings, nlu, url: str):  # type: ignore[no-untyped-def]
    from bot.server.services import build_services

    return build_services(settings, url, nlu=nlu)


@pytest.fixture
def services(settings: Settings, shipped_nlu, sqlite_url):  # type: ignore[no-untyped-def]
    built = make_services(settings, shipped_nlu, sqlite_url)
    yield built
    built.db.dispose()


@pytest.fixture
def client(services):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from bot.server.app import create_app

    with TestClient(create_app(services, background=False)) as test_client:
        yield test_client


AGENT_PASSWORD = "correct horse battery staple"


@pytest.fixture
def agent_headers(services, client):  # type: ignore[no-untyped-def]
    """Log in agents on demand: agent_headers('alice', ['en', 'zh']). The session has
    passed the second factor: the first login enrols with a real TOTP code, later ones
    verify with a fresh one (tests/authenticator.py)."""
    from tests.authenticator import Phone, pass_second_factor

    phones: dict[str, Phone] = {}

    def login(username: str = "alice", languages=("en", "zh"), capacity: int = 5):  # type: ignore[no-untyped-def]
        if services.agents.get(username) is None:
            services.agents.add(username, AGENT_PASSWORD, list(languages), capacity)
        response = client.post("/api/v1/agent/login",
                               json={"username": username, "password": AGENT_PASSWORD})
        assert response.status_code == 200, response.text
        client.cookies.clear()  # tests authenticate with the bearer token only
        body = response.json()
        pass_second_factor(client.post, body["token"], body["second_factor"], username, phones)
        return {"Authorization": f"Bearer {body['token']}"}

    login.phones = phones  # type: ignore[attr-defined]  # a test may need a code itself
    return login
