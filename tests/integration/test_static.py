# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Suite-wide static checks of every addon under addons/, as tests.

They read files only (manifests, CSV, XML, Python sources through ``ast``),
so they need no database, but they run in the same pytest-odoo session as
the scenarios. Each check is parametrized by addon and reports every
offending file and line at once.
"""

import ast
import csv
import re
from pathlib import Path

import pytest
from lxml import etree

ADDONS_DIR = Path(__file__).resolve().parents[2] / "addons"
ADDONS = sorted(p.parent for p in ADDONS_DIR.glob("*/__manifest__.py"))
VERSION_RE = re.compile(r"^18\.0\.\d+\.\d+\.\d+$")
# Folders whose Python files declare models.
MODEL_DIRS = ("models", "wizard", "wizards", "report")
# Base classes of models that get a table and so need access rights.
CONCRETE_BASES = {"Model", "TransientModel"}
COMMIT_JUSTIFICATION = "# commit:"
CURSOR_NAME_RE = re.compile(r"^_?cr\d*$")

addon_params = pytest.mark.parametrize("addon", ADDONS, ids=[p.name for p in ADDONS])


def _manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))


def _rel(path):
    try:
        return str(path.relative_to(ADDONS_DIR))
    except ValueError:
        return str(path)


def _python_files(addon, subdirs=None):
    if subdirs is None:
        yield from sorted(addon.rglob("*.py"))
        return
    for sub in subdirs:
        yield from sorted((addon / sub).glob("*.py"))


def test_there_are_addons():
    assert ADDONS, f"no addon (folder with __manifest__.py) under {ADDONS_DIR}"


# -- manifests and packaging --------------------------------------------------


@addon_params
def test_manifest_metadata(addon):
    manifest = _manifest(addon)
    problems = []
    if manifest.get("license") != "LGPL-3":
        problems.append(f"license is {manifest.get('license')!r}, not 'LGPL-3'")
    if not VERSION_RE.match(str(manifest.get("version", ""))):
        problems.append(f"version {manifest.get('version')!r} is not 18.0.x.y.z")
    for key in ("name", "author", "website"):
        value = manifest.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key!r} is missing or empty")
    assert not problems, f"{addon.name}/__manifest__.py: " + "; ".join(problems)


@addon_params
def test_readme_description(addon):
    description = addon / "readme" / "DESCRIPTION.md"
    assert description.is_file(), f"{_rel(description)} is missing"
    assert description.read_text(encoding="utf-8").strip(), f"{_rel(description)} is empty"


@addon_params
def test_translation_template(addon):
    pot = addon / "i18n" / f"{addon.name}.pot"
    assert pot.is_file(), (
        f"{_rel(pot)} is missing: export it with "
        f"odoo-bin -d <db> --i18n-export={pot} --modules={addon.name}"
    )
    text = pot.read_text(encoding="utf-8")
    assert "msgid" in text, f"{_rel(pot)} has no message"


# -- access rights ------------------------------------------------------------


def _declared_models(addon):
    """{model name: "file:line"} of the models the addon creates (a class
    with a ``_name`` it does not also inherit, on Model/TransientModel)."""
    found = {}
    for path in _python_files(addon, MODEL_DIRS):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {
                base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
                for base in node.bases
            }
            if not bases & CONCRETE_BASES:
                continue
            attrs = {}
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target = stmt.targets[0]
                    if isinstance(target, ast.Name) and target.id in ("_name", "_inherit"):
                        try:
                            attrs[target.id] = ast.literal_eval(stmt.value)
                        except ValueError:
                            pass
            name = attrs.get("_name")
            if not isinstance(name, str):
                continue
            inherits = attrs.get("_inherit") or []
            if isinstance(inherits, str):
                inherits = [inherits]
            if name in inherits:
                continue  # an extension of an existing model, not a new one
            found[name] = f"{_rel(path)}:{node.lineno}"
    return found


def _acl_models(addon):
    """Model names that have at least one access rule (CSV or XML record)."""
    xmlids = set()
    csv_path = addon / "security" / "ir.model.access.csv"
    if csv_path.is_file():
        with csv_path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                xmlids.add((row.get("model_id:id") or "").strip())
    for xml_path in sorted((addon / "security").glob("*.xml")):
        root = etree.parse(str(xml_path)).getroot()
        for record in root.iter("record"):
            if record.get("model") != "ir.model.access":
                continue
            for field in record.iter("field"):
                if field.get("name") == "model_id" and field.get("ref"):
                    xmlids.add(field.get("ref"))
    return {xmlid.split(".")[-1] for xmlid in xmlids if xmlid}


@addon_params
def test_every_model_has_access_rules(addon):
    models = _declared_models(addon)
    acl = _acl_models(addon)
    missing = [
        f"{name} ({where})"
        for name, where in sorted(models.items())
        if "model_" + name.replace(".", "_") not in acl
    ]
    assert not missing, (
        f"{addon.name}: models without a row in security/ir.model.access.csv: " + ", ".join(missing)
    )


# -- views --------------------------------------------------------------------


def _xml_files(addon):
    return sorted(p for p in addon.rglob("*.xml") if "static" not in p.relative_to(addon).parts)


@addon_params
def test_views_use_odoo_18_syntax(addon):
    """Odoo 18 views: <list> instead of <tree>, expressions instead of attrs=."""
    problems = []
    for path in _xml_files(addon):
        root = etree.parse(str(path)).getroot()
        for element in root.iter(etree.Element):
            if element.tag == "tree":
                problems.append(f"{_rel(path)}:{element.sourceline}: <tree> (use <list>)")
            if "attrs" in element.attrib:
                problems.append(f"{_rel(path)}:{element.sourceline}: attrs= (use invisible=...)")
            if (
                element.tag == "field"
                and element.get("name") == "view_mode"
                and "tree" in (element.text or "").split(",")
            ):
                problems.append(f"{_rel(path)}:{element.sourceline}: view_mode 'tree' (use list)")
    assert not problems, "\n".join(problems)


# -- transactions -------------------------------------------------------------


def _is_cursor_commit(node):
    """``cr.commit()``, ``self.env.cr.commit()``, ``self._cr.commit()``, ``cr2.commit()``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr != "commit":
        return False
    owner = node.func.value
    name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
    return bool(CURSOR_NAME_RE.match(name or ""))


