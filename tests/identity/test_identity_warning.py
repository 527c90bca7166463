"""When the desk warns before account-changing help: an unverified trader whose case is
about account access, or was handed over for a security reason whatever its headline
intent (found by a product trial: "I want a person", then a takeover report, showed no
warning)."""

from __future__ import annotations

import pytest

from bot.identity.view import needs_warning

UNVERIFIED = {"verified": False, "via": None}
VERIFIED = {"verified": True, "uid": "U1", "via": "widget"}


@pytest.mark.parametrize(("intent", "reason", "warned"), [
    ("reset_2fa", "user_request", True),
    ("request_human", "account_takeover", True),
    ("phishing_scam", "secret_shared", True),
    ("phishing_scam", "credentials_given_away", True),
    ("trading_fees", "user_request", False),
    ("withdrawal_delay", "no_answer", False),
    (None, None, False),
])
def test_an_unverified_trader_is_warned_about_by_intent_or_by_security_reason(
        intent, reason, warned):  # type: ignore[no-untyped-def]
    assert needs_warning(intent, UNVERIFIED, reason) is warned
    assert needs_warning(intent, VERIFIED, reason) is False
