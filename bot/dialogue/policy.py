"""The dialogue policy: explicit rules, in the order they apply, readable in one place.

decide() is pure: it takes the understanding of the new message, the dialogue state and the
conversation state, and returns the actions to run and the next dialogue state. Side
effects (storing, queueing, sending) belong to the actions.

 #  when                                               then
 1  conversation queued / with an agent                forward; reply only to a pasted secret,
                                                       "human?" or "status?"; while queued also
                                                       to a P1 (now urgent, its position), to
                                                       the first message after the handoff, a
                                                       question or a hello, and otherwise at
                                                       most every queued_note_seconds (added
                                                       to the case, the position): no one
                                                       waits in silence
 2  closed, waiting for CSAT, message is 1-5           store the score, thank
 3  empty / nothing readable                           ask again (empty_message / not_understood)
 4  a pasted secret, or "that was my private key"      warning + checklist + P1 handoff at once
    after we asked about a withheld 64-hex value
 5  P1: an incident (takeover, credentials or funds    checklist + P1 handoff at once
    already given away), whatever the intent
 6  request_human, or "yes" to our offer of a human    hand off in one step
 7  waiting for "did this solve it?": yes              close kindly (bot-resolved)
 8  waiting for "did this solve it?": no               next-best entry once; at max_denials
                                                       hand off (details asked after queueing)
 9  waiting for details                                take what came (or "skip"), hand off
10  strong frustration on a domain problem             hand off (details asked after queueing)
11  low confidence                                     clarify between the top two if close,
                                                       else ask to rephrase; hand off after
                                                       max_low_confidence_turns in a row
12  out_of_scope                                       refusal that says what we can do + human
13  greet / thanks / goodbye / bot_challenge           the matching reply
14  ticket_status                                      look up the user's case
15  domain intent with a good FAQ hit                  answer, ask "did this solve it?"
16  domain intent, no good hit                         P2/P3: collect missing details, hand off;
                                                       P4: ask to rephrase, offer a human
 +  a 64-hex value that may be a key or a TXID         whatever the row: say it was not kept,
    (withheld, never stored)                           ask for it again with "TXID", warn
                                                       about keys (a P1 never waits for it)
 +  a declared incident (outage, market event) and     the incident's banner first, then the
    a message about it (rows 6-16; never 2-5, never    row's reply; instead of a routine FAQ
    a P1; with a human (1): counted, not said)         answer on the incident's own intents
                                                       (it would contradict the banner). A
                                                       case about it joins its queue group.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bot.config import PolicySettings
from bot.dialogue import state as st
from bot.dialogue.state import DialogueState
from bot.incidents.matching import ActiveIncident, matches
from bot.nlu.faq_index import FaqHit
from bot.nlu.triage import (
    CREDENTIALS_GIVEN_AWAY,
    DISTRESS,
    SECURITY_INCIDENT,
    SELF_EXCLUSION,
    WANTS_HUMAN,
)
from bot.nlu.understanding import (
    EMPTY,
    LOW_CONFIDENCE,
    NAMES_PRIVATE_KEY,
    NO_TEXT,
    UNASKED_TOKENS,
    UNCLEAR_VALUE,
    UNFAMILIAR,
    Understanding,
)
from bot.taxonomy import DOMAIN_INTENTS

# The details an agent needs, by intent (never a password, a 2FA code or a key).
DETAILS_BY_INTENT: dict[str, tuple[str, ...]] = {
    "deposit_missing": ("uid_or_email", "txid_or_order_id", "asset", "amount", "network"),
    "withdrawal_delay": ("uid_or_email", "txid_or_order_id", "asset", "amount", "network"),
    "fiat_transfer": ("uid_or_email", "amount"),
    "order_problem": ("uid_or_email", "txid_or_order_id"),
    "futures_liquidation": ("uid_or_email", "txid_or_order_id"),
}
DEFAULT_DETAILS = ("uid_or_email",)
# Which entity labels satisfy which detail.
SATISFIED_BY: dict[str, tuple[str, ...]] = {
    "uid_or_email": ("uid", "email"),
    "txid_or_order_id": ("tx_hash", "order_id"),
    "asset": ("asset", "amount"),
    "amount": ("amount",),
    "network": ("network",),
}
# The bot's words about a waiting case: the next waiting note comes queued_note_seconds
# after the last of them.
QUEUE_NOTES = {"ticket_status", "queued_note"}
SMALL_TALK = {"greet": "greet", "thanks": "thanks_reply", "goodbye": "goodbye",
              "bot_challenge": "bot_challenge"}


@dataclass(frozen=True)
class Action:
    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    actions: tuple[Action, ...]
    dialogue: DialogueState
    rule: str  # which row of the table fired, for the debug view and the tests


def _say(key: str, **params: Any) -> Action:
    return Action("utter", {"key": key, **params})


def _handoff(reason: str, urgency: str, ask_details: tuple[str, ...] = ()) -> Action:
    return Action("handoff", {"reason": reason, "urgency": urgency,
                              "ask_details": list(ask_details)})


def remember(dialogue: DialogueState, u: Understanding) -> DialogueState:
    """Fold the new message's entities and confidence into the dialogue memory."""
    known = {(e["label"], e["text"]) for e in dialogue.entities}
    entities = dialogue.entities + [
        e.as_dict() for e in u.entities if (e.label, e.text) not in known
    ]
    step = {"intent": u.intent, "confidence": u.confidence, "urgency": u.urgency}
    trail = [*dialogue.confidence_trail, step][-20:]
    # A pasted secret is always carried (a group post's marker must make the private chat
    # urgent), whatever the classifier makes of a text that is mostly a redaction marker.
    question = (u.text if u.intent in DOMAIN_INTENTS or u.has(LOW_CONFIDENCE) or u.secrets
                else None)
    return replace(dialogue, entities=entities, confidence_trail=trail,
                   last_question=question or dialogue.last_question)


