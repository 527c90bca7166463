"""What agents see of a trader's identity: the packet's `identity` block and whether the
desk must warn before account-changing help. Pure: values in, values out."""

from __future__ import annotations

from typing import Any

# Help that changes who controls an account: exactly what an impostor talks agents into
# (bot/taxonomy.py names). An unverified trader asking for it gets a warning on the desk.
ACCOUNT_CHANGING_INTENTS = frozenset({
    "reset_2fa", "account_locked", "login_problem", "security_settings", "account_hacked",
    "account_closure", "api_keys",
})


def via_of(channel: str) -> str:
    return "telegram" if channel.startswith("telegram") else "widget"


def identity_block(conversation: Any) -> dict[str, Any]:
    """{verified, uid?, email?, via} from a conversation row (verified_uid is non-null
    only when the exchange vouched for the trader)."""
    uid = getattr(conversation, "verified_uid", None)
    if not uid:
        return {"verified": False, "via": None}
    block: dict[str, Any] = {"verified": True, "uid": uid,
                             "via": via_of(str(conversation.channel))}
    if getattr(conversation, "verified_email", None):
        block["email"] = conversation.verified_email
    return block


# Cases handed over for a security reason, whatever the headline intent ("I want a
# person" followed by a takeover report, a pasted seed phrase read as phishing_scam):
# the one an impostor would most like to have an agent "fix".
SECURITY_REASONS = frozenset({"account_takeover", "secret_shared", "credentials_given_away",
                              "urgent"})


def needs_warning(intent: str | None, identity: dict[str, Any],
                  reason: str | None = None) -> bool:
    sensitive = intent in ACCOUNT_CHANGING_INTENTS or reason in SECURITY_REASONS
    return bool(sensitive and not identity.get("verified"))
