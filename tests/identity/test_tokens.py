"""Widget identity tokens: what the exchange signed is accepted; anything else is refused
with the reason (no I/O here: the checks themselves)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot.identity.codes import code_hash, new_code, normalise
from bot.identity.tokens import Claims, TokenRefused, canonical, sign, verify

SECRET = b"s" * 40
NOW = 1_800_000_000.0


def _claims(uid="12345", email="trader@example.com", expires=int(NOW) + 600,
            secret=SECRET) -> Claims:
    return Claims(uid, email, expires, sign(secret, uid, email, expires))


def _refused(claims: Claims, skew: int = 60, lifetime: int = 86400) -> TokenRefused:
    with pytest.raises(TokenRefused) as refused:
        verify(SECRET, claims, NOW, skew, lifetime)
    return refused.value


def test_the_exchanges_signature_is_hmac_sha256_over_the_documented_string():
    # What an exchange's backend computes in any language, byte for byte.
    expected = hmac.new(SECRET, b"supportbot-identity-v1\n12345\ntrader@example.com\n1800000600",
                        hashlib.sha256).hexdigest()
    assert sign(SECRET, "12345", "trader@example.com", 1_800_000_600) == expected
    identity = verify(SECRET, _claims(), NOW, 60, 86400)
    assert (identity.uid, identity.email) == ("12345", "trader@example.com")


def test_a_forged_token_is_refused():
    refused = _refused(_claims(secret=b"another secret of forty bytes.........."))
    assert (refused.reason, refused.status) == ("forged", 401)
    assert "signature does not match" in str(refused)


@pytest.mark.parametrize("field", ["uid", "email", "expires"])
def test_a_tampered_field_is_refused(field):
    good = _claims()
    changed = {"uid": Claims("12346", good.email, good.expires, good.signature),
               "email": Claims(good.uid, "thief@example.com", good.expires, good.signature),
               "expires": Claims(good.uid, good.email, good.expires + 3600, good.signature)}
    assert _refused(changed[field]).reason == "forged"


def test_an_expired_token_is_refused_beyond_the_clock_skew():
    assert verify(SECRET, _claims(expires=int(NOW) - 30), NOW, 60, 86400).uid == "12345"
    refused = _refused(_claims(expires=int(NOW) - 61))
    assert (refused.reason, refused.status) == ("expired", 401)


def test_a_token_valid_for_too_long_is_refused():
    assert _refused(_claims(expires=int(NOW) + 86400 * 30)).status == 422


@pytest.mark.parametrize("uid,email", [("123\n45", "a@b.co"), ("12345", "a@b.co\nx"),
                                       ("", "a@b.co"), ("1" * 65, "a@b.co"),
                                       ("12345", "no-at-sign"), ("12345", "a@" + "b" * 260),
                                       ("12345", "a@b\ud800.co")])
def test_fields_that_could_make_the_signed_string_ambiguous_are_malformed(uid, email):
    with pytest.raises(TokenRefused) as refused:
        canonical(uid, email, int(NOW))
    assert refused.value.status == 422


def test_a_signature_that_is_not_64_hex_characters_is_malformed():
    good = _claims()
    for bad in ("", good.signature.upper(), good.signature + "00", "z" * 64):
        assert _refused(Claims(good.uid, good.email, good.expires, bad)).status == 422


def test_link_codes_are_typable_and_only_their_hash_is_kept():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    assert len(code) == 9 and code[4] == "-" and not set(code) & set("01ILO")
    # Typed back in lower case, without the dash, with spaces: the same code.
    assert normalise(code.lower().replace("-", " ")) == code.replace("-", "")
    assert code_hash(code) == hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    assert code_hash("ABCD-EFG0") is None and code_hash("short") is None
