"""One conversation turn: store → understand → decide → act → store the replies.

The user's message is committed (redacted) before it is understood, so a crash loses
nothing; a retry with the same client message id returns the stored replies instead of
answering twice. Deciding and acting happen in one transaction that holds the
conversation's row lock, so several server processes serve one conversation in turn.

When the understanding queue is longer than `limits.busy_after`, a turn that may be
deferred (the widget and the API) is stored, acknowledged with a "busy, your reply
follows" notice and answered in the background (bot/dialogue/deferred.py); a message that
a glance flags (a pasted secret, incident words) is never deferred and goes first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine

from actions.registry import ACTIONS
from actions.sdk import CollectingDispatcher, Domain, Tracker
from bot.config import Settings
from bot.conversations.inbox import Inbox
from bot.conversations.store import ConversationStore
from bot.conversations.user_message import UserMessage
from bot.conversations.withheld import WithheldFragments
from bot.dialogue import state as st
from bot.dialogue import takeover
from bot.dialogue.deferred import DeferredTurns
from bot.dialogue.policy import decide, for_public_group
from bot.dialogue.state import DialogueState
from bot.errors import SupportbotError
from bot.identity.service import IdentityService
from bot.incidents.matching import ActiveIncident
from bot.incidents.store import ActiveIncidentCache, IncidentStore
from bot.knowledge.replies import ReplyCatalog
from bot.nlu.batching import DEFERRED, URGENT, WAITED_ON, BatchingParser
from bot.nlu.pipeline import NLU, clean_text
from bot.nlu.routine_process import RoutineProcess
from bot.nlu.secrets import Carried, SecretScan, scan_of_redacted, scan_safely
from bot.nlu.triage import worth_hurrying
from bot.nlu.understanding import ParseContext, Understanding
from bot.ops.freeze import freeze_available
from bot.storage.database import reading
from bot.taxonomy import ALL_INTENTS, Urgency
from handoff.queue import HandoffQueue
from handoff.routing import priority_number, urgency_of

PUBLIC_GROUP_CHANNEL = "telegram_group"
# An orphaned message still unanswered after a day is left to the agents (it stays in the
# transcript): answering it then would confuse more than help, and a turn that keeps
# failing is not retried forever.
ORPHANS_GIVEN_UP_AFTER = 86_400.0
log = logging.getLogger(__name__)


class ConversationNotFound(SupportbotError):
    pass


class MessageTooLong(SupportbotError):
    pass


@dataclass(frozen=True)
class TurnResult:
    conversation_id: str
    message_id: int
    replies: list[dict[str, Any]]
    understanding: Understanding | None  # None when a retry replayed stored replies
    state: str
    handoff: dict[str, Any] | None
    channel: str = ""
    previous_state: str = ""  # the state before this turn: a new handoff is queued ← bot
    # Set when the turn was deferred (a busy server): what to tell the user meanwhile, in
    # their language. The replies follow over the live channel.
    busy_notice: str | None = None
    # The message as stored, when the secrets scanner changed what was typed: the widget
    # shows it in place of the typed text, so a pasted password does not stay on screen.
    stored_text: str | None = None


@dataclass(frozen=True)
class Reading:
    """What a turn reads beyond the stored (redacted) text; lives in memory only."""

    cleaned: str
    scan: SecretScan
    carried: Carried | None


@dataclass(frozen=True)
class Taken:
    """A widget or API message just stored, not answered yet (see `DialogueEngine.take`).
    `urgent`: a glance found a secret or incident words; it is answered first."""

    conversation: Any
    message_id: int
    processed: bool  # answered before: this is a retry
    reading: Reading
    urgent: bool


@dataclass(frozen=True)
class Received:
    """A user message as stored. `reading` is None when the message had been stored
    before (a redelivery): its turn is done or will be done from storage."""

    conversation_id: str
    message_id: int
    processed: bool
    reading: Reading | None
    duplicate: bool = False


class DialogueEngine:
    def __init__(self, engine: Engine, nlu: NLU, replies: ReplyCatalog, settings: Settings,
                 queue: HandoffQueue):
        self.engine = engine
        self.nlu = nlu
        # Request threads share one understanding thread that batches concurrent messages;
        # it pauses between batches while an urgent turn runs (the cores are its).
        limits = settings.limits
        routine = (RoutineProcess(settings, nlu.model_dir, limits.routine_nice)
                   if limits.routine_process and nlu.model_dir is not None else None)
        self.parser = BatchingParser(nlu, yield_to=lambda: self._urgent_now > 0,
                                     routine=routine,
                                     routine_after=limits.routine_process_after)
        self._storing = self._urgent_now = 0
        # Deferred turns are background work: they wait while a message waits to be
        # stored (its user has not been answered at all yet) or an urgent turn runs.
        self.deferred = DeferredTurns(
            settings.limits.deferred_lanes,
            yield_to=lambda: self._storing > 0 or self._urgent_now > 0)
        self._admitted = 0
        self._admission_lock = threading.Lock()
        self.replies = replies
        self.settings = settings
        self.queue = queue
        self.store = ConversationStore(engine)
        self.withheld = WithheldFragments(engine, settings.safety.withhold_seconds)
        self.inbox = Inbox(engine)
        # The declared incident (outage, market event), as this process last read it.
        self.incidents = ActiveIncidentCache(IncidentStore(engine),
                                             settings.incidents.cache_seconds)
        # Called with a conversation id after every change (live console, WebSockets).
        self.listeners: list[Callable[[str], None]] = []
        # The link that opens a private chat carrying a group conversation's context; the
        # Telegram channel sets it once it knows the bot's username.
        self.private_link: Callable[[str], str] = lambda _conversation_id: ""

    def open(self, channel: str, channel_key: str, user_label: str | None = None,
             lang: str | None = None, locale: str | None = None) -> str:
        """A new conversation. `locale` (the browser's, e.g. "zh-TW") is kept as the
        language hint of its messages that come without one; unlike `lang` it does not make
        the conversation's language sticky before the trader has written a word."""
        # A display name is typed by the user too ("pw hunter2"): scanned like a message
        # (with no next message to complete it, nothing is held for one).
        label = None
        if user_label:
            label = self.nlu.secrets.scan_staff_text(clean_text(user_label))
        return self.store.create(channel, channel_key, label, lang, locale)

    def handle(self, conversation_id: str, text: str, client_message_id: str | None = None,
               locale: str | None = None, redacted: bool = False,
               client_seq: int | None = None, may_defer: bool = False) -> TurnResult:
        """Store the message, then answer it (the web widget and the REST API).
        `redacted`: the text was stored before (a question carried over from a group) and
        is read back, markers and all, instead of being scanned again. `may_defer`: the
        caller can deliver replies later (it has a live channel): when the server is busy
        the result is a notice, not the replies."""
        with self.admitted():
            taken = self.take(conversation_id, text, client_message_id, client_seq, redacted)
            if may_defer and self.should_defer(taken):
                return self.defer(taken, locale)
            return self.answer(taken, locale)

    def take(self, conversation_id: str, text: str, client_message_id: str | None = None,
             client_seq: int | None = None, redacted: bool = False) -> Taken:
        """The first half of `handle`: store the message (scanned and redacted) and glance
        at it. Then `answer` it now, or `defer` it when `should_defer` says so."""
        cleaned = self._checked(conversation_id, text)
        # "" is no id: two messages sent with it are two messages, not a retry.
        received = self._receive(conversation_id, cleaned, client_message_id or None,
                                 redacted, client_seq)
        if received is None:
            raise ConversationNotFound(f"no conversation {conversation_id}")
        conversation, message_id, processed, scan, carried = received
        reading = Reading(cleaned, scan, carried)
        return Taken(conversation, message_id, processed, reading, _urgent(reading))

    def answer(self, taken: Taken, locale: str | None = None) -> TurnResult:
        """The turn of a taken message (its stored replies, if it was answered before)."""
        if taken.processed:
            return self._replay(taken.conversation, taken.message_id)
        if not taken.urgent:
            return self._turn(taken.conversation, taken.message_id, taken.reading, locale)
        with self._counted("_urgent_now"):  # deferred lanes wait while it runs
            return self._turn(taken.conversation, taken.message_id, taken.reading, locale,
                              lane=URGENT)

    def should_defer(self, taken: Taken) -> bool:
        """Busy, and nothing urgent about the message: tell the user the reply follows.
        A conversation with a turn already deferred defers the next too (order holds)."""
        if taken.urgent or taken.processed:
            return False
        # The backlog counts this turn too: with busy_after 24, the 24th waiting defers.
        return (self.deferred.holds_message(taken.message_id)  # a retry of a deferred one
                or self.deferred.holds(str(taken.conversation.id))
                or self.backlog() >= self.settings.limits.busy_after)

    def defer(self, taken: Taken, locale: str | None = None) -> TurnResult:
        """Answer in the background; the result carries the notice to show meanwhile."""
        conversation = taken.conversation
        conversation_id, message_id = str(conversation.id), taken.message_id
        if not self.deferred.holds_message(message_id):
            self.deferred.add(conversation_id, message_id,
                              lambda: self.process(conversation_id, message_id, taken.reading,
                                                   locale, lane=DEFERRED))
        return TurnResult(conversation_id, message_id, [], None, conversation.state,
                          self.handoff_of(conversation_id), channel=conversation.channel,
                          previous_state=conversation.state,
                          busy_notice=self.notice(taken, "busy_notice", locale))

    def notice(self, taken: Taken, key: str, locale: str | None = None) -> str:
        """One of the bot's sentences in the language of the conversation (else of the
        message), not stored: what a response says about the message it acknowledges."""
        from bot.nlu.chinese_script import in_script

        conversation = taken.conversation
        lang, script = conversation.lang, conversation.script
        if not lang:
            guess = self.nlu.languages.identify(taken.reading.cleaned,
                                                locale or conversation.locale, None)
            lang, script = guess.lang, guess.script
        return in_script(self.replies.render(key, lang, **self.settings.links.model_dump()),
                         lang, script)

    def admitted(self) -> AbstractContextManager[None]:
        """Count a turn from its arrival (before it waits for any thread) until it is
        answered or deferred: the requests' part of the backlog `busy_after` bounds."""
        return self._counted("_admitted")

    def urgent(self) -> AbstractContextManager[None]:
        """Count an urgent message from before it is stored until it is answered: the
        deferred lanes and the batching thread hold back meanwhile."""
        return self._counted("_urgent_now")

    def storing(self) -> AbstractContextManager[None]:
        """Count a message waiting to be stored: deferred turns let it go first, so that
        a busy server still acknowledges at once."""
        return self._counted("_storing")

    @contextmanager
    def _counted(self, counter: str) -> Iterator[None]:
        with self._admission_lock:
            setattr(self, counter, getattr(self, counter) + 1)
        try:
            yield
        finally:
            with self._admission_lock:
                setattr(self, counter, getattr(self, counter) - 1)

    def backlog(self) -> int:
        """Turns of this process waiting to be answered: admitted and deferred ones, or
        what waits in the parser (channels such as Telegram feed it directly)."""
        return max(self._admitted + self.deferred.waiting, self.parser.backlog)

    def answer_orphans(self, channels: tuple[str, ...] = ("web", "api"),
                       now: float | None = None) -> int:
        """Answer messages that a dead process stored and never answered (their users
        were told the reply follows). Skipped while this process is itself busy: the
        orphans wait, the live users do not. Returns how many were answered."""
        limits = self.settings.limits
        if self.backlog() >= max(1, limits.busy_after // 2):
            return 0
        answered = 0
        now = now or time.time()
        for conversation_id, message_id in self.store.unanswered(
                channels, now - limits.orphan_seconds, now - ORPHANS_GIVEN_UP_AFTER,
                limit=limits.busy_after):
            if self.deferred.holds_message(message_id):
                continue
            try:
                self.process(conversation_id, message_id, lane=DEFERRED)
                answered += 1
            except Exception as error:  # one broken turn must not block the others
                # The type only: an error's text could quote what the user wrote.
                log.error("could not answer orphaned message %d (%s)", message_id,
                          type(error).__name__)
        return answered

    def receive(self, message: UserMessage, update_id: str | None = None,
                inbox: str | None = None) -> Received:
        """Store a channel's message (finding or opening its conversation) without
        answering it; with the platform's update id, the update is recorded in the inbox
        in the same transaction (under `inbox`, the channel's ledger name), so that the
        platform may be told it arrived. The turn comes later: `process`."""
        ledger = inbox or message.channel
        cleaned = clean_text(message.text)
        limit = self.settings.limits.max_message_chars
        if len(cleaned) > limit:
            raise MessageTooLong(f"messages are limited to {limit} characters")
        with self.engine.begin() as connection:
            if update_id is not None and self.inbox.seen(connection, ledger, update_id):
                known = self._known(connection, message)
                return Received(known[0], known[1], True, None, duplicate=True)
            row = self._conversation_for(connection, message)
            client_id = message.platform_message_id
            found = (self.store.find_inbound(connection, row.id, client_id)
                     if client_id else None)
            if found is not None:
                received = Received(row.id, int(found.id), bool(found.processed), None,
                                    duplicate=True)
            else:
                carried = self.withheld.carried(connection, row.id)
                scan = scan_safely(self.nlu.secrets, cleaned, carried)
                message_id = self.store.insert_inbound(connection, row.id,
                                                       scan.redacted_text, client_id)
                self.withheld.settle(connection, row.id, message_id, scan)
                received = Received(row.id, message_id, False, Reading(cleaned, scan, carried))
            if update_id is not None:
                self.inbox.record(connection, ledger, update_id,
                                  message.conversation_key, "text", row.id,
                                  received.message_id,
                                  {"locale": message.locale_hint, **message.metadata})
        self.notify(received.conversation_id)
        return received

    def process(self, conversation_id: str, message_id: int, reading: Reading | None = None,
                locale: str | None = None, lane: int = WAITED_ON) -> TurnResult:
        """Answer a stored message. Without its in-memory reading (the process that stored
        it died), the turn reads the stored, redacted text: secrets show as markers."""
        conversation = self.store.get(conversation_id)
        if conversation is None:
            raise ConversationNotFound(f"no conversation {conversation_id}")
        if reading is None:
            text = self.store.text_of(message_id)
            reading = Reading(text, scan_of_redacted(text), None)
        return self._turn(conversation, message_id, reading, locale,
                          URGENT if _urgent(reading) else lane)

    def edit(self, message: UserMessage) -> bool:
        """The user edited a message: the stored text becomes the new one (scanned like
        any message); no new turn. False when the original is unknown."""
        cleaned = clean_text(message.text)[: self.settings.limits.max_message_chars]
        scan = scan_safely(self.nlu.secrets, cleaned)
        with self.engine.begin() as connection:
            row = self.store.latest_in(connection, message.channel, message.conversation_key)
            if row is None or not message.platform_message_id:
                return False
            found = self.store.find_inbound(connection, row.id, message.platform_message_id)
            if found is None:
                return False
            self.store.set_text(connection, int(found.id), scan.redacted_text)
            self.store.record_event(connection, row.id, "message_edited",
                                    {"message_id": int(found.id), "secrets": list(scan.kinds)})
        self.notify(str(row.id))
        return True

    def import_history(self, conversation_id: str,
                       items: list[tuple[str, str, str | None]]) -> set[str]:
        """What a partner bot (Rasa) and its user said before handing over: stored as
        answered, user texts scanned and redacted like any message, bot texts as the
        partner's replies, and counted as delivered (the user saw them already). One
        transaction, no turn. `items`: (author "user"|"bot", text, platform message id).
        A user message already stored under its id is skipped. Returns the kinds of
        secret found in the user's messages (the case they open is then a P1)."""
        secrets: set[str] = set()
        with self.engine.begin() as connection:
            self.store.lock(connection, conversation_id)
            last = 0
            for author, text, platform_id in items:
                cleaned = clean_text(text)[: self.settings.limits.max_message_chars]
                if not cleaned:
                    continue
                if author == "user":
                    if platform_id and self.store.find_inbound(connection, conversation_id,
                                                               platform_id) is not None:
                        continue
                    scan = scan_safely(self.nlu.secrets, cleaned)
                    secrets.update(scan.kinds)
                    last = self.store.insert_inbound(connection, conversation_id,
                                                     scan.redacted_text, platform_id)
                    self.store.finish_inbound(connection, last, {"answered_by": "partner",
                                                                 "secrets": list(scan.kinds)})
                else:
                    text = self.nlu.secrets.scan_staff_text(cleaned)
                    last = self.store.add_message(connection, conversation_id, "bot", text,
                                                  "partner_reply", {"kind": "partner_reply"})
            if last:
                self.store.save(connection, conversation_id, delivered_upto=last)
        return secrets

    def escalate(self, conversation_id: str, urgency: Urgency, reason: str) -> bool:
        """Raise the priority of the conversation's open case (never lowers it)."""
        with self.engine.begin() as connection:
            row = HandoffQueue.open_for(connection, conversation_id)
            if row is None:
                return False
            HandoffQueue.raise_priority(connection, row.id, priority_number(urgency), reason)
        self.notify(conversation_id)
        return True

    def conversation_of(self, message: UserMessage) -> str:
        """The conversation a channel's message belongs to, opened if new."""
        with self.engine.begin() as connection:
            return str(self._conversation_for(connection, message).id)

    def _conversation_for(self, connection: Any, message: UserMessage) -> Any:
        row = self.store.latest_in(connection, message.channel, message.conversation_key)
        if row is None:
            label = (self.nlu.secrets.scan_staff_text(clean_text(message.sender.label))
                     if message.sender.label else None)
            from bot.nlu.language import normalise_locale

            created = self.store.insert_conversation(connection, message.channel,
                                                     message.conversation_key, label,
                                                     normalise_locale(message.locale_hint))
            # A Telegram user who linked their exchange account is verified from the start.
            IdentityService.vouch_for_new(connection, created, message.channel,
                                          message.conversation_key)
            row = self.store.latest_in(connection, message.channel, message.conversation_key)
        return row

    def _known(self, connection: Any, message: UserMessage) -> tuple[str, int]:
        row = self.store.latest_in(connection, message.channel, message.conversation_key)
        found = (self.store.find_inbound(connection, row.id, message.platform_message_id)
                 if row is not None and message.platform_message_id else None)
        return (str(row.id) if row is not None else "", int(found.id) if found else 0)

    def _checked(self, conversation_id: str, text: str) -> str:
        cleaned = clean_text(text)
        limit = self.settings.limits.max_message_chars
        if len(cleaned) > limit:
            if self.store.get(conversation_id) is None:
                raise ConversationNotFound(f"no conversation {conversation_id}")
            raise MessageTooLong(f"messages are limited to {limit} characters")
        return cleaned

    def _turn(self, conversation: Any, message_id: int, reading: Reading,
              locale: str | None, lane: int = WAITED_ON) -> TurnResult:
        conversation_id = str(conversation.id)
        # A message without a locale reads the one the conversation was opened with.
        understanding = self._understand(conversation, reading.cleaned,
                                         locale or conversation.locale, reading.scan,
                                         reading.carried, lane)
        # Read before the transaction (and cached): the row lock is held for the turn only.
        incident = self.incidents.current()
        with self.engine.begin() as connection:
            row = self.store.lock(connection, conversation_id)
            if self.store.is_processed(connection, message_id):
                # Another process answered it meanwhile (a retry racing the first try).
                replay = True
            else:
                replay = False
                result = self._decide_and_act(connection, row, message_id, understanding,
                                              incident)
        if replay:
            return self._replay(self.store.get(conversation_id), message_id)
        self.notify(conversation_id)
        return result

    def _decide_and_act(self, connection: Any, row: Any, message_id: int,
                        understanding: Understanding,
                        incident: ActiveIncident | None = None) -> TurnResult:
        conversation_id = str(row.id)
        dialogue = DialogueState.from_json(row.dialogue)
        decision = decide(understanding, dialogue, row.state, self.settings.policy, incident,
                          now=time.time())
        # An account at risk: page the on-call, offer the verified trader a freeze.
        decision = takeover.amend(decision, understanding.text, dialogue, row.state,
                                  verified=bool(row.verified_uid),
                                  freeze_available=freeze_available(self.settings.exchange))
        if row.channel == PUBLIC_GROUP_CHANNEL:
            decision = for_public_group(decision, understanding,
                                        self.private_link(conversation_id))
        lang = understanding.lang or row.lang or self.settings.language.default
        script = understanding.script if lang == "zh" else None
        tracker = Tracker(conversation_id, row.channel, lang, script or row.script,
                          understanding, decision.dialogue.to_json(), row.user_label)
        domain = Domain(self.settings, self.replies, self.nlu.faq, self.queue, connection)
        dispatcher = CollectingDispatcher()
        events: list[dict[str, Any]] = []
        for action in decision.actions:
            events += ACTIONS[action.name].act(dispatcher, tracker, domain, **action.params)
        changes = self._apply_events(connection, conversation_id, row, events, decision.rule)
        if row.unreachable_since is not None:
            changes["unreachable_since"] = None  # the user wrote: they can be reached again
        replies = [self.store.add_reply(connection, conversation_id, message, message_id)
                   for message in dispatcher.messages]
        self.store.finish_inbound(connection, message_id, _summary(understanding,
                                                                   decision.rule))
        self.store.save(connection, conversation_id, dialogue=decision.dialogue.to_json(),
                        lang=lang, script=script or row.script, **changes)
        state = changes.get("state", row.state)
        # Only a queued or assigned conversation has an open case to report.
        handoff = (self._handoff_info(connection, conversation_id)
                   if state in (st.QUEUED, st.WITH_AGENT) else None)
        return TurnResult(conversation_id, message_id, replies, understanding, state, handoff,
                          channel=row.channel, previous_state=row.state)

    def say(self, conversation_id: str, key: str, locale: str | None = None,
            **values: Any) -> int:
        """Store one of the bot's own replies (rendered in the conversation's language and
        script) outside a turn: a flood notice, "text only", an error apology."""
        from bot.nlu.chinese_script import in_script
        from bot.nlu.language import normalise_locale

        with self.engine.begin() as connection:
            row = self.store.lock(connection, conversation_id)
            lang = (row.lang or normalise_locale(locale or row.locale)
                    or self.settings.language.default)
            text = in_script(self.replies.render(key, lang, **self.settings.links.model_dump(),
                                                 **values), lang, row.script)
            message_id = self.store.add_message(connection, conversation_id, "bot", text, key,
                                                {"kind": key})
        self.notify(conversation_id)
        return message_id

    def note(self, conversation_id: str, kind: str, data: dict[str, Any]) -> None:
        """An event in the conversation's record (a sticker, a member change)."""
        with self.engine.begin() as connection:
            self.store.record_event(connection, conversation_id, kind, data)

    def rate(self, conversation_id: str, score: int) -> bool:
        """The 1-5 rating after an agent closed the conversation; False if not closed or
        already rated (a second press does not overwrite the first)."""
        if not 1 <= score <= 5:
            raise ValueError("a rating is 1 to 5")
        with self.engine.begin() as connection:
            row = self.store.lock(connection, conversation_id)
            if row.state != st.CLOSED or row.csat is not None:
                return False
            dialogue = DialogueState.from_json(row.dialogue)
            dialogue.stage = st.IDLE
            self.store.save(connection, conversation_id, csat=score,
                            dialogue=dialogue.to_json())
            self.store.record_event(connection, conversation_id, "csat", {"score": score})
        self.notify(conversation_id)
        return True

    def _receive(self, conversation_id: str, cleaned: str, client_message_id: str | None,
                 redacted: bool = False, client_seq: int | None = None
                 ) -> tuple[Any, int, bool, SecretScan, Carried | None] | None:
        """Scan and store a user's message before anything else happens to it, holding
        the conversation's lock: what the previous message held back is read, decided and
        settled in the same transaction that stores this one, so two messages in flight
        (or the timeout) cannot each see half a seed phrase. None: unknown conversation.

        A retry with the same client id finds the stored message: processed means its
        replies exist and are to be returned as they were; its held-back words were
        settled the first time."""
        with self.engine.begin() as connection:
            row = self.store.lock_or_none(connection, conversation_id)
            if row is None:
                return None
            found = (self.store.find_inbound(connection, conversation_id, client_message_id)
                     if client_message_id else None)
            if found is not None:
                return (row, int(found.id), bool(found.processed),
                        scan_safely(self.nlu.secrets, cleaned), None)
            carried = self.withheld.carried(connection, conversation_id)
            scan = (scan_of_redacted(cleaned) if redacted
                    else scan_safely(self.nlu.secrets, cleaned, carried))
            message_id = self.store.insert_inbound(connection, conversation_id,
                                                   scan.redacted_text, client_message_id,
                                                   client_seq)
            self.withheld.settle(connection, conversation_id, message_id, scan)
            return row, message_id, False, scan, carried

    def leave_unanswered(self, message_id: int, why: str) -> None:
        """A stored message the channel will not answer (a flood): marked as handled."""
        with self.engine.begin() as connection:
            self.store.finish_inbound(connection, message_id, {why: True})

    def _understand(self, conversation: Any, text: str, locale: str | None,
                    scan: SecretScan | None = None, carried: Carried | None = None,
                    lane: int = WAITED_ON) -> Understanding:
        context = ParseContext(previous_lang=conversation.lang, locale_hint=locale,
                               carried=carried)
        payload = text[1:] if text.startswith("/") else None
        if payload in ALL_INTENTS:
            # A quick-reply button: the user chose the intent. For a clarification we
            # re-read their question so the FAQ answer matches what they asked.
            dialogue = DialogueState.from_json(conversation.dialogue)
            source = dialogue.last_question if payload not in ("affirm", "deny",
                                                                "request_human") else ""
            # The stored question is already redacted; held-back words of the previous
            # message have nothing to do with it.
            understanding = self.parser.parse(source or payload, replace(context, carried=None),
                                              forced_intent=payload, lane=lane)
            # The button's name ("request_human") is English whatever the user speaks: the
            # language comes from the conversation, else from the channel's locale.
            if conversation.lang:
                return replace(understanding, lang=conversation.lang, script=conversation.script)
            if not source:
                guess = self.nlu.languages.from_context(None, locale)
                return replace(understanding, lang=guess.lang, script=guess.script)
            return understanding
        if payload == "skip":
            text, scan = "skip", None
        understanding = self.parser.parse(text, context, scan=scan, lane=lane)
        if takeover.is_freeze_button(text) and conversation.lang:
            # A freeze button's payload is English too: the conversation keeps its language.
            return replace(understanding, lang=conversation.lang, script=conversation.script)
        return understanding

    def _apply_events(self, connection: Any, conversation_id: str, row: Any,
                      events: list[dict[str, Any]], rule: str) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if row.state == st.CLOSED and not rule.startswith("2"):
            changes["state"] = st.BOT  # the user wrote again: a new conversation turn
        for event in events:
            kind = event["event"]
            if kind == "handoff":
                changes["state"] = st.QUEUED
            elif kind == "bot_resolved":
                changes["resolved_by"] = "bot"
            elif kind == "csat":
                changes["csat"] = event["score"]
            if kind != "forwarded":
                self.store.record_event(connection, conversation_id, kind, event)
        return changes

    def handoff_of(self, conversation_id: str) -> dict[str, Any] | None:
        """The conversation's open case as the API shows it: id, priority, status, position."""
        with reading(self.engine) as connection:
            return self._handoff_info(connection, conversation_id)

    def _handoff_info(self, connection: Any, conversation_id: str) -> dict[str, Any] | None:
        row = HandoffQueue.open_for(connection, conversation_id)
        if row is None:
            return None
        return {"id": row.id, "priority": urgency_of(row.priority), "status": row.status,
                "position": HandoffQueue.position(connection, row), "reason": row.reason}

    def _replay(self, conversation: Any, message_id: int) -> TurnResult:
        return TurnResult(conversation.id, message_id, self.store.replies_to(message_id), None,
                          conversation.state, self.handoff_of(conversation.id),
                          channel=conversation.channel, previous_state=conversation.state)

    def notify(self, conversation_id: str) -> None:
        for listener in list(self.listeners):
            listener(conversation_id)


def _urgent(reading: Reading) -> bool:
    """A glance before the models: a secret, or words of an incident. Such a message
    goes first and is never deferred."""
    return bool(reading.scan.found or reading.scan.withheld) or worth_hurrying(reading.cleaned)


def _summary(u: Understanding, rule: str) -> dict[str, Any]:
    return {"lang": u.lang, "intent": u.intent, "confidence": u.confidence,
            "urgency": u.urgency, "flags": list(u.flags), "secrets": list(u.secrets),
            "entities": [e.as_dict() for e in u.entities], "rule": rule}
