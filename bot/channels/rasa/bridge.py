"""Our side of a Rasa assistant: its NLU calls, and what its actions ask of the desk.

Rasa owns a conversation until it hands over. From then on, until an agent closes, the
conversation is ours too: channel "rasa", keyed by Rasa's sender id. Rasa is paused then
but still asks us to understand each message its user sends: that call is how the user's
messages reach the agent. Everything we say back leaves through the outbox
(bot.channels.rasa.sending), never as the action's own reply, so there is one way out;
only when no way back is configured does the action say what the handoff made us say."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot.channels.rasa import CHANNEL
from bot.channels.rasa.tracker_events import history_since_resume, split_last_user
from bot.channels.rendering import plain_text
from bot.conversations.deliveries import SENT, Deliveries
from bot.conversations.store import ConversationStore
from bot.conversations.user_message import Sender, UserMessage
from bot.dialogue import state as st
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.policy import csat_score
from bot.dialogue.state import DialogueState
from bot.nlu.chinese_script import in_script
from bot.nlu.faq_index import render_answer
from bot.nlu.pipeline import clean_text
from bot.nlu.rasa_format import (
    CSAT_INTENT,
    payload_parse,
    rasa_parse,
    read_payload,
)
from bot.nlu.triage import SELF_EXCLUSION, WANTS_HUMAN
from bot.nlu.understanding import ParseContext, Understanding
from bot.storage.database import reading
from bot.taxonomy import ALL_INTENTS
from handoff.queue import HandoffQueue
from handoff.ticket_status import ticket_status_text

# Intents a Rasa project may send as button payloads ("/request_human").
RASA_INTENTS = frozenset(ALL_INTENTS | {CSAT_INTENT})
WITH_THE_DESK = (st.QUEUED, st.WITH_AGENT)


@dataclass(frozen=True)
class ActionOutcome:
    """What a Rasa action says now (texts in the user's language) and whether Rasa must
    pause: the conversation is with the desk."""

    messages: list[dict[str, Any]]
    pause: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"messages": self.messages, "pause": self.pause}


class RasaBridge:
    def __init__(self, dialogue: DialogueEngine, way_back: bool = True):
        self.dialogue = dialogue
        self.settings = dialogue.settings
        # Does our outbox reach Rasa (SUPPORTBOT_RASA_URL)? Without it, what a handoff or
        # a rating makes us say is returned to the action instead, which says it.
        self.way_back = way_back
        self.deliveries = Deliveries(dialogue.engine)

    # --- Rasa's NLU call ---------------------------------------------------------------
    def parse(self, text: str, sender_id: str | None) -> dict[str, Any]:
        """Rasa's parse result for one message. While the sender is with the desk the
        message is also stored and handed to the agent (Rasa stays silent: it is paused)."""
        conversation = self._conversation(sender_id) if sender_id else None
        lang = conversation.lang if conversation is not None else None
        payload = read_payload(text, RASA_INTENTS)
        if payload is not None and (conversation is None
                                    or conversation.state not in WITH_THE_DESK):
            intent, confidence, entities = payload
            return payload_parse(text.strip(), intent, confidence, entities, lang)
        if conversation is not None and conversation.state in WITH_THE_DESK:
            received = self.dialogue.receive(self._message(str(sender_id), text))
            result = self.dialogue.process(received.conversation_id, received.message_id,
                                           received.reading)
            if result.understanding is not None:
                return rasa_parse(result.understanding)
        understanding = self._understand(text, lang)
        if conversation is not None and self._awaits_rating(conversation, text):
            # The answer to "how would you rate…": Rasa routes it to action_store_csat.
            understanding = replace(understanding, intent=CSAT_INTENT, confidence=1.0)
        return rasa_parse(understanding)

    # --- actions -----------------------------------------------------------------------
    def run_action(self, name: str, sender_id: str, events: list[dict[str, Any]],
                   label: str | None = None) -> ActionOutcome:
        if name == "action_handoff":
            return self.hand_over(sender_id, events, label)
        last = split_last_user(history_since_resume(events))[1]
        text = last[1] if last else ""
        conversation = self._conversation(sender_id)
        u = self._understand(text, conversation.lang if conversation is not None else None)
        if name == "action_store_csat":
            return self.rate(sender_id, _rating_text(text), u)
        if conversation is not None and conversation.state in WITH_THE_DESK:
            return ActionOutcome([], pause=True)  # Rasa lost its pause: the desk has it
        if u.urgency == "P1" or u.secrets or u.has(WANTS_HUMAN) or u.has(SELF_EXCLUSION):
            # Promise 1 holds through Rasa too: an account at risk reaches a human now,
            # whichever of our actions Rasa picked; and "… I want a person" inside a
            # longer question hands over as it does with us (its intent is the question's),
            # as does a trading lock the trader asks for (only a person sets it).
            return self.hand_over(sender_id, events, label)
        if name == "action_answer_faq":
            return self._faq_answer(u)
        if name == "action_ticket_status":
            return ActionOutcome([{"text": self.ticket_status(sender_id, u),
                                   "kind": "ticket_status"}])
        if name == "action_security_checklist":
            return ActionOutcome([self._say("security_checklist", u)])
        raise KeyError(name)

    def hand_over(self, sender_id: str, events: list[dict[str, Any]],
                  label: str | None = None) -> ActionOutcome:
        """Open (or find) the user's case: the history Rasa holds is stored, redacted, the
        latest message gets our turn (a P1 stays a P1), and if our policy would not hand
        it over by itself, the request for a person does (Rasa decided it)."""
        history, last = split_last_user(history_since_resume(events))
        conversation_id = self.dialogue.conversation_of(self._message(sender_id, "", label))
        current = self.dialogue.store.get(conversation_id)
        if current is not None and current.state in WITH_THE_DESK:
            return ActionOutcome([], pause=True)
        secrets = self.dialogue.import_history(conversation_id, history)
        queued = False
        if last is not None:
            received = self.dialogue.receive(self._message(sender_id, last[1], label, last[2]))
            result = (self.dialogue.process(received.conversation_id, received.message_id,
                                            received.reading)
                      if not received.processed else None)
            queued = result is not None and result.state in WITH_THE_DESK
        if not queued:
            # A button press ("/request_human") hands over in one step, in the user's
            # language.
            self.dialogue.handle(conversation_id, "/request_human")
        if secrets:
            # A secret pasted earlier in the Rasa conversation: the case is a P1, as it
            # would have been had we seen it then.
            self.dialogue.escalate(conversation_id, "P1", "secret_shared")
        return ActionOutcome(self._said_now(conversation_id), pause=True)

    def rate(self, sender_id: str, text: str, u: Understanding) -> ActionOutcome:
        conversation = self._conversation(sender_id)
        if conversation is None or not self._awaits_rating(conversation, text):
            return ActionOutcome([self._say("csat_already_rated", u)])
        # Our turn stores the score and thanks the user.
        self.dialogue.handle(str(conversation.id), text)
        return ActionOutcome(self._said_now(str(conversation.id)))

    def ticket_status(self, sender_id: str, u: Understanding) -> str:
        conversation = self._conversation(sender_id)
        if conversation is None:
            return self._render("ticket_status_none", u)
        with reading(self.dialogue.engine) as connection:
            row = HandoffQueue.case_of(connection, str(conversation.id), [])
            return ticket_status_text(connection, row,
                                      lambda key, **values: self._render(key, u, **values))

    # --- helpers -------------------------------------------------------------------------
    def _said_now(self, conversation_id: str) -> list[dict[str, Any]]:
        """With no way back to Rasa, what we just said (the queue notice, the checklist,
        thanks) goes back as the action's own messages, counted as delivered."""
        if self.way_back:
            return []
        said = []
        for outgoing in self.deliveries.pending(conversation_id, (CHANNEL,)):
            said.append({"text": plain_text(outgoing.text), "kind": outgoing.kind,
                         "quick_replies": outgoing.payload.get("quick_replies") or []})
            self.deliveries.record(outgoing, SENT, 1, detail="returned to the Rasa action")
        return said

    def _faq_answer(self, u: Understanding) -> ActionOutcome:
        hits = [hit for hit in u.faq_hits if hit.score >= self.settings.policy.faq_min_score]
        if not hits:
            return ActionOutcome([self._say("not_understood", u)])
        entry = self.dialogue.nlu.faq.by_id[hits[0].entry_id]
        text = render_answer(entry, u.lang, u.script, self.settings.links)
        return ActionOutcome([{"text": text, "kind": "faq_answer", "faq_entry": entry.id}])

    def _conversation(self, sender_id: str) -> Any:
        with reading(self.dialogue.engine) as connection:
            return ConversationStore.latest_in(connection, CHANNEL, sender_id)

    def _awaits_rating(self, conversation: Any, text: str) -> bool:
        dialogue = DialogueState.from_json(conversation.dialogue)
        return (conversation.state == st.CLOSED and conversation.csat is None
                and dialogue.stage == st.AWAITING_CSAT and csat_score(text) is not None)

    def _understand(self, text: str, lang: str | None) -> Understanding:
        # Understood as far as a stored message could go (nothing is stored here).
        limited = clean_text(text)[: self.settings.limits.max_message_chars]
        return self.dialogue.parser.parse(limited, ParseContext(previous_lang=lang))

    @staticmethod
    def _message(sender_id: str, text: str, label: str | None = None,
                 message_id: str | None = None) -> UserMessage:
        return UserMessage(CHANNEL, sender_id, Sender(sender_id, label), text,
                           platform_message_id=message_id)

    def _render(self, key: str, u: Understanding, **values: Any) -> str:
        lang = u.lang or self.settings.language.default
        text = self.dialogue.replies.render(key, lang, **self.settings.links.model_dump(),
                                            **values)
        return in_script(text, lang, u.script)

    def _say(self, key: str, u: Understanding) -> dict[str, Any]:
        return {"text": self._render(key, u), "kind": key}


def _rating_text(text: str) -> str:
    """A rating as typed ("5", "⭐⭐⭐⭐") or as a Rasa button's payload
    (`/csat{"score": 5}`): the text our policy reads a score from."""
    payload = read_payload(text, frozenset({CSAT_INTENT}))
    if payload is None:
        return text
    scores = [e["value"] for e in payload[2] if e["entity"] == "score"]
    return str(scores[0]) if scores else text
