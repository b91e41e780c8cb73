# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Period descriptions of invoice lines (subscription_billing/tools/descriptions)."""

from datetime import date

import pytest
from subscription_billing_tools import descriptions


def us(day):
    return day.strftime("%m/%d/%Y")


def test_monthly_period_reads_inclusive_last_day():
    text = descriptions.period_description(
        descriptions.plan_label("Pro", "Monthly"), date(2026, 12, 2), date(2027, 1, 2), us
    )
    assert text == "Pro (Monthly) – 12/02/2026 to 01/01/2027"


def test_month_end_and_leap_year():
    assert (
        descriptions.period_description("Storage", date(2028, 1, 31), date(2028, 2, 29), us)
        == "Storage – 01/31/2028 to 02/28/2028"
    )
    assert descriptions.last_day(date(2028, 3, 1)) == date(2028, 2, 29)
    assert descriptions.last_day(None) is None


def test_one_day_period():
    assert (
        descriptions.period_description("Pro", date(2026, 5, 1), date(2026, 5, 2), us)
        == "Pro – 05/01/2026 to 05/01/2026"
    )


def test_formatter_and_template_come_from_the_caller():
    text = descriptions.period_description(
        "Pro (Bulanan)",
        date(2026, 12, 2),
        date(2027, 1, 2),
        lambda d: d.strftime("%d/%m/%Y"),
        template="%(item)s – %(start)s s.d. %(end)s",
    )
    assert text == "Pro (Bulanan) – 02/12/2026 s.d. 01/01/2027"


def test_plan_label_without_cycle():
    assert descriptions.plan_label("Pro") == "Pro"
    assert descriptions.plan_label("Pro", "") == "Pro"


@pytest.mark.parametrize(
    "start, end",
    [(date(2026, 5, 2), date(2026, 5, 2)), (date(2026, 5, 3), date(2026, 5, 2)), (None, None)],
)
def test_empty_or_reversed_period_is_refused(start, end):
    with pytest.raises(ValueError, match="Not a period"):
        descriptions.period_description("Pro", start, end, us)