def _justified(lines, lineno):
    """The call line, or the comment block right above it, says '# commit:'."""
    if COMMIT_JUSTIFICATION in lines[lineno - 1]:
        return True
    index = lineno - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        if COMMIT_JUSTIFICATION in lines[index]:
            return True
        index -= 1
    return False


@addon_params
def test_no_unjustified_commit(addon):
    problems = []
    for path in _python_files(addon):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source, str(path))):
            if _is_cursor_commit(node) and not _justified(lines, node.lineno):
                problems.append(f"{_rel(path)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not problems, (
        "cr.commit() without a '# commit: <why>' comment on the line or right above it:\n"
        + "\n".join(problems)
    )


# -- self-checks of the checkers -----------------------------------------------


def test_checkers_recognise_what_they_look_for(tmp_path):
    addon = tmp_path / "demo_addon"
    (addon / "models").mkdir(parents=True)
    (addon / "security").mkdir()
    (addon / "models" / "things.py").write_text(
        "from odoo import models\n"
        "class A(models.Model):\n    _name = 'demo.a'\n"
        "class B(models.TransientModel):\n    _name = 'demo.b'\n    _inherit = ['mail.thread']\n"
        "class C(models.AbstractModel):\n    _name = 'demo.c'\n"
        "class D(models.Model):\n    _name = 'res.partner'\n    _inherit = 'res.partner'\n"
        "class E(models.Model):\n    _inherit = 'res.users'\n"
        "def f(self, cr):\n"
        "    cr.commit()\n"
        "    # commit: the reason\n    self.env.cr.commit()\n"
        "    self._cr.commit()  # commit: same line\n"
        "    self.commit()\n",
        encoding="utf-8",
    )
    (addon / "security" / "ir.model.access.csv").write_text(
        "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\n"
        "access_a,a,demo_addon.model_demo_a,base.group_user,1,0,0,0\n",
        encoding="utf-8",
    )
    assert set(_declared_models(addon)) == {"demo.a", "demo.b"}
    assert _acl_models(addon) == {"model_demo_a"}
    source = (addon / "models" / "things.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    commits = [n for n in ast.walk(ast.parse(source)) if _is_cursor_commit(n)]
    assert sorted((n.lineno, _justified(lines, n.lineno)) for n in commits) == [
        (15, False),
        (17, True),
        (18, True),
    ]
