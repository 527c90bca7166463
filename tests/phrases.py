"""Seed phrases for tests, drawn from a fixed seed so that every run checks the same
phrases: a random draw once produced a phrase holding "this", which the test's own
"is this safe?" then contained, and CI went red on luck rather than on a bug."""

from __future__ import annotations

import random

from mnemonic import Mnemonic


def seed_phrase(language: str = "english", strength: int = 128, seed: int = 0) -> str:
    entropy = random.Random(f"{language}/{strength}/{seed}").randbytes(strength // 8)
    return Mnemonic(language).to_mnemonic(entropy)