def answerable_hits(u: Understanding, settings: PolicySettings) -> list[FaqHit]:
    """The FAQ entries the bot may answer with, best first: the understood intent's own
    entries that score high enough (a nearer entry of another intent is never shown)."""
    return [h for h in u.faq_hits if h.score >= settings.faq_min_score and h.intent == u.intent]


def missing_details(intent: str | None, entities: list[dict[str, Any]]) -> tuple[str, ...]:
    labels = {e["label"] for e in entities}
    wanted = DETAILS_BY_INTENT.get(intent or "", DEFAULT_DETAILS)
    return tuple(d for d in wanted if not labels & set(SATISFIED_BY[d]))


def csat_score(text: str) -> int | None:
    stripped = text.strip().rstrip("⭐★*").strip()
    if stripped in {"1", "2", "3", "4", "5"}:
        return int(stripped)
    stars = text.count("⭐") + text.count("★")
    return stars if 1 <= stars <= 5 and not stripped else None


def decide(u: Understanding, dialogue: DialogueState, conversation_state: str,
           settings: PolicySettings, incident: ActiveIncident | None = None,
           now: float | None = None) -> Decision:
    """`now` (seconds since the epoch) is the turn's clock: it spaces the notes to a
    trader who waits in the queue. Without it every such message gets its note."""
    decision = _decide(u, dialogue, conversation_state, settings, now)
    spoken = {a.name for a in decision.actions}
    if "handoff" in spoken:
        # A new case: the first message written while it waits is answered.
        decision = replace(decision, dialogue=replace(decision.dialogue, queue_note_at=None))
    elif now is not None and spoken & QUEUE_NOTES:
        decision = replace(decision, dialogue=replace(decision.dialogue, queue_note_at=now))
    if incident is not None:
        decision = with_incident(decision, u, incident)
    asked = u.has(UNCLEAR_VALUE)
    if asked:
        # Asked whatever else happens, after the actions of the row (a P1 handoff is not
        # delayed by it).
        decision = replace(decision, actions=(*decision.actions,
                                              _say("unclear_value_question")),
                           rule=decision.rule + " + unclear value")
    if decision.dialogue.asked_unclear_value != asked:
        decision = replace(decision,
                           dialogue=replace(decision.dialogue, asked_unclear_value=asked))
    return decision


