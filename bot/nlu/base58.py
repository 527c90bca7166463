"""Base58Check decoding: tells a real WIF key or TRON/BTC address from a random string."""

from __future__ import annotations

import hashlib

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: i for i, char in enumerate(_ALPHABET)}


def decode_check(text: str) -> bytes | None:
    """The payload if `text` is valid Base58Check (4-byte double-SHA256 checksum)."""
    number = 0
    for char in text:
        if char not in _INDEX:
            return None
        number = number * 58 + _INDEX[char]
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(text) - len(text.lstrip("1"))) + raw
    if len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    digest = hashlib.sha256(hashlib.sha256(payload).digest()).digest()
    return payload if digest[:4] == checksum else None
