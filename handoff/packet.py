"""The handoff packet: everything an agent needs so the user never repeats themselves."""

from __future__ import annotations

from typing import Any

from bot.identity.view import identity_block, needs_warning
from bot.taxonomy import ALL_INTENTS, URGENCY_LEVELS

REASONS = {
    "user_request": "the user asked for a person",
    "secret_shared": "the user pasted a secret (redacted); treat it as compromised",
    "account_takeover": "possible account takeover",
    "credentials_given_away": "the user gave credentials or funds to a scammer",
    "urgent": "urgent security matter",
    "faq_not_helpful": "the FAQ answers did not solve it",
    "self_exclusion": "the user asks to be locked out of trading (self-exclusion), not a takeover",
    "low_confidence": "the bot could not understand the request",
    "frustration": "the user is frustrated",
    "no_answer": "no FAQ answer covers this problem",
    "needs_agent": "the problem needs an agent",
    "agent_went_silent": "the previous agent went offline",
}
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "es": "Spanish", "ru": "Russian",
                  "ja": "Japanese", "ko": "Korean", "de": "German", "fr": "French",
                  "tr": "Turkish", "pt": "Portuguese", "it": "Italian", "vi": "Vietnamese"}


def build_packet(
    *, conversation: Any, transcript: list[dict[str, Any]], dialogue: dict[str, Any],
    intent: str | None, confidence: float, urgency: str, reason: str, lang: str,
    faq_questions: dict[str, str], script: str | None = None,
) -> dict[str, Any]:
    tried = [{"entry_id": entry_id, "question": faq_questions.get(entry_id, entry_id)}
             for entry_id in dialogue.get("answered", [])]
    entities = dialogue.get("entities", [])
    identity = identity_block(conversation)
    return {
        "conversation_id": conversation.id,
        "channel": conversation.channel,
        "user": conversation.user_label,
        "lang": lang,
        # This turn's script: the conversation row is only updated after the turn.
        "script": script or conversation.script,
        "intent": intent,
        "confidence": round(confidence, 4),
        "confidence_trail": dialogue.get("confidence_trail", []),
        "urgency": urgency,
        "reason": reason,
        "reason_text": REASONS.get(reason, reason),
        "entities": entities,
        "faq_tried": tried,
        "summary": summarise(conversation, transcript, intent, confidence, urgency, reason,
                             lang, entities, tried),
        "transcript": [mark_button(message) for message in transcript],
        # Who vouched for the trader (bot.identity): {verified, uid?, email?, via}; the
        # desk warns before account-changing help to an unverified one.
        "identity": identity,
        "identity_warning": needs_warning(intent, identity, reason),
    }


# Buttons that are not intents: "skip" details, the trader's withdrawal freeze.
OTHER_BUTTONS = frozenset({"skip", "freeze_withdrawals", "freeze_confirm", "freeze_cancel"})


def button_of(message: dict[str, Any]) -> str | None:
    """The quick-reply button a user message stands for ("/request_human"), if any."""
    text = str(message.get("text") or "")
    name = text[1:] if message.get("author") == "user" and text.startswith("/") else ""
    return name if name in ALL_INTENTS or name in OTHER_BUTTONS else None


def mark_button(message: dict[str, Any]) -> dict[str, Any]:
    # Agents read "pressed: request human", not a slash command they might take for text.
    button = button_of(message)
    return {**message, "button": button.replace("_", " ")} if button else message


def summarise(conversation: Any, transcript: list[dict[str, Any]], intent: str | None,
              confidence: float, urgency: str, reason: str, lang: str,
              entities: list[dict[str, Any]], tried: list[dict[str, Any]]) -> str:
    """One paragraph in English, the console's working language, built from facts only."""
    user_lines = [m["text"] for m in transcript if m["author"] == "user" and not button_of(m)]
    buttons = [b for b in map(button_of, transcript) if b]
    topic = (intent or "an unclear request").replace("_", " ")
    parts = [
        f"{conversation.user_label or 'A user'} wrote {len(user_lines)} message(s) in "
        f"{LANGUAGE_NAMES.get(lang, lang)} via {conversation.channel} about {topic} "
        f"(confidence {confidence:.0%})"
        + (f", pressed {', '.join(b.replace('_', ' ') for b in buttons)}." if buttons else "."),
        f"Priority {urgency} ({URGENCY_LEVELS.index(urgency) + 1} of 4): "
        f"{REASONS.get(reason, reason)}.",
    ]
    if entities:
        shown = ", ".join(f"{e['label']} {e['text']}" for e in entities[:8])
        parts.append(f"Details given: {shown}.")
    if tried:
        parts.append("The bot already sent: " + "; ".join(t["entry_id"] for t in tried) + ".")
    if user_lines:
        first = user_lines[0][:160]
        parts.append(f"First message: “{first}”.")
        if len(user_lines) > 1:
            parts.append(f"Last message: “{user_lines[-1][:160]}”.")
    return " ".join(parts)