def _decide(u: Understanding, dialogue: DialogueState, conversation_state: str,
            settings: PolicySettings, now: float | None) -> Decision:
    d = remember(dialogue, u)

    # 1 ─ a human owns the conversation: the bot stays quiet with an agent; in the queue
    # it says that the message reached the case, and where the trader stands.
    key_named = d.asked_unclear_value and u.has(NAMES_PRIVATE_KEY)
    if conversation_state in (st.QUEUED, st.WITH_AGENT):
        actions: list[Action] = []
        if u.secrets or key_named:
            actions += [_say(_secret_warning(u, key_named)),
                        Action("escalate", {"urgency": "P1", "reason": "secret_shared"})]
        elif u.urgency == "P1":
            actions.append(Action("escalate", {"urgency": "P1", "reason": _incident_reason(u)}))
        if conversation_state == st.QUEUED and not (u.secrets or key_named):
            if u.urgency == "P1":
                # An incident told while waiting: the case is urgent now, and they hear it.
                actions.append(Action("queued_note", {"urgent": True}))
            elif u.intent in ("request_human", "ticket_status"):
                actions.append(Action("ticket_status"))
            elif _queue_note_due(u, d, now, settings):
                actions.append(Action("queued_note", {"urgent": False}))
        # Last: it rebuilds the agent's packet once the escalation above has been made.
        actions.append(Action("forward_to_agent"))
        return Decision(tuple(actions), d, "1 with a human")

    # 2 ─ the CSAT answer after an agent closed the conversation.
    if d.stage == st.AWAITING_CSAT:
        score = csat_score(u.text)
        if score is not None:
            return Decision((Action("store_csat", {"score": score}), _say("csat_thanks")),
                            replace(d, stage=st.IDLE), "2 csat")
        d = replace(d, stage=st.IDLE)  # a new question instead: carry on below

    # 3 ─ nothing to understand.
    if u.has(EMPTY):
        return Decision((_say("empty_message"),), d, "3 empty")
    if u.has(NO_TEXT):
        return Decision((_say("not_understood", quick_replies=["human"]),), d, "3 no text")

    # 4, 5 ─ security first: protect, then a human at once; details come after. "That was
    # my private key", answering our question about a withheld 64-hex value, is a pasted
    # secret too (the value itself was never stored).
    if u.secrets or key_named:
        warning = _secret_warning(u, key_named)
        # A one-time code alone needs no new password nor new keys: the checklist is for
        # secrets that stay valid.
        checklist = () if warning == CODE_WARNING else (_say("security_checklist"),)
        return Decision((_say(warning), *checklist,
                         _handoff("secret_shared", "P1", missing_details(None, d.entities))),
                        replace(d, stage=st.IDLE, intent=u.intent, urgency="P1"), "4 secret")
    if u.urgency == "P1":
        return Decision((_say("security_checklist"),
                         _handoff(_incident_reason(u), "P1", missing_details(None, d.entities))),
                        replace(d, stage=st.IDLE, intent=u.intent, urgency="P1"), "5 P1")

    # 6 ─ a person, in one step.
    # A request for a person inside a longer message counts too ("… let me talk to a
    # human", "转人工"), whatever else the message asks.
    wants_human = u.intent == "request_human" or u.has(WANTS_HUMAN) or (
        d.stage == st.OFFERED_HUMAN and u.intent == "affirm")
    if wants_human:
        urgency = min(u.urgency, d.urgency if d.intent else "P3")
        return Decision((_handoff("user_request", urgency, _after_handoff_details(d)),),
                        replace(d, stage=st.IDLE), "6 human")
    if u.has(SELF_EXCLUSION):
        # A trading lock the trader asks for ("lock my futures for 30 days, I overtrade"):
        # only a person sets it, and no FAQ article about frozen accounts answers it.
        return Decision((_handoff("self_exclusion", u.urgency),),
                        replace(d, stage=st.IDLE, intent=u.intent, urgency=u.urgency),
                        "6 self-exclusion")
    if u.has(UNASKED_TOKENS):
        # Tokens that turned up unasked (dust, a scam airdrop), nothing gone: what the
        # trader needs is why that is not a break-in and what not to touch, not the
        # unauthorized-withdrawal article the intent model's "hacked?" would draw; a person
        # is one word away if anything else is wrong.
        return Decision((_say("unasked_tokens", quick_replies=["human"]),),
                        replace(d, stage=st.IDLE, intent=u.intent, urgency=u.urgency),
                        "6 unasked tokens")

    # 7, 8 ─ the answer to "did this solve it?".
    if d.stage == st.AWAITING_RESOLUTION and u.intent == "affirm":
        return Decision((Action("resolved"), _say("resolved_close")),
                        replace(d, stage=st.IDLE, denials=0), "7 solved")
    if d.stage == st.AWAITING_RESOLUTION and u.intent == "deny":
        d = replace(d, denials=d.denials + 1)
        if d.denials >= settings.max_denials or not d.candidates:
            return Decision((_handoff("faq_not_helpful", d.urgency, _after_handoff_details(d)),),
                            replace(d, stage=st.IDLE), "8 no → human")
        nxt, rest = d.candidates[0], d.candidates[1:]
        return Decision((_say("try_next_answer"), Action("answer_faq", {"entry_id": nxt}),
                         Action("ask_resolved")),
                        replace(d, answered=[*d.answered, nxt], candidates=rest), "8 no → next")
    if d.stage == st.OFFERED_HUMAN and u.intent == "deny":
        return Decision((_say("ack_reply"),), replace(d, stage=st.IDLE), "6 no human")

    # 9 ─ the details we asked for before handing over.
    if d.stage == st.COLLECTING_DETAILS:
        reason = d.pending_reason or "needs_agent"
        # Whatever came (details or "skip") is in the dialogue memory: hand over now rather
        # than ask twice.
        return Decision((_say("details_received"), _handoff(reason, d.urgency)),
                        replace(d, stage=st.IDLE, pending_reason=None), "9 details")

    # 10 ─ strong frustration: stop trying, get a person.
    if u.has(DISTRESS) and (u.intent in DOMAIN_INTENTS or d.denials):
        return Decision((_handoff("frustration", u.urgency,
                                  missing_details(u.intent, d.entities)),),
                        replace(d, stage=st.IDLE, intent=u.intent, urgency=u.urgency),
                        "10 frustration")

    # 11 ─ not sure what the user wants.
    if d.stage == st.AWAITING_CLARIFICATION and u.intent in d.clarify_options:
        pass  # the user picked one: answer it below as a confident turn
    elif not u.has(UNFAMILIAR) and (u.has(LOW_CONFIDENCE)
                                    or _needs_clarification(u, settings)):
        # An unfamiliar message (unlike all training data) is out of scope, not unclear:
        # asking to rephrase or choose between intents would not help; 12 answers it.
        streak = d.low_confidence_streak + 1
        if streak >= settings.max_low_confidence_turns:
            return Decision((_handoff("low_confidence", min(u.urgency, "P3"),
                                      missing_details(None, d.entities)),),
                            replace(d, stage=st.IDLE, low_confidence_streak=0), "11 unsure → human")
        top = [s.intent for s in u.ranking[:2]]
        if len(top) == 2 and all(i in DOMAIN_INTENTS for i in top) and (
            u.ranking[0].confidence - u.ranking[1].confidence < settings.clarify_margin
        ):
            return Decision((Action("clarify", {"options": top}),),
                            replace(d, stage=st.AWAITING_CLARIFICATION, clarify_options=top,
                                    low_confidence_streak=streak), "11 clarify")
        return Decision((_say("not_understood", quick_replies=["human"]),),
                        replace(d, stage=st.IDLE, low_confidence_streak=streak), "11 rephrase")
    d = replace(d, low_confidence_streak=0, clarify_options=[])

    # 12, 13 ─ out of scope and small talk.
    if u.intent == "out_of_scope":
        return Decision((_say("out_of_scope", quick_replies=["human"]),),
                        replace(d, stage=st.IDLE), "12 out of scope")
    if u.intent in SMALL_TALK:
        return Decision((_say(SMALL_TALK[u.intent]),), replace(d, stage=st.IDLE), "13 small talk")
    if u.intent in ("affirm", "deny"):
        # A "yes" / "ok" that answers nothing we asked: the greeting when it opens the
        # conversation, else an acknowledgement (not "you're welcome": nobody thanked).
        if u.intent == "deny":
            key = "not_understood"
        else:
            key = "greet" if len(d.confidence_trail) <= 1 else "ack_reply"
        return Decision((_say(key),), replace(d, stage=st.IDLE), "13 yes/no")

    # 14 ─ the status of a case.
    if u.intent == "ticket_status":
        return Decision((Action("ticket_status"),), replace(d, stage=st.IDLE), "14 status")

    # 15, 16 ─ a domain question.
    d = replace(d, intent=u.intent, urgency=u.urgency, denials=0)
    good = [h for h in answerable_hits(u, settings) if h.entry_id not in d.answered]
    if good:
        first = good[0].entry_id
        rest = [h.entry_id for h in good[1:]]
        return Decision((Action("answer_faq", {"entry_id": first}), Action("ask_resolved")),
                        replace(d, stage=st.AWAITING_RESOLUTION, answered=[*d.answered, first],
                                candidates=rest), "15 answer")
    if u.urgency in ("P2", "P3"):
        wanted = missing_details(u.intent, d.entities)
        if wanted:
            return Decision((Action("ask_details", {"details": list(wanted)}),),
                            replace(d, stage=st.COLLECTING_DETAILS, pending_reason="no_answer",
                                    missing_details=list(wanted)), "16 collect details")
        return Decision((_handoff("no_answer", u.urgency),), replace(d, stage=st.IDLE),
                        "16 hand off")
    return Decision((_say("offer_human", quick_replies=["yes", "no"]),),
                    replace(d, stage=st.OFFERED_HUMAN), "16 offer human")


