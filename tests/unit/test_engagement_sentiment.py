# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sentiment interface and save-offer rules of subscription_engagement (no Odoo)."""

import importlib.util
from datetime import date
from pathlib import Path

import pytest

_TOOLS = Path(__file__).resolve().parents[2] / "addons" / "subscription_engagement" / "tools"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"engagement_{name}", _TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sentiment = _load("sentiment")
retention = _load("retention")


class FixedAnalyser:
    """Another analyser behind the same interface."""

    def __init__(self, score):
        self.score = score
        self.calls = 0

    def polarity(self, text):
        self.calls += 1
        return self.score


# -- sentiment -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love this service, it is great and the support team is wonderful.", "positive"),
        ("This is the worst product I have ever used, it is terrible and broken.", "negative"),
        ("We are moving to another tool at the end of the month.", "neutral"),
    ],
)
def test_vader_labels_english(text, label):
    score, got = sentiment.analyse(text, "en_US")
    assert got == label
    assert -1 <= score <= 1


def test_vader_score_rounded_and_signed():
    score, label = sentiment.analyse("Great service, I love it", None)
    assert label == "positive"
    assert score == round(score, 4) and score > 0.5


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Layanannya sangat buruk dan harganya terlalu mahal untuk kami", "id_ID"),
        ("Layanannya sangat buruk dan harganya terlalu mahal untuk kami", "en_US"),
        ("Le service est vraiment trop cher pour notre petite entreprise", None),
        ("Sangat bagus!", "id_ID"),
        ("Это очень плохой сервис и мы уходим", None),
        ("", "en_US"),
        ("   1234 !!! ", None),
        (None, None),
    ],
)
def test_not_analysed_when_not_english(text, lang):
    analyser = FixedAnalyser(0.9)
    assert sentiment.analyse(text, lang, analyser) == (None, "not_analysed")
    assert analyser.calls == 0


def test_english_text_of_a_non_english_writer_is_analysed():
    text = "The price is too high for us and we do not use it anymore"
    assert sentiment.looks_english(text, "id_ID")


@pytest.mark.parametrize(("lang", "expected"), [("en_GB", True), (None, True), ("fr_FR", False)])
def test_short_text_follows_the_writer_language(lang, expected):
    assert sentiment.looks_english("Great service!", lang) is expected


@pytest.mark.parametrize(
    ("score", "label"),
    [(0.05, "positive"), (0.0499, "neutral"), (-0.0499, "neutral"), (-0.05, "negative")],
)
def test_label_thresholds(score, label):
    assert sentiment.label_for(score) == label


def test_replaceable_analyser_and_batch():
    analyser = FixedAnalyser(-3.0)  # out of range: clamped
    results = sentiment.analyse_batch(
        [("This is not what we need for our team", "en_US"), ("Sangat buruk", "id_ID")],
        analyser,
    )
    assert results == [(-1.0, "negative"), (None, "not_analysed")]
    assert analyser.calls == 1


# -- save offers and win-back links --------------------------------------------


def test_window():
    today = date(2026, 6, 1)
    assert retention.window_open(None, today, 365)
    assert retention.window_open(date(2025, 6, 1), today, 365)
    assert not retention.window_open(date(2025, 6, 2), today, 365)
    assert retention.window_open(date(2026, 6, 1), today, 0)


def test_discount_applies_to_the_next_n_periods():
    start = date(2026, 3, 1)
    assert not retention.discount_applies(start, 3, date(2026, 2, 1), 0)
    assert retention.discount_applies(start, 3, date(2026, 3, 1), 0)
    assert retention.discount_applies(start, 3, date(2026, 5, 1), 2)
    assert not retention.discount_applies(start, 3, date(2026, 6, 1), 3)
    assert not retention.discount_applies(None, 3, date(2026, 6, 1), 0)
    assert not retention.discount_applies(start, 0, date(2026, 3, 1), 0)


@pytest.mark.parametrize(
    ("base", "percent", "amount"),
    [(30.0, 20, 6.0), (10.0, 33.33, 3.333), (10.0, 150, 10.0), (0.0, 20, 0.0), (10.0, -5, 0.0)],
)
def test_discount_amount(base, percent, amount):
    assert retention.discount_amount(base, percent) == pytest.approx(amount)


def test_link_message_and_expiry():
    assert retention.link_message(7, None, 1700000000.9) == "7:0:1700000000"
    assert retention.link_message(7, 3, 1700000000) == "7:3:1700000000"
    assert not retention.link_expired(1700000000, 1699999999)
    assert retention.link_expired(1700000000, 1700000000)
