"""Simplified ⇄ Traditional Chinese conversion, one converter per direction per process
(each OpenCC instance holds ~11 MB of dictionaries)."""

from __future__ import annotations

from functools import lru_cache

from opencc import OpenCC


@lru_cache(maxsize=1)
def _to_traditional() -> OpenCC:
    return OpenCC("s2t")


@lru_cache(maxsize=1)
def _to_simplified() -> OpenCC:
    return OpenCC("t2s")


def to_traditional(text: str) -> str:
    return str(_to_traditional().convert(text))


def to_simplified(text: str) -> str:
    return str(_to_simplified().convert(text))


def in_script(text: str, lang: str | None, script: str | None) -> str:
    """Text written in Simplified Chinese, shown in the user's script."""
    return to_traditional(text) if lang == "zh" and script == "Hant" else text
