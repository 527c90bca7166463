"""Does a message ask for a person? Read sentence by sentence with cue words
(resources/person_request.yml), in every language we serve.

A sentence asks for someone when it names a person of the exchange (a human, an agent, an
operator, "someone from support", 人工, 상담원) together with a request (talk, connect,
transfer, I want, is there, please), or is little more than that person and a "now" or
"please" ("human please", "Atendente. Agora."), and nothing in the same sentence says the
opposite: no need of one, an impostor who claimed to be one, someone met before, a
question about whether we are a bot, or about weekend hours. Reading sentence by sentence
keeps "a fake agent called me. I want to talk to a real person" a request.

The older phrase patterns (triage_cues.yml `wants_human`) still count, in a sentence
nothing guards; this reading adds the wordings they never listed ("put me through to a
member of your staff", "pásame con alguien de atención al cliente"). The word lists were
written against tests/fixtures/person_requests.jsonl (660 lines a helper wrote without
seeing the project: 480 requests and 180 look-alikes, 12 languages), so its figures are a
development score, not a blind one: the two readings together find 87.7% (0.11.9) of its requests
(the phrases alone 31.5%) and fire on 5.6% of its look-alikes (16.1%); 0.11.17's words (fresh
set v's misses) 95.2% and 5.0%. Words a reviewer broke with look-alikes outside that list
("c'e" matching "ce", "müdür" the question particle, "password manager", reported
speech) were narrowed to forms that only ask; tests/nlu/test_one_script_and_compound.py
keeps those look-alikes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from bot.nlu.cue_words import cue_file
from bot.nlu.folding import fold

_CUES = Path(__file__).parent / "resources" / "person_request.yml"
# Sentence ends, and the dashes that join two thoughts ("escalate this to a human — my
# 2FA codes…"); commas stay inside a sentence.
_SENTENCE = re.compile(r"[.!?。！？\n;；…]+|\s[—–-]\s")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def asks_for_person(text: str, phrases: re.Pattern[str] | None = None) -> bool:
    """`phrases`: whole request phrases ("转人工", "talk to a human") that count in any
    sentence nothing guards."""
    cues = cue_file(_CUES)
    for original in _SENTENCE.split(text):
        sentence = fold(original)
        if cues["guard"].search(sentence):
            continue
        if phrases is not None and phrases.search(original):
            return True
        if any(_asks_around(sentence, person, cues) for person in _people(sentence, cues)):
            return True
    return False


def _people(sentence: str, cues: dict[str, re.Pattern[str]]) -> Iterator[re.Match[str]]:
    """The first mention of a person and those overlapping it: in "нужен человек из
    вашей команды" the short "нужен человек" would hide "человек из вашей команды", the
    one that leaves the request ("нужен") around it. Later, separate mentions are not
    tried: each try reads the whole sentence again, and a 4 KB message repeating a
    person word would cost a second of the understanding thread."""
    person = cues["person"].search(sentence)
    end = person.end() if person is not None else 0
    while person is not None and person.start() < end:
        yield person
        end = max(end, person.end())
        person = cues["person"].search(sentence, person.start() + 1)


def _asks_around(sentence: str, person: re.Match[str], cues: dict[str, re.Pattern[str]]
                 ) -> bool:
    # The request is read around the person ("live chat" is not a request to chat).
    around = sentence[:person.start()] + " " + sentence[person.end():]
    if cues["ask"].search(around):
        return True
    # Nothing but the person, an article and a "please"/"now": "un humain svp".
    return not _WORD.search(cues["bare"].sub(" ", around))