# In a public group the bot never discusses an account: these go to a private chat.
PRIVATE_INTENTS = frozenset({
    "account_hacked", "reset_2fa", "account_locked", "login_problem", "kyc_verification",
    "ticket_status", "request_human", "account_closure", "deposit_missing",
})
PERSONAL_ENTITIES = frozenset({"uid", "email", "order_id", "ticket_id"})


def for_public_group(decision: Decision, u: Understanding, private_link: str) -> Decision:
    """A group conversation: account or security matters, and anything that would reach an
    agent, get only "please message me privately" (with a link carrying the context)."""
    personal = any(e.label in PERSONAL_ENTITIES for e in u.entities)
    needs_privacy = (
        u.secrets or u.urgency in ("P1", "P2") or u.intent in PRIVATE_INTENTS or personal
        or any(a.name in ("handoff", "escalate", "ask_details", "ticket_status")
               for a in decision.actions)
    )
    if not needs_privacy:
        return decision
    redirect = _say("group_dm_redirect", values={"link": private_link})
    return replace(decision, actions=(redirect,), rule=decision.rule + " → private chat",
                   dialogue=replace(decision.dialogue, stage=st.IDLE))


# Rows the declared incident never touches: the CSAT score, an empty message, and the P1
# rows (promise 1: a takeover or a pasted secret gets the security path, alone).
_NOT_FOR_INCIDENTS = frozenset({"2", "3", "4", "5"})


