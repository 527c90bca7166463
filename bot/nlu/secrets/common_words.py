"""The 3,000 commonest words of each language we serve (common_words.json, built by
scripts/build_bip39_frequencies.py): what a password or a seed phrase's typo is not."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from bot.nlu.folding import fold

_COMMON_WORDS = Path(__file__).parent / "common_words.json"


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    return frozenset(json.loads(_COMMON_WORDS.read_text(encoding="utf-8")))


# Words of the trade, common in our chats though not in general frequency lists: "wallet
# empty, market crash, …" is prose, not a seed phrase with "wallet" as its typo.
_TRADING_WORDS = frozenset((
    "wallet", "wallets", "bitcoin", "crypto", "cryptos", "token", "tokens", "coins",
    "usdt", "usdc", "btc", "eth", "exchange", "withdraw", "withdrawal", "deposit",
    "futures", "margin", "leverage", "staking", "airdrop", "blockchain", "altcoin",
    "altcoins", "memecoin", "hodl", "pump", "dump", "whale", "whales", "liquidated",
    "liquidation", "kyc", "p2p", "defi", "nft", "nfts", "metamask", "binance",
))


def common_word(word: str) -> bool:
    folded = fold(word)
    return folded in common_words() or folded in _TRADING_WORDS
