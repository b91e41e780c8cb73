# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Load addons/subscription_core/tools as a package without Odoo.

Importing ``odoo.addons.subscription_core`` would need Odoo, so the tools
folder is loaded by path and registered as ``subscription_core_tools``; test
modules then use ``from subscription_core_tools import periods``.

The venv also has the pytest-odoo plugin, whose autouse fixtures build an
Odoo registry (and need a database).  These tests are pure Python, so the
fixtures are overridden below with no-ops for this folder only.
"""
import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

PACKAGE = 'subscription_core_tools'
TOOLS_DIR = Path(__file__).resolve().parents[2] / 'addons' / 'subscription_core' / 'tools'


def _load_tools():
    if PACKAGE in sys.modules:
        return sys.modules[PACKAGE]
    spec = importlib.util.spec_from_file_location(
        PACKAGE, TOOLS_DIR / '__init__.py', submodule_search_locations=[str(TOOLS_DIR)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    for name in ('periods', 'proration', 'mrr', 'signature', 'backoff'):
        importlib.import_module(f'{PACKAGE}.{name}')
    return package


_load_tools()


@pytest.fixture(scope='session')
def tools():
    """The tools package (submodules as attributes: tools.periods, ...)."""
    return sys.modules[PACKAGE]


# -- neutralise pytest-odoo's autouse fixtures (same names override them) ----

@pytest.fixture(scope='session', autouse=True)
def load_registry():
    """No Odoo registry: the tools are pure Python."""
    yield


@pytest.fixture(scope='session', autouse=True)
def load_http(load_registry):
    """No Odoo HTTP server."""
    yield


@pytest.fixture(scope='module', autouse=True)
def enable_odoo_test_flag():
    """Leave Odoo's test_enable flag alone."""
    yield