def with_incident(decision: Decision, u: Understanding, incident: ActiveIncident) -> Decision:
    """The row's decision during a declared incident (see the table above). A message
    about it gets the banner first; the conversation remembers the incident, so a case it
    opens later (after the details, a "no") still joins the incident's group. Never a P1:
    its handoff is not tagged, its reply carries no banner."""
    row = decision.rule.split(" ", 1)[0]
    if u.secrets or u.urgency == "P1" or row in _NOT_FOR_INCIDENTS:
        return decision
    matched = matches(incident, intent=u.intent, confident=not u.has(LOW_CONFIDENCE),
                      text=u.text)
    dialogue = replace(decision.dialogue, incident_id=incident.id) if matched \
        else decision.dialogue
    actions = decision.actions
    if dialogue.incident_id == incident.id:
        actions = tuple(_about_incident(action, incident.id) for action in actions)
    if not matched:
        return replace(decision, actions=actions, dialogue=dialogue)
    banner = Action("incident_banner", {"incident_id": incident.id,
                                        "banner": dict(incident.banner),
                                        "say": row != "1"})
    if row == "1":  # a human has the conversation: counted for the dashboard, not said
        return Decision((banner, *actions), dialogue, decision.rule + " + incident noted")
    if row == "15" and u.intent in incident.intents:
        # The FAQ tells the routine story ("withdrawals take up to 30 minutes; check the
        # network"), which the incident makes wrong: the banner answers, and the trader
        # can still reach a person.
        return Decision((banner, _say("incident_follow_up", quick_replies=["human"])),
                        replace(dialogue, stage=st.IDLE, answered=dialogue.answered[:-1],
                                candidates=[]), "15 answer → incident banner")
    return Decision((banner, *actions), dialogue, decision.rule + " + incident banner")


