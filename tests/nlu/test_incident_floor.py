"""The rule under the incident detector (bot.nlu.incidents.floor): plain statements of a
takeover or of a secret handed over, and the refusals that must not read as one."""

import pytest

from bot.nlu.incidents import GAVE_AWAY, TAKEOVER, floor


@pytest.mark.parametrize("text,kind", [
    ("that withdrawal was not me", TAKEOVER),
    ("i gave my seed phrase to someone from support", GAVE_AWAY),
    # Someone else acting on the account (0.11.19: a retrained detector gave the first
    # 0.39, under the cut; "withdrew" is no "withdraw*").
    ("someone withdrew my 2 ETH, it never arrived in my wallet", TAKEOVER),
    ("Кто-то вывел все деньги с моего аккаунта", TAKEOVER),
    ("有人登录了我的账号，还改了密码", TAKEOVER),
    ("alguien retiró mis USDT anoche", TAKEOVER),
    ("誰かが出金した形跡がある", TAKEOVER),
])
def test_plain_incidents(text, kind):
    assert floor(text) == kind


@pytest.mark.parametrize("text", [
    # Seventh round's false P1s: "told him" was read as handing the seed over.
    "some guy in a telegram group dm'd me asking for my seed phrase to 'validate' my wallet. "
    "told him to get lost. just fyi so you can warn people",
    "someone in a discord server asked for my seed phrase. told him no lol",
    "how do i know if someone has my seed phrase?",
    # Someone else's action asked about, or the user's own.
    "what happens if someone logged into my account with my password?",
    "the new-device login was me, nobody else; I thought someone logged in but no",
])
def test_refusals_and_questions_are_no_incident(text):
    assert floor(text) is None
