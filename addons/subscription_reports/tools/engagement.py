# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Engagement metrics (NPS, response rate, save rate, win-back rate), each
defined once. Plain Python, no Odoo import; the SQL views of
``report/subscription_engagement_report.py`` compute the same figures per
row (as 100/0/-100 values whose average is the rate) and the tests check
them against these functions."""

PROMOTER_MIN = 9
DETRACTOR_MAX = 6


def nps_category(score):
    """'promoter' (9-10), 'passive' (7-8) or 'detractor' (0-6)."""
    if score is None or not 0 <= score <= 10:
        raise ValueError(f"An NPS score is between 0 and 10, not {score!r}.")
    if score >= PROMOTER_MIN:
        return "promoter"
    if score <= DETRACTOR_MAX:
        return "detractor"
    return "passive"


def _percent(part, whole):
    if part < 0 or whole < 0 or part > whole:
        raise ValueError(f"Cannot take {part!r} out of {whole!r}.")
    return 100.0 * part / whole if whole else None


def nps_from_counts(promoters, detractors, responses):
    """The same as ``nps_summary`` from counts of promoters, detractors and
    responses (what the report views sum)."""
    if promoters + detractors > responses:
        raise ValueError("More promoters and detractors than responses.")
    promoter_rate = _percent(promoters, responses)
    detractor_rate = _percent(detractors, responses)
    return {
        "responses": responses,
        "promoters": promoter_rate,
        "detractors": detractor_rate,
        "nps": None if promoter_rate is None else promoter_rate - detractor_rate,
    }


def nps_summary(scores):
    """Promoters %, detractors %, NPS (promoters % - detractors %, from -100
    to 100) and the number of responses of a list of scores; the rates are
    None without a response."""
    categories = [nps_category(score) for score in scores]
    responses = len(categories)
    promoters = _percent(categories.count("promoter"), responses)
    detractors = _percent(categories.count("detractor"), responses)
    return {
        "responses": responses,
        "promoters": promoters,
        "detractors": detractors,
        "nps": None if promoters is None else promoters - detractors,
    }


def response_rate(answered, invited):
    """Share (%) of the NPS invitations answered with a score."""
    return _percent(answered, invited)


def save_rate(saved, cancelled):
    """Share (%) of the customers who asked to cancel and took a save offer
    instead: saved / (saved + cancelled)."""
    return _percent(saved, saved + cancelled)


def offer_save_rate(accepted, offered):
    """Share (%) of the cancellation flows that showed a save offer in which
    the customer took that offer: accepted / offered (an offer shown with
    others and declined for one of them counts as offered, not accepted)."""
    return _percent(accepted, offered)


def winback_rate(won_back, messages):
    """Share (%) of the win-back messages followed by a reactivation (or a
    new subscription started from the message's link)."""
    return _percent(won_back, messages)
