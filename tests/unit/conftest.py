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

PACKAGE = "subscription_core_tools"
TOOLS_DIR = Path(__file__).resolve().parents[2] / "addons" / "subscription_core" / "tools"


BILLING_PACKAGE = "subscription_billing_tools"
BILLING_TOOLS_DIR = TOOLS_DIR.parents[1] / "subscription_billing" / "tools"


def _load_tools(
    package_name=PACKAGE,
    tools_dir=TOOLS_DIR,
    modules=("periods", "proration", "mrr", "signature", "backoff"),
):
    if package_name in sys.modules:
        return sys.modules[package_name]
    spec = importlib.util.spec_from_file_location(
        package_name, tools_dir / "__init__.py", submodule_search_locations=[str(tools_dir)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[package_name] = package
    spec.loader.exec_module(package)
    for name in modules:
        importlib.import_module(f"{package_name}.{name}")
    return package


ENGAGEMENT_PACKAGE = "subscription_engagement_tools"
ENGAGEMENT_TOOLS_DIR = TOOLS_DIR.parents[1] / "subscription_engagement" / "tools"

_load_tools()
_load_tools(BILLING_PACKAGE, BILLING_TOOLS_DIR, ("declines", "dunning"))
_load_tools(ENGAGEMENT_PACKAGE, ENGAGEMENT_TOOLS_DIR, ("domains",))


@pytest.fixture(scope="session")
def tools():
    """The tools package (submodules as attributes: tools.periods, ...)."""
    return sys.modules[PACKAGE]


# -- neutralise pytest-odoo's autouse fixtures (same names override them) ----


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """No Odoo registry: the tools are pure Python."""
    yield


@pytest.fixture(scope="session", autouse=True)
def load_http(load_registry):
    """No Odoo HTTP server."""
    yield


@pytest.fixture(scope="module", autouse=True)
def enable_odoo_test_flag():
    """Leave Odoo's test_enable flag alone."""
    yield
