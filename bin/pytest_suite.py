# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""pytest plugin loaded by bin/test for the pytest-odoo stage (-p pytest_suite).

Odoo gives test classes their default tags ('standard', 'at_install') and
their module name only when they live in an addon (odoo.addons.<name>...).
Suite-wide tests under tests/ do not, so Odoo's setUpClass would fail on the
missing attributes: give them the same defaults here.

It also silences Odoo's "Importing test framework ... when not running in test
mode" error: pytest-odoo imports odoo.tests without --test-enable on purpose
(with it, loading the registry would run every addon's at_install tests).
"""

import logging


class _QuietTestImport(logging.Filter):
    def filter(self, record):
        return not str(record.msg).startswith("Importing test framework")


logging.getLogger("odoo.tests.common").addFilter(_QuietTestImport())


def pytest_collection_modifyitems(session, config, items):
    try:
        from odoo.tests.common import BaseCase
    except ImportError:  # not an Odoo run
        return
    for item in items:
        cls = getattr(item, "cls", None)
        if cls is None or not issubclass(cls, BaseCase):
            continue
        if getattr(cls, "test_tags", None) is None:
            cls.test_tags = {"standard", "at_install"}
        if not getattr(cls, "test_module", None):
            cls.test_module = cls.__module__.rsplit(".", 1)[-1]
        if not getattr(cls, "test_class", None):
            cls.test_class = cls.__name__
        if getattr(cls, "test_sequence", None) is None:
            cls.test_sequence = 0
