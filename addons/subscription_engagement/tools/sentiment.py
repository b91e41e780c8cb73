# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sentiment of feedback texts behind a small interface (no Odoo import).

An analyser is any object with ``polarity(text) -> float`` returning a score
from -1 (negative) to +1 (positive). :class:`VaderAnalyser` wraps
``vaderSentiment`` (English only; it ships its lexicon, nothing is downloaded).
:func:`analyse` adds the language check and the label, so another analyser
(another language, a service) can replace VADER without touching the models.

Language check (documented in the addon's readme): VADER reads English only,
so a text is analysed only when it *looks English*:

- a text of at least ``MIN_WORDS`` words is English when at least
  ``MIN_STOPWORD_RATIO`` of its words are common English function words
  ("the", "is", "and"...), whatever the writer's language setting;
- a shorter text ("Great service!") has too few words to tell: it is
  analysed when the writer's language (``lang``, e.g. ``en_US``) is English
  or unknown, and labelled "not analysed" otherwise.

Anything else is labelled :data:`NOT_ANALYSED` with no score, never guessed.
"""

import re

POSITIVE = "positive"
NEUTRAL = "neutral"
NEGATIVE = "negative"
NOT_ANALYSED = "not_analysed"

#: VADER's recommended thresholds on the compound score.
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05

MIN_WORDS = 4
MIN_STOPWORD_RATIO = 0.15

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_ENGLISH_STOPWORDS = frozenset(
    """
    a about after all also am an and any are as at be because been but by can
    could did do does don't for from had has have he her him his how i i'm if
    in into is it it's its just me more my no not of on or our out so some
    than that the their them then there they this to too us very was we were
    what when which who why will with would you your
    """.split()
)


def words(text):
    """The words of ``text``, lower-cased (letters only)."""
    return _WORD.findall((text or "").lower())


def looks_english(text, lang=None):
    """Whether VADER can read ``text`` (see the module docstring)."""
    tokens = words(text)
    if not tokens:
        return False
    if not all(token.isascii() for token in tokens):
        return False
    if len(tokens) >= MIN_WORDS:
        stopwords = sum(1 for token in tokens if token in _ENGLISH_STOPWORDS)
        return stopwords / len(tokens) >= MIN_STOPWORD_RATIO
    return not lang or lang.lower().startswith("en")


def label_for(score):
    """Label of a compound score in [-1, 1]."""
    if score >= POSITIVE_THRESHOLD:
        return POSITIVE
    if score <= NEGATIVE_THRESHOLD:
        return NEGATIVE
    return NEUTRAL


class VaderAnalyser:
    """VADER (``vaderSentiment``), loaded on first use: building its lexicon
    takes a moment, so one instance serves a whole batch."""

    def __init__(self):
        self._analyser = None

    def polarity(self, text):
        if self._analyser is None:
            # Imported here: the addon loads even where the package is missing.
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._analyser = SentimentIntensityAnalyzer()
        return self._analyser.polarity_scores(text)["compound"]


_default_analyser = None


def default_analyser():
    """The shared :class:`VaderAnalyser` (one lexicon per process)."""
    global _default_analyser  # noqa: PLW0603 - a lazily built singleton
    if _default_analyser is None:
        _default_analyser = VaderAnalyser()
    return _default_analyser


def analyse(text, lang=None, analyser=None):
    """Return ``(score, label)`` of ``text`` written by someone whose
    language is ``lang``: the analyser's score rounded to 4 decimals and its
    label, or ``(None, NOT_ANALYSED)`` when the text is empty or does not
    look English."""
    if not looks_english(text, lang):
        return None, NOT_ANALYSED
    score = float((analyser or default_analyser()).polarity(text))
    score = max(-1.0, min(1.0, score))
    return round(score, 4), label_for(score)


def analyse_batch(items, analyser=None):
    """``analyse`` for each ``(text, lang)`` of ``items``, with one analyser."""
    analyser = analyser or default_analyser()
    return [analyse(text, lang, analyser) for text, lang in items]
