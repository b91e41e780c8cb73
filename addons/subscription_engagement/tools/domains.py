# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Automation rule filters written as plain literals (no Odoo).

Most rules' filters are constant domains such as
``[('event_type', '=', 'renewed')]``: nothing in them depends on the user,
the time or the record. Odoo compiles and checks such a string with
``safe_eval`` on every create and write it filters; a literal can be read
once (``ast.literal_eval`` evaluates literals only, never code) and kept.
"""

import ast
import functools


@functools.lru_cache(maxsize=1024)
def _literal(expression):
    try:
        value = ast.literal_eval(expression.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(value, list | tuple):
        return None
    return tuple(value)


def literal_domain(expression):
    """The domain ``expression`` denotes when it is a plain literal list (a
    fresh list each call, safe to hand on), else ``None`` (the expression
    uses names such as ``uid`` or ``time`` and must be evaluated)."""
    if not expression:
        return None
    value = _literal(expression)
    return None if value is None else list(value)
