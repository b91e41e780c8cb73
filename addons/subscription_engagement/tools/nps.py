# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Net Promoter Score and survey scheduling rules (pure Python, no Odoo import)."""

from datetime import timedelta

PROMOTER = "promoter"
PASSIVE = "passive"
DETRACTOR = "detractor"

#: First NPS invitation this many days after the subscription starts.
FIRST_AFTER_DAYS = 30
#: Then one invitation every this many days...
EVERY_DAYS = 90
#: ...and never two to the same customer within this many days.
CUSTOMER_GAP_DAYS = 60


def category(score):
    """NPS category of a 0-10 answer: 9-10 promoter, 7-8 passive, 0-6 detractor."""
    if score is None or score is False:
        return False
    score = int(score)
    if not 0 <= score <= 10:
        raise ValueError(f"An NPS answer is between 0 and 10, not {score}.")
    if score >= 9:
        return PROMOTER
    if score >= 7:
        return PASSIVE
    return DETRACTOR


def nps(scores):
    """The Net Promoter Score of a list of 0-10 answers: % promoters - %
    detractors, from -100 to 100 (None without answers)."""
    scores = [int(s) for s in scores]
    if not scores:
        return None
    cats = [category(s) for s in scores]
    return round(100.0 * (cats.count(PROMOTER) - cats.count(DETRACTOR)) / len(scores), 1)


def next_invitation_date(start, last_invited=None, customer_last_invited=None):
    """Day of the next NPS invitation of a subscription started on ``start``:
    ``FIRST_AFTER_DAYS`` after the start, ``EVERY_DAYS`` after its own last
    invitation, and never within ``CUSTOMER_GAP_DAYS`` of the customer's last
    invitation (whatever subscription it was for)."""
    if not start:
        return None
    candidates = [start + timedelta(days=FIRST_AFTER_DAYS)]
    if last_invited:
        candidates.append(last_invited + timedelta(days=EVERY_DAYS))
    if customer_last_invited:
        candidates.append(customer_last_invited + timedelta(days=CUSTOMER_GAP_DAYS))
    return max(candidates)
