"""Pay the models' first-use costs before the first user does.

A freshly loaded NLU is slow on its first messages: the first takeover report a new
process read took 646 ms (median of 5 processes with a server's one embedder thread;
22.6 ms after this warm-up, `bench.first_message`, 2-core VM, 0.11.15), the first Chinese
message about 50 ms and the first with a long hex string about 25 ms more than once warm:
the embedders, tokenizers and text tools initialise on first use. After a restart in the
middle of a flood that first message may be a takeover report. So a server process, and
its routine child, read a few messages of every kind before they serve (about 1 s).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.nlu.pipeline import NLU

log = logging.getLogger(__name__)

# Written for this purpose: one message per supported language and the shapes whose first
# reading is costly (Traditional Chinese, Russian in Latin letters or on the wrong layout,
# a hash, an address, a cue for a secret). None of them is a real secret: the scanner
# reads them and they go nowhere.
WARM_UP_MESSAGES = (
    "my balance is zero, somebody took all my coins from the account and it wasn't me",
    "我的USDT充值两个小时了还没到账",
    "我的帳號被盜了，幣都被提領走了",
    "mi retiro lleva tres horas pendiente",
    "как включить двухфакторную аутентификацию?",
    "出金がまだ反映されていません",
    "입금한 코인이 안 보여요",
    "wie hoch sind die Auszahlungsgebühren?",
    "ma vérification d'identité a été refusée",
    "hesabıma başkası girdi, şifremi değiştirmişler",
    "meu depósito em reais não caiu",
    "la mia posizione è stata liquidata",
    "tài khoản của tôi bị khóa",
    "moi akkaunt vzlomali",  # Russian in Latin letters
    "ghjgfkb ltymub c rjitkmrf",  # Russian typed with the Latin layout on
    "txid 9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8 still pending",
    "send it to 0x52908400098527886E0F7030069857D2E4169EE7 please",
    "my password is what they asked for, is that normal?",
    "ok",
)


def warm_up(nlu: NLU) -> float:
    """Read the warm-up messages once, check one public-group post and write one reply in
    Traditional script; returns the seconds it took. A step that fails is logged (its
    type only) and skipped: warming must never stop a server from starting, the first
    real message will show the fault."""
    from bot.nlu.chinese_script import in_script

    started = time.perf_counter()
    steps: list[Callable[[], object]] = [partial(nlu.parse, text) for text in WARM_UP_MESSAGES]
    steps += [partial(nlu.scam_post, "send 1 ETH to this address and get 2 ETH back"),
              partial(in_script, "提现一般在30分钟内到账", "zh", "Hant")]
    for step in steps:
        try:
            step()
        except Exception as error:
            log.warning("warm-up: a step failed (%s)", type(error).__name__)
    return time.perf_counter() - started
