# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime

from subscription_core_tools import timezones


def test_local_date_both_sides_of_midnight_utc():
    # Jakarta is UTC+7: 16:59 UTC is still the same day, 17:00 is the next.
    assert timezones.local_date(datetime(2026, 3, 1, 16, 59), "Asia/Jakarta") == date(2026, 3, 1)
    assert timezones.local_date(datetime(2026, 3, 1, 17, 0), "Asia/Jakarta") == date(2026, 3, 2)
    # Los Angeles is UTC-8 in winter: 07:59 UTC on the 2nd is still the 1st.
    la = "America/Los_Angeles"
    assert timezones.local_date(datetime(2026, 3, 2, 7, 59), la) == date(2026, 3, 1)
    assert timezones.local_date(datetime(2026, 3, 2, 8, 0), la) == date(2026, 3, 2)


def test_local_midnight_in_utc():
    assert timezones.local_midnight_utc(date(2026, 3, 2), "Asia/Jakarta") == datetime(
        2026, 3, 1, 17, 0
    )
    la = "America/Los_Angeles"
    assert timezones.local_midnight_utc(date(2026, 3, 2), la) == datetime(2026, 3, 2, 8, 0)
    # Summer time (UTC-7).
    assert timezones.local_midnight_utc(date(2026, 7, 1), la) == datetime(2026, 7, 1, 7, 0)
    assert timezones.local_midnight_utc(date(2026, 3, 2), "UTC") == datetime(2026, 3, 2)


def test_unknown_or_empty_zone_is_utc():
    assert timezones.local_date(datetime(2026, 3, 1, 23, 0), False) == date(2026, 3, 1)
    assert timezones.local_date(datetime(2026, 3, 1, 23, 0), "Mars/Olympus") == date(2026, 3, 1)


def test_midnight_in_a_dst_gap_stays_on_the_day():
    # Santiago skips from 00:00 to 01:00 when summer time starts (Sept 2026).
    start = timezones.local_midnight_utc(date(2026, 9, 6), "America/Santiago")
    assert timezones.local_date(start, "America/Santiago") == date(2026, 9, 6)
