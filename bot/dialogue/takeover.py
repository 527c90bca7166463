"""When an account may be in a thief's hands: page the on-call and offer the verified
trader to freeze withdrawals. Pure, like the policy: takes the policy's decision and the
facts about the conversation, returns the decision to run.

 when                                                     then
 a freeze button ("/freeze_withdrawals", "/freeze_confirm", "/freeze_cancel")
   the trader is not verified, or freeze is off           a polite refusal, nothing else
   "freeze withdrawals now"                               ask to confirm (yes / no)
   yes, after that question                               request the freeze (once)
   yes without the question (a crafted press)             ask to confirm
   no                                                     say nothing was changed
 a P1 case opened or raised to P1                         check whether to page the on-call
 … about a takeover or given-away credentials, the
   trader verified and freeze on                          offer "freeze withdrawals now"

A button press is never handed to the policy: its words ("/freeze_confirm") mean nothing
to the understanding, and a press must not change the case's priority."""

from __future__ import annotations

from dataclasses import replace

from bot.dialogue import state as st
from bot.dialogue.policy import Action, Decision
from bot.dialogue.state import DialogueState

FREEZE_OFFER, FREEZE_YES, FREEZE_NO = "/freeze_withdrawals", "/freeze_confirm", "/freeze_cancel"
FREEZE_BUTTONS = (FREEZE_OFFER, FREEZE_YES, FREEZE_NO)
CONFIRMING_FREEZE = "confirming_freeze"  # a dialogue stage: asked "Freeze now?"
# Handoff reasons where someone else may be draining the account.
TAKEOVER_REASONS = frozenset({"account_takeover", "credentials_given_away"})


def is_freeze_button(text: str) -> bool:
    return text.strip() in FREEZE_BUTTONS


def amend(decision: Decision, text: str, dialogue: DialogueState, conversation_state: str,
          *, verified: bool, freeze_available: bool) -> Decision:
    """The decision to run, given the policy's and what this module adds."""
    pressed = text.strip()
    if pressed in FREEZE_BUTTONS:
        return _pressed(pressed, dialogue, conversation_state, verified and freeze_available)
    p1 = [a for a in decision.actions
          if a.name in ("handoff", "escalate") and a.params.get("urgency") == "P1"]
    if not p1:
        return decision
    added = [Action("page_on_call")]
    rule = decision.rule
    if verified and freeze_available and any(a.params.get("reason") in TAKEOVER_REASONS
                                              for a in p1):
        added.insert(0, Action("offer_freeze"))
        rule += " + freeze offer"
    actions = list(decision.actions)
    # Before forward_to_agent, which rebuilds the packet last.
    at = next((i for i, a in enumerate(actions) if a.name == "forward_to_agent"), len(actions))
    actions[at:at] = added
    return replace(decision, actions=tuple(actions), rule=rule)


def _pressed(pressed: str, dialogue: DialogueState, conversation_state: str,
             allowed: bool) -> Decision:
    stage = dialogue.stage
    if not allowed:
        actions: tuple[Action, ...] = (Action("utter", {"key": "freeze_not_available"}),)
        rule = "F freeze refused"
    elif pressed == FREEZE_NO:
        actions, rule, stage = (Action("utter", {"key": "freeze_cancelled"}),), "F no", st.IDLE
    elif pressed == FREEZE_YES and dialogue.stage == CONFIRMING_FREEZE:
        actions, rule, stage = (Action("request_freeze"),), "F yes", st.IDLE
    else:
        actions, rule, stage = (Action("ask_freeze_confirmation"),), "F confirm?", CONFIRMING_FREEZE
    if conversation_state in (st.QUEUED, st.WITH_AGENT):
        actions = (*actions, Action("forward_to_agent"))
    return Decision(actions, replace(dialogue, stage=stage), rule)
