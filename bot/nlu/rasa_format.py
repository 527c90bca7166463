"""Our understanding in the shape of Rasa's parse result (what Rasa's own `/model/parse`
answers and what its `RasaNLUHttpInterpreter` reads), plus Rasa's button payloads.

Pure: values in, values out. The text in the result is the redacted one: Rasa logs and
stores what we return, so a pasted secret never reaches it from us."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.nlu.understanding import Understanding

EXTRACTOR = "SupportbotNLU"
# Our extras (language, urgency, flags …) travel under one namespaced key.
EXTRAS_KEY = "supportbot"
# The entity that carries the message's language, so a Rasa slot can be filled from it
# (`from_entity: language`) and responses chosen by it.
LANGUAGE_ENTITY = "language"
# Intents a Rasa project gets on top of ours: the 1-5 rating after an agent closed.
CSAT_INTENT = "csat"
# Rasa's button payload: "/intent", "/intent{\"k\": \"v\"}", "/intent@0.8{…}".
_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z0-9_.-]+)(?:@(?P<confidence>[0-9.]+))?"
                      r"(?P<entities>\{.*\})?\s*$", re.DOTALL)


def rasa_parse(u: Understanding, faq_top: int = 3) -> dict[str, Any]:
    """The understanding as Rasa reads it. Entity offsets are into the returned text."""
    entities: list[dict[str, Any]] = []
    for entity in u.entities:
        item: dict[str, Any] = {"entity": entity.label, "start": entity.start,
                                "end": entity.end, "value": entity.text,
                                "extractor": EXTRACTOR, "confidence_entity": 1.0}
        if entity.value:
            item["normalized"] = entity.value
        entities.append(item)
    if u.lang:
        # The evidence for a language is the whole message.
        entities.append({"entity": LANGUAGE_ENTITY, "start": 0, "end": len(u.text),
                         "value": u.lang, "extractor": EXTRACTOR,
                         "confidence_entity": round(u.lang_confidence, 4)})
    return {
        "text": u.text,
        "intent": {"name": u.intent, "confidence": round(u.confidence, 4)},
        "intent_ranking": [{"name": s.intent, "confidence": round(s.confidence, 4)}
                           for s in u.ranking],
        "entities": entities,
        EXTRAS_KEY: {
            "language": u.lang, "language_confidence": round(u.lang_confidence, 4),
            "script": u.script, "urgency": u.urgency, "flags": list(u.flags),
            "secrets": list(u.secrets), "incident": u.incident,
            "faq": [hit.as_dict() for hit in u.faq_hits[:faq_top]],
            "threshold": round(u.threshold, 4),
        },
    }


Payload = tuple[str, float, list[dict[str, Any]]]


def read_payload(text: str, intents: frozenset[str]) -> Payload | None:
    """A button's payload as Rasa reads it: the intent, its confidence and the entities.
    None when the text is not a payload of a known intent (it is then understood as
    text: "/help me" is a sentence)."""
    match = _PAYLOAD.match(text.strip())
    if match is None or match.group("intent") not in intents:
        return None
    confidence = 1.0
    if match.group("confidence"):
        try:
            confidence = min(1.0, max(0.0, float(match.group("confidence"))))
        except ValueError:
            return None
    entities: list[dict[str, Any]] = []
    if match.group("entities"):
        try:
            values = json.loads(match.group("entities"))
        except json.JSONDecodeError:
            return None
        if not isinstance(values, dict):
            return None
        start, end = match.span("entities")
        for name, value in values.items():
            for one in value if isinstance(value, list) else [value]:
                entities.append({"entity": str(name), "start": start, "end": end,
                                 "value": one, "extractor": EXTRACTOR})
    return match.group("intent"), confidence, entities


def payload_parse(text: str, intent: str, confidence: float, entities: list[dict[str, Any]],
                  lang: str | None) -> dict[str, Any]:
    """A button press in Rasa's parse shape; the language is the conversation's."""
    if lang:
        entities = [*entities, {"entity": LANGUAGE_ENTITY, "start": 0, "end": len(text),
                                "value": lang, "extractor": EXTRACTOR}]
    return {"text": text, "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
            "entities": entities,
            EXTRAS_KEY: {"language": lang, "payload": True, "urgency": None, "flags": [],
                         "secrets": [], "faq": []}}