def _about_incident(action: Action, incident_id: int) -> Action:
    if action.name != "handoff" or action.params.get("urgency") == "P1":
        return action
    return Action(action.name, {**action.params, "incident_id": incident_id})


def _queue_note_due(u: Understanding, d: DialogueState, now: float | None,
                    settings: PolicySettings) -> bool:
    """A waiting trader's message is answered when it is the first since the handoff, a
    question or a hello ("hello??", "how much longer?", "もしもし？": silence would say
    nobody is there), or when nothing was said about the case for queued_note_seconds:
    a burst of details is not answered line by line."""
    if now is None or d.queue_note_at is None:
        return True
    if u.intent in ("greet", "bot_challenge") or "?" in u.text or "？" in u.text:
        return True
    return now - d.queue_note_at >= settings.queued_note_seconds


CODE_WARNING = "secret_warning_code"


def _secret_warning(u: Understanding, key_named: bool) -> str:
    """A 2FA code expires in seconds: "move your funds to a new wallet" (the warning for a
    seed phrase or a key) frightened a trader whose code did not work (0.11.12 trial). Not
    when the code went to someone, or someone else is in the account: then it is the full
    warning and the checklist."""
    only_a_code = set(u.secrets) == {"otp_code"} and not key_named
    if only_a_code and not (u.has(CREDENTIALS_GIVEN_AWAY) or u.has(SECURITY_INCIDENT)):
        return CODE_WARNING
    return "secret_warning"


def _incident_reason(u: Understanding) -> str:
    if u.has(CREDENTIALS_GIVEN_AWAY):
        return "credentials_given_away"
    return "account_takeover" if u.has(SECURITY_INCIDENT) else "urgent"


def _needs_clarification(u: Understanding, settings: PolicySettings) -> bool:
    if len(u.ranking) < 2 or u.ranking[0].confidence >= settings.clarify_below:
        return False
    return u.ranking[0].confidence - u.ranking[1].confidence < settings.clarify_margin and all(
        s.intent in DOMAIN_INTENTS for s in u.ranking[:2])


def _after_handoff_details(d: DialogueState) -> tuple[str, ...]:
    if d.intent in DOMAIN_INTENTS and d.urgency in ("P2", "P3"):
        return missing_details(d.intent, d.entities)
    return ()
