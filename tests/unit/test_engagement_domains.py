# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Automation rule filters read as literals (subscription_engagement/tools/domains.py)."""

from subscription_engagement_tools import domains


def test_literal_domains_are_read():
    assert domains.literal_domain("[('event_type', '=', 'renewed')]") == [
        ("event_type", "=", "renewed")
    ]
    assert domains.literal_domain(
        " ['|', ('state', '=', 'cancelled'), ('cancel_at_period_end', '=', True)] "
    ) == ["|", ("state", "=", "cancelled"), ("cancel_at_period_end", "=", True)]
    assert domains.literal_domain("[('x', 'in', (1, 2)), ('y', '!=', False)]") == [
        ("x", "in", (1, 2)),
        ("y", "!=", False),
    ]
    assert domains.literal_domain("[]") == []


def test_expressions_with_names_or_code_are_left_to_safe_eval():
    for expression in (
        "[('user_id', '=', uid)]",
        "[('date', '<', time.strftime('%Y-%m-%d'))]",
        "[('id', '=', __import__('os').getpid())]",
        "[('a', '=', 1 + 1)]",
        "not a domain",
        "{'a': 1}",
        "42",
        "",
        None,
        False,
    ):
        assert domains.literal_domain(expression) is None, expression


def test_each_call_gets_its_own_list():
    first = domains.literal_domain("[('a', '=', 1)]")
    first.append(("b", "=", 2))
    assert domains.literal_domain("[('a', '=', 1)]") == [("a", "=", 1)]
