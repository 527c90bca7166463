import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.nlu.folding import fold
from bot.nlu.tfidf import FastTfidf

TRAIN = ["my withdrawal is stuck", "提现一直没到账", "retiro pendiente hace 3 horas",
         "someone logged into my account", "пароль не подходит", "mật khẩu bị sai",
         "withdrawal pending again", "我的账户被盗了", "retiro cancelado"]
NEW = ["withdrawal stuck 提现", "", "Retiro PENDIENTE!!", "unrelated words only"]


@pytest.mark.parametrize("options", [
    {"analyzer": "char_wb", "ngram_range": (2, 4)},
    {"analyzer": "char", "ngram_range": (3, 5), "max_features": 50},
    {"analyzer": "word", "ngram_range": (1, 2), "preprocessor": fold},
])
def test_same_matrix_as_sklearn(options):
    vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=1, dtype=np.float32, **options)
    vectorizer.fit(TRAIN)
    ours = FastTfidf(vectorizer).transform(NEW)
    theirs = vectorizer.transform(NEW)
    assert ours.shape == theirs.shape
    assert np.abs((ours - theirs).toarray()).max() < 1e-6


def test_refuses_settings_it_does_not_reproduce():
    vectorizer = TfidfVectorizer(sublinear_tf=False).fit(TRAIN)
    with pytest.raises(ValueError, match="sublinear"):
        FastTfidf(vectorizer)
