"""Malformed data files fail with the file, the line and what to fix."""

from pathlib import Path

import pytest

from bot.errors import DataFileError
from bot.knowledge.faq_corpus import read_faq_file
from bot.knowledge.nlu_examples import read_csv, read_examples, read_rasa_nlu
from bot.taxonomy import ALL_INTENTS


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_that_does_not_parse(tmp_path):
    path = write(tmp_path, "bad.yml", 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n'
                 "    - hi\n  - intent: [oops\n")
    with pytest.raises(DataFileError) as error:
        read_rasa_nlu(path, ALL_INTENTS)
    assert error.value.path == str(path) and error.value.line is not None
    assert "Check indentation" in str(error.value)


def test_intent_outside_the_taxonomy_names_file_and_line(tmp_path):
    path = write(tmp_path, "x.yml", 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n'
                 "    - hi\n- intent: make_coffee\n  examples: |\n    - coffee pls\n")
    with pytest.raises(DataFileError) as error:
        read_rasa_nlu(path, ALL_INTENTS)
    assert error.value.line == 6
    assert "make_coffee" in str(error.value) and "deposit_missing" in str(error.value)


def test_example_line_without_dash(tmp_path):
    path = write(tmp_path, "x.yml", 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n'
                 "    - hi\n    hello\n")
    with pytest.raises(DataFileError) as error:
        read_rasa_nlu(path, ALL_INTENTS)
    assert error.value.line == 6


def test_entity_markup_is_stripped(tmp_path):
    path = write(tmp_path, "x.yml", 'version: "3.1"\nnlu:\n- intent: deposit_missing\n'
                 "  examples: |\n    - sent [500](amount) usdt\n")
    assert read_rasa_nlu(path, ALL_INTENTS)[0].text == "sent 500 usdt"


def test_csv_with_category_column(tmp_path):
    path = write(tmp_path, "d.csv", "text,category\nwhere is my card,card_arrival\n")
    assert read_csv(path)[0].intent == "card_arrival"
    bad = write(tmp_path, "e.csv", "sentence,label\nx,y\n")
    with pytest.raises(DataFileError) as error:
        read_csv(bad)
    assert error.value.line == 1


def test_seq_in_folder(tmp_path):
    (tmp_path / "seq.in").write_text("a\nb\n")
    (tmp_path / "label").write_text("x\ny\n")
    assert [e.intent for e in read_examples(tmp_path)] == ["x", "y"]


def test_faq_entry_errors_name_the_entry(tmp_path):
    path = write(tmp_path, "f.yml", "- id: a_b\n  intent: deposit_missing\n  questions:\n"
                 "    en: [q]\n  answer:\n    en: see www.my-exchange.com\n")
    with pytest.raises(DataFileError) as error:
        read_faq_file(path, ALL_INTENTS, ["en"])
    assert "a_b" in str(error.value) and "placeholder" in str(error.value)
    path = write(tmp_path, "g.yml", "- id: a_b\n  intent: deposit_missing\n  questions:\n"
                 "    en: [q]\n  answer:\n    en: ok\n")
    with pytest.raises(DataFileError) as error:
        read_faq_file(path, ALL_INTENTS, ["en", "zh"])
    assert "['zh']" in str(error.value)
