"""`supportbot export rasa DIR`: a complete, trainable Rasa 3.x project that uses our NLU
(endpoints.yml `nlu:`) and our desk (the rasa_sdk action server, `supportbot actions`).

Rasa learns only the dialogue (`rasa train core`): rules route our intents to our actions
and to replies written in all 12 languages, chosen by the `language` slot that our NLU
fills (an entity on every parse). The NLU data goes along unchanged, so `rasa data
validate` checks it and a team may still train Rasa's own NLU to compare (bench/rasa_compare)."""

from __future__ import annotations

import shutil
import string
from pathlib import Path
from typing import Any

import yaml

from bot.channels.rasa import ACTIONS, TOKEN_ENV
from bot.config import Settings
from bot.knowledge.replies import ReplyCatalog
from bot.nlu.rasa_format import CSAT_INTENT, LANGUAGE_ENTITY
from bot.taxonomy import ALL_INTENTS, DOMAIN_INTENTS, SUPPORTED_LANGUAGES

# Replies Rasa says itself (no value to fill but our links): intent → reply key.
SMALL_TALK = {"greet": "greet", "goodbye": "goodbye", "thanks": "thanks_reply",
              "bot_challenge": "bot_challenge", "out_of_scope": "out_of_scope",
              "affirm": "resolved_close", "deny": "not_understood"}
# Intents our actions answer.
ROUTES = {"request_human": "action_handoff", "ticket_status": "action_ticket_status",
          "account_hacked": "action_security_checklist",
          "phishing_scam": "action_security_checklist", CSAT_INTENT: "action_store_csat"}
# What our entity rules find (bot.nlu.entities), and the message's language.
ENTITIES = ("asset", "amount", "network", "tx_hash", "order_id", "uid", "email",
            "evm_address", "btc_address", "tron_address", "ticket_id", LANGUAGE_ENTITY)


def routes() -> dict[str, str]:
    """Every intent Rasa will see, and the action or reply it leads to."""
    table = {intent: f"utter_{key}" for intent, key in SMALL_TALK.items()}
    for intent in DOMAIN_INTENTS:
        table[intent] = ROUTES.get(intent, "action_answer_faq")
    table.update(ROUTES)
    missing = (ALL_INTENTS | {CSAT_INTENT}) - set(table)
    assert not missing, f"intents with no route: {sorted(missing)}"
    return table


def _responses(replies: ReplyCatalog, settings: Settings) -> dict[str, list[dict[str, Any]]]:
    links = settings.links.model_dump()
    responses: dict[str, list[dict[str, Any]]] = {}
    for key in sorted(set(SMALL_TALK.values())):
        variations: list[dict[str, Any]] = []
        for lang in SUPPORTED_LANGUAGES:
            template = replies.template(key, lang)
            names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            if names - set(links):
                raise ValueError(f"reply {key} ({lang}) needs values Rasa cannot fill: "
                                 f"{sorted(names - set(links))}")
            text = replies.render(key, lang, **links)
            variations.append({"text": text, "condition": [
                {"type": "slot", "name": LANGUAGE_ENTITY, "value": lang}]})
        # Before the first message is understood: the default language.
        variations.append({"text": replies.render(key, settings.language.default, **links)})
        responses[f"utter_{key}"] = variations
    return responses


def domain(replies: ReplyCatalog, settings: Settings) -> dict[str, Any]:
    return {
        "version": "3.1",
        "intents": sorted(ALL_INTENTS | {CSAT_INTENT}),
        "entities": list(ENTITIES),
        "slots": {LANGUAGE_ENTITY: {
            "type": "categorical", "values": list(SUPPORTED_LANGUAGES),
            "influence_conversation": False,
            "mappings": [{"type": "from_entity", "entity": LANGUAGE_ENTITY}]}},
        "responses": _responses(replies, settings),
        "actions": list(ACTIONS),
        "session_config": {"session_expiration_time": 60,
                           "carry_over_slots_to_new_session": True},
    }


def rules() -> dict[str, Any]:
    return {"version": "3.1", "rules": [
        {"rule": f"{intent} → {action}",
         "steps": [{"intent": intent}, {"action": action}]}
        for intent, action in sorted(routes().items())]}


def config() -> dict[str, Any]:
    return {
        "recipe": "default.v1", "assistant_id": "supportbot-desk",
        # Rasa wants one language; ours reads twelve (the NLU is ours, see endpoints.yml).
        "language": "en", "pipeline": [],
        "policies": [{"name": "RulePolicy", "core_fallback_threshold": 0.3,
                      "core_fallback_action_name": "action_default_fallback",
                      "enable_fallback_prediction": True},
                     {"name": "MemoizationPolicy"}],
    }


def endpoints(server_url: str, actions_url: str) -> dict[str, Any]:
    token = "${" + TOKEN_ENV + "}"  # read by Rasa from its environment, never written here
    return {"nlu": {"url": server_url.rstrip("/"), "token": token},
            "action_endpoint": {"url": actions_url.rstrip("/") + "/webhook", "token": token}}


def credentials(callback_url: str) -> dict[str, Any]:
    return {"rest": None, "callback": {"url": callback_url},
            "socketio": {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered",
                         "session_persistence": True}}


def export_project(target: Path, settings: Settings, replies: ReplyCatalog,
                   server_url: str = "http://127.0.0.1:8000",
                   actions_url: str = "http://127.0.0.1:5055",
                   callback_url: str = "http://127.0.0.1:5034/bot") -> list[Path]:
    """Write the project into `target` (created; files of ours there are replaced)."""
    target.mkdir(parents=True, exist_ok=True)
    nlu = target / "data" / "nlu"
    if nlu.exists():
        shutil.rmtree(nlu)
    shutil.copytree(Path(settings.paths.nlu_data), nlu)
    header = ("# Exported by `supportbot export rasa`: the NLU and the actions are "
              "supportbot's (docs/rasa.md).\n")
    # The rating after an agent closed: our NLU names it `csat` only while a rating is
    # awaited; these lines let Rasa's own NLU (a team's comparison) know the intent too.
    ratings = nlu.parent / "csat.yml"
    examples = ("1", "2", "3", "4", "5", "⭐", "⭐⭐⭐", "⭐⭐⭐⭐⭐", "5 stars", "4/5")
    ratings.write_text(header + f'version: "3.1"\nnlu:\n- intent: {CSAT_INTENT}\n'
                       "  examples: |\n" + "".join(f"    - {line}\n" for line in examples),
                       encoding="utf-8")
    written = [*sorted(nlu.rglob("*.yml")), ratings]
    for name, content in (("config.yml", config()), ("domain.yml", domain(replies, settings)),
                          ("data/rules.yml", rules()),
                          ("endpoints.yml", endpoints(server_url, actions_url)),
                          ("credentials.yml", credentials(callback_url))):
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + yaml.safe_dump(content, allow_unicode=True, sort_keys=False,
                                                width=100), encoding="utf-8")
        written.append(path)
    return written
