"""The intent taxonomy and urgency levels (a contract used by outside evaluation).

The base urgency per intent lives in config.yml (the triage table) so operators can tune
it; this module only fixes the names that must never change.
"""

from __future__ import annotations

from typing import Literal

Urgency = Literal["P1", "P2", "P3", "P4"]
URGENCY_LEVELS: tuple[Urgency, ...] = ("P1", "P2", "P3", "P4")

CONVERSATIONAL_INTENTS: tuple[str, ...] = (
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "request_human",
    "bot_challenge",
    "out_of_scope",
)

DOMAIN_INTENTS: tuple[str, ...] = (
    "account_hacked",
    "phishing_scam",
    "reset_2fa",
    "account_locked",
    "futures_liquidation",
    "login_problem",
    "kyc_verification",
    "deposit_missing",
    "withdrawal_delay",
    "fiat_transfer",
    "order_problem",
    "api_keys",
    "ticket_status",
    "deposit_howto",
    "withdrawal_howto",
    "trading_fees",
    "earn_products",
    "contact_support",
    "account_closure",
    "security_settings",
)

ALL_INTENTS: frozenset[str] = frozenset(CONVERSATIONAL_INTENTS + DOMAIN_INTENTS)
OUT_OF_SCOPE = "out_of_scope"

SUPPORTED_LANGUAGES: tuple[str, ...] = (
    "en", "zh", "es", "ru", "ja", "ko", "de", "fr", "tr", "pt", "it", "vi",
)


def raise_urgency(level: Urgency) -> Urgency:
    """One level more urgent; P1 stays P1."""
    index = URGENCY_LEVELS.index(level)
    return URGENCY_LEVELS[max(0, index - 1)]
