from bot.nlu.typos import mend_typos


def test_the_words_of_a_takeover_report_are_read_as_meant():
    assert mend_typos("my ac is hakced") == "my ac is hacked"
    assert mend_typos("my acount was hakked, fnds stolne") == "my account was hacked, fnds stolen"
    assert mend_typos("withdrawl pending") == "withdrawal pending"


def test_other_words_and_identifiers_stay():
    for text in ("packed my bags", "backed up my seed", "I withdrew 5 eth", "Passwort vergessen",
                 "email me at hakced@mail.com", "how do i withdraw", "the hackers"):
        assert mend_typos(text) == text


def test_a_misspelt_takeover_is_p1(shipped_nlu):
    """0.11.13 trial: "my ac is hakced" was P4 and "accnt hcked, fnds gone" P2."""
    for text in ("my ac is hakced", "accnt hcked, fnds gone"):
        result = shipped_nlu.parse(text)
        assert result.urgency == "P1" and result.text == text
