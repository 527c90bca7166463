"""Private keys, extended keys and exchange API secrets, told apart from transaction ids.

A 64-hex string is a private key or a transaction hash: nothing in its shape says which.
The words around it decide, on both sides, the nearest one winning: "txid", "hash", an
explorer link or a deposit/withdrawal complaint make it a transaction; "private key" (not
negated: "I never shared my private key") makes it a key. With no word either way it is
withheld: never stored, and the user is asked (see README, "An unclear 64-hex value").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.nlu.base58 import decode_check
from bot.nlu.cue_words import CJK_LETTERS
from bot.nlu.folding import Folded
from bot.nlu.secrets.cues import find

PRIVATE_KEY = "private_key"
API_SECRET = "api_secret"
UNCLEAR_HEX = "unclear_hex"

_HEX64 = re.compile(r"(?<![0-9a-z])(?:0x)?[0-9a-f]{64}(?![0-9a-z])")
# The same 64 hex digits copied in groups ("3f2a9c1e 77b0…", or two halves on two lines):
# 0.11.13 trial, a labelled key with a line break inside was stored in clear.
_HEX_GROUPS = re.compile(
    r"(?<![0-9a-z])(?:0x)?[0-9a-f]{4,}(?:[ \t\n\-:]{1,2}[0-9a-f]{4,}){1,15}(?![0-9a-z])")
_WIF = re.compile(r"(?<![0-9A-Za-z])[5KLc9][1-9A-HJ-NP-Za-km-z]{50,51}(?![0-9A-Za-z])")
_EXTENDED = re.compile(
    r"(?<![0-9A-Za-z])[xyztuvXYZ]prv[1-9A-HJ-NP-Za-km-z]{100,112}(?![0-9A-Za-z])")
# A CJK letter next to a token does not make it part of a word: "Secret Key是Id8J…",
# "シークレットキー7psS…で".
_TOKEN = re.compile(rf"(?<![+/=.@:-])(?<![^\W{CJK_LETTERS}])[A-Za-z0-9+/=_\-]{{16,200}}"
                    rf"(?![+/=@-])(?![^\W{CJK_LETTERS}])")
_BASE58 = set("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
_KEY_WINDOW = 80
_NEGATION_WINDOW = 40
# A line break alone is no sentence end: "0x…\nthat's my private key" is one statement.
_SENTENCE_END = re.compile(r"[.!?。！？]|\n\s*\n")
# A cue in another sentence ("I know you never ask for my private key. Withdrawal: …")
# says less about the value than one in the same sentence.
_OTHER_SENTENCE = 100
# A negation governs a cue in its own clause only: "didn't arrive, my key is …".
_CLAUSE_END = re.compile(r"[.!?。！？\n,;，；、]")
_FUNDS_PENALTY = 40  # a deposit word somewhere counts less than "txid" next to the value
# A label names the value after it ("TXID: 0x…"); a cue after the value as close as that
# says less ("… 秘密鍵は誰にも教えていません": the key is what was NOT shared).
_AFTER_PENALTY = 5
_API_WINDOW = 40


@dataclass(frozen=True)
class Found:
    start: int  # offsets in the text scanned (the original, not folded)
    end: int
    kind: str


def _distance(cue: tuple[int, int], value: tuple[int, int], folded: str) -> int:
    if cue[1] <= value[0]:
        gap = folded[cue[1]:value[0]]
        behind = 0
    elif cue[0] >= value[1]:
        gap = folded[value[1]:cue[0]]
        behind = _AFTER_PENALTY
    else:
        return 0
    return len(gap) + behind + (_OTHER_SENTENCE if _SENTENCE_END.search(gap) else 0)


def _unnegated(cues: list[tuple[int, int]], negations: list[tuple[int, int]],
               folded: str) -> list[tuple[int, int]]:
    kept = []
    for cue in cues:
        before = [n for n in negations if 0 <= cue[0] - n[1] <= _NEGATION_WINDOW
                  and not _CLAUSE_END.search(folded[n[1]:cue[0]])]
        if not before:
            kept.append(cue)
    return kept


_HEX_GROUP = re.compile(r"[0-9a-f]{4,}")


def _grouped_key(match: re.Match[str]) -> tuple[int, int] | None:
    """The first groups of the match that make 64 hex digits, when the groups are of one
    length but the last (a key copied in fours, eights, halves, or wrapped) and hold a
    letter: two UUIDs or
    eight 8-digit order numbers are not a key, and "… added to metamask" after the
    groups is not part of it ("added" is hex)."""
    groups = list(_HEX_GROUP.finditer(match.group(0), 2 if match.group(0).startswith("0x")
                                      else 0))
    digits = 0
    for count, group in enumerate(groups, 1):
        digits += len(group.group(0))
        if digits == 64:
            taken = groups[:count]
            sizes = [len(g.group(0)) for g in taken]
            # One size, the last group shorter at most (a line wrapped at 40): two
            # UUIDs (8-4-4-4-12) are not a key.
            if count < 2 or len(set(sizes[:-1])) > 1 or sizes[-1] > sizes[0] or not any(
                    c in "abcdef" for g in taken for c in g.group(0)):
                return None
            # Two unequal halves are a key wrapped at a line's end, not an address and an
            # id side by side ("0x<40> <24>", 0.11.13 review: the address was withheld).
            gap = match.group(0)[taken[0].end():taken[1].start()]
            if count == 2 and sizes[0] != sizes[1] and (
                    "\n" not in gap or match.group(0).startswith("0x")):
                return None
            return match.start(), match.start() + taken[-1].end()
        if digits > 64:
            return None
    return None


def hex_values(f: Folded) -> list[Found]:
    """Each 64-hex value: a private key, unclear, or a transaction hash (not returned)."""
    folded = f.text
    matches = [m.span() for m in _HEX64.finditer(folded)]
    matches += [span for m in _HEX_GROUPS.finditer(folded)
                if (span := _grouped_key(m)) is not None]
    if not matches:
        return []
    key_cues = _unnegated(find("private_key", folded), find("negation", folded), folded)
    tx_cues = find("transaction", folded)
    funds_cues = find("funds_movement", folded)
    found = []
    for value in matches:
        key = min((_distance(c, value, folded) for c in key_cues), default=None)
        key = key if key is not None and key <= _KEY_WINDOW else None
        tx = min((_distance(c, value, folded) for c in tx_cues), default=None)
        tx = tx if tx is not None and tx <= _KEY_WINDOW else None
        funds = min((_distance(c, value, folded) + _FUNDS_PENALTY
                      for c in funds_cues), default=None)
        transaction = min((d for d in (tx, funds) if d is not None), default=None)
        if key is not None and (transaction is None or key <= transaction):
            found.append(Found(*f.span(*value), PRIVATE_KEY))
        elif transaction is None:
            found.append(Found(*f.span(*value), UNCLEAR_HEX))
    return found


def says_private_key(text: str) -> bool:
    """Whether the text calls something a private key, not negated ("that was my private
    key", "era mi clave privada"; not "it was not my private key"): the answer to the
    question about a withheld 64-hex value."""
    folded = Folded.of(text).text
    return bool(_unnegated(find("private_key", folded), find("negation", folded), folded))


def encoded_keys(text: str) -> list[Found]:
    """WIF private keys and extended private keys. A mainnet WIF's exact shape (51
    characters from "5", 52 from "K" or "L") is a key even when its checksum fails: a key
    copied with one character wrong still opens the wallet to whoever fixes it, and no
    address, hash or signature has that length. Testnet shapes need the checksum."""
    found = []
    for match in _WIF.finditer(text):
        key = match.group(0)
        payload = decode_check(key)
        checked = (payload is not None and payload[0] in (0x80, 0xEF)
                   and len(payload) in (33, 34))
        if checked or _mainnet_wif_shape(key):
            found.append(Found(*match.span(), PRIVATE_KEY))
    found += [Found(*m.span(), PRIVATE_KEY) for m in _EXTENDED.finditer(text)]
    return found


def _mainnet_wif_shape(key: str) -> bool:
    body = key[1:]
    return ((key[0] == "5" and len(key) == 51) or (key[0] in "KL" and len(key) == 52)) and (
        any(c.islower() for c in body) and any(c.isupper() for c in body)
        and any(c.isdigit() for c in body))


def _random_looking(token: str) -> bool:
    classes = sum((any(c.islower() for c in token), any(c.isupper() for c in token),
                   any(c.isdigit() for c in token)))
    return classes >= 2 and not token.strip("-_").isdigit()


def _hex_secret(token: str) -> bool:
    """Hex after an API cue: 16 to 128 characters, but not 40 (an address) or 64 (a key
    or a transaction, hex_values' to decide), and never 0x-prefixed."""
    return (16 <= len(token) <= 128 and len(token) not in (40, 64)
            and not token.lower().startswith("0x") and not _public_key(token)
            and all(c in "0123456789abcdefABCDEF" for c in token)
            and any(c.isalpha() for c in token) and any(c.isdigit() for c in token))


def _public_key(token: str) -> bool:
    """A compressed public key: 66 hex from 02 or 03 (shared for multisig, never secret)."""
    return len(token) == 66 and token[:2] in ("02", "03")


def _address_or_hash(token: str) -> bool:
    bare = token[2:] if token.lower().startswith("0x") else token
    if all(c in "0123456789abcdefABCDEF" for c in bare):
        return True  # hex: a hash or an address, decided by hex_values
    if token.lower().startswith(("bc1", "tb1", "ltc1")):
        return True
    return set(token) <= _BASE58 and (decode_check(token) is not None
                                      or 25 <= len(token) <= 44 or 86 <= len(token) <= 88)


_SECRET_WORD = re.compile(r"secre|секрет|시크릿|密钥|密鑰|秘钥|シークレット|segret|gizli|bi mat"
                          r"|geheim")
_SECRET_WORD_GAP = 4  # "Secret Key: …": the label right before the value


def _after_secret_word(folded: str, cues: list[tuple[int, int]], start: int) -> bool:
    return any(0 <= start - end <= _SECRET_WORD_GAP and _SECRET_WORD.search(folded[a:end])
               for a, end in cues)


def _unchecked_base58(token: str) -> bool:
    return (token.isalnum() and not token.isdigit() and decode_check(token) is None
            and not token.lower().startswith(("bc1", "tb1", "ltc1", "0x")))


def _in_link(text: str, match: re.Match[str]) -> bool:
    """Part of a URL ("…/#/transaction/<hash>"): a path, not a credential."""
    start = text.rfind(" ", 0, match.start()) + 1
    end = text.find(" ", match.end())
    chunk = text[start:end if end >= 0 else len(text)]
    return "://" in chunk or "www." in chunk or "#/" in chunk


def api_secrets(f: Folded) -> list[Found]:
    """A random-looking token right after an API cue, or a bare one long and random
    enough that it can only be a credential (64 letters and digits with 0/O/I/l, which
    addresses and signatures never contain, or base64 with '+' and '/')."""
    cues = find("api_secret", f.text)
    found = []
    for match in _TOKEN.finditer(f.original):
        token = match.group(0)
        if not _random_looking(token) or _in_link(f.original, match):
            continue
        start = f.at(match.start())
        after_cue = any(0 <= start - c[1] <= _API_WINDOW for c in cues)
        if _address_or_hash(token):
            # "Secret Key: 7f3c…" (32 hex): exchanges issue hex secrets too. A 64-hex
            # value is hex_values' to decide (a key or a transaction), 40 an address.
            # Right after a word that says "secret", letters and digits that no checksum
            # makes an address are the secret (Upbit's 40 characters can be all base58).
            if after_cue and (_hex_secret(token) or (
                    _after_secret_word(f.text, cues, start) and _unchecked_base58(token))):
                found.append(Found(*match.span(), API_SECRET))
            continue
        bare_alnum = (len(token) >= 48 and token.isalnum() and not set(token) <= _BASE58)
        # Base64 has "+", "/" or "=" padding, which no address or hash contains.
        bare_base64 = len(token) >= 40 and ("+" in token or "/" in token
                                            or token.endswith("="))
        # Credentials mix letters and digits; "Wallet-Validierungsseite" is a word.
        mixed = any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
        if mixed and ((after_cue and len(token) >= 16) or bare_alnum or bare_base64):
            found.append(Found(*match.span(), API_SECRET))
    return found


# A key sent in two messages (0.11.13 trial: "private key part 1: <32 hex>", then "part 2:
# <32 hex>"; a WIF key cut in two). The first message shows it is a part: a part word
# beside a key or secret, hex too short for a key after a private-key cue, or the start
# of a WIF after a key cue. The message after it has its hex and WIF-like tokens read as
# the rest (bot.nlu.secrets, KEY_CONTEXT). Order numbers (digits only), addresses and
# UUIDs stay (0.11.13 review: the first version took every long token after any key).
_PART_WORD = re.compile(
    r"\b(?:part|half|first|1/2|parte|partie|teil|halfte|часть|половин\w*)\b|一半|前半|앞부분")
_HEX_PART = re.compile(r"(?<![0-9a-z])(?:0x)?[0-9a-f]{16,63}(?![0-9a-z])")
_KEY_PART = re.compile(r"(?<![0-9A-Za-z])(?:0x)?[0-9A-Za-z]{16,64}(?![0-9A-Za-z-])")
_WIF_START = re.compile(r"(?<![0-9A-Za-z])[5KLc9][1-9A-HJ-NP-Za-km-z]{19,49}(?![0-9A-Za-z])")
_ADDRESS_WORD = re.compile(
    r"address|adres|direcci|endere|adresse|indirizzo|адрес|地址|アドレス|주소|dia chi")
_ADDRESS_START = "13TLMD"  # Bitcoin, TRON, Litecoin, Dogecoin addresses (26–35 characters)


def names_a_part(f: Folded) -> bool:
    return bool(_PART_WORD.search(f.text))


def _wif_like(token: str) -> bool:
    """Base58 with capitals, small letters and digits: a WIF key or a piece of one."""
    return (set(token) <= _BASE58 and any(c.isupper() for c in token)
            and any(c.islower() for c in token) and any(c.isdigit() for c in token)
            and not (26 <= len(token) <= 35 and token[0] in _ADDRESS_START))


def _hex_with_a_letter(token: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in token) and any(
        c in "abcdefABCDEF" for c in token)


def key_parts(text: str) -> list[Found]:
    """In the message right after part of a key or secret: its hex (a letter among the
    digits, at most 64; not a 0x address), WIF-like tokens and tokens of capitals, small
    letters and digits are its rest."""
    found = []
    for match in _KEY_PART.finditer(text):
        token = match.group(0)
        bare = token[2:] if token.lower().startswith("0x") else token
        if token.lower().startswith("0x") and len(bare) == 40:
            continue  # an EVM address
        if _in_link(text, match):
            continue
        if _hex_with_a_letter(bare) or _wif_like(bare):
            found.append(Found(*match.span(), PRIVATE_KEY))
        elif _random_mix(bare):  # the rest of an API secret ("second half Xk29…")
            found.append(Found(*match.span(), API_SECRET))
    return found


def _random_mix(token: str) -> bool:
    """Capitals, small letters and digits together, as generated secrets are."""
    return (any(c.isupper() for c in token) and any(c.islower() for c in token)
            and sum(c.isdigit() for c in token) >= 2)


def key_starts(f: Folded) -> list[Found]:
    """Part of a key in this message: hex too short for a key (16–63 digits) right after
    a private-key cue ("mi clave privada parte 1: …"), or the start of a WIF right after
    a key or secret cue ("key: KzQw6hMr…"), not after an address word."""
    private = find("private_key", f.text)
    found = []
    for match in _HEX_PART.finditer(f.text):
        token = match.group(0)
        if len(token.removeprefix("0x")) == 40:
            continue  # an EVM address ("la chiave privata del wallet 0x8c1d…")
        if any(0 <= match.start() - c[1] <= _API_WINDOW for c in private) and any(
                c in "abcdef" for c in token):
            found.append(Found(*f.span(*match.span()), PRIVATE_KEY))
    cues = private + find("api_secret", f.text)
    for match in _WIF_START.finditer(f.original):
        start = f.at(match.start())
        near = [c for c in cues if 0 <= start - c[1] <= _API_WINDOW]
        if near and _wif_like(match.group(0)) and not _in_link(f.original, match) and not (
                _ADDRESS_WORD.search(f.text[max(0, start - 30):start])):
            found.append(Found(*match.span(), PRIVATE_KEY))
    return found
