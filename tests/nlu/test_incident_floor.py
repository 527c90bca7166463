"""The rule under the incident detector (bot.nlu.incidents.floor): plain statements of a
takeover or of a secret handed over, and the refusals that must not read as one."""

import pytest

from bot.nlu.incidents import GAVE_AWAY, TAKEOVER, floor


@pytest.mark.parametrize("text,kind", [
    ("that withdrawal was not me", TAKEOVER),
    ("i gave my seed phrase to someone from support", GAVE_AWAY),
])
def test_plain_incidents(text, kind):
    assert floor(text) == kind


@pytest.mark.parametrize("text", [
    # Seventh round's false P1s: "told him" was read as handing the seed over.
    "some guy in a telegram group dm'd me asking for my seed phrase to 'validate' my wallet. "
    "told him to get lost. just fyi so you can warn people",
    "someone in a discord server asked for my seed phrase. told him no lol",
    "how do i know if someone has my seed phrase?",
])
def test_refusals_and_questions_are_no_incident(text):
    assert floor(text) is None
