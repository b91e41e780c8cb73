#!/usr/bin/env python3
# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Static checks of addon manifests and XML files (no odoo import).

Usage: check_addons.py ADDON_DIR [ADDON_DIR...]

For every addon:
- __manifest__.py is a single literal dict with name, version (18.0.x.y.z),
  license and depends (a list of strings);
- every file listed in data/demo exists, and asset globs match something;
- every .xml file of the addon parses;
- views use <list> (no <tree>) and no attrs= / states= attribute;
- i18n/*.po and *.pot parse and translations keep their placeholders and
  markup (check_i18n.py).
Exit status 1 when anything is wrong, with one line per problem.
"""

import ast
import re
import sys
from pathlib import Path

from check_i18n import check_i18n
from lxml import etree

VERSION_RE = re.compile(r"^18\.0\.\d+\.\d+\.\d+$")
LICENSES = {
    "AGPL-3",
    "GPL-2",
    "GPL-2 or any later version",
    "GPL-3",
    "GPL-3 or any later version",
    "LGPL-3",
    "OEEL-1",
    "OPL-1",
    "Other OSI approved licence",
    "Other proprietary",
}
FILE_KEYS = ("data", "demo")


def read_manifest(addon, problems):
    path = addon / "__manifest__.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except SyntaxError as exc:
        problems.append(f"{path}:{exc.lineno}: syntax error: {exc.msg}")
        return None
    if (
        len(tree.body) != 1
        or not isinstance(tree.body[0], ast.Expr)
        or not isinstance(tree.body[0].value, ast.Dict)
    ):
        problems.append(f"{path}: must contain exactly one dict literal")
        return None
    try:
        manifest = ast.literal_eval(tree.body[0].value)
    except ValueError:
        problems.append(f"{path}: the manifest dict must be a pure literal")
        return None
    return manifest


def check_manifest(addon, manifest, problems):
    path = addon / "__manifest__.py"
    for key in ("name", "version", "license", "depends"):
        if key not in manifest:
            problems.append(f"{path}: missing key {key!r}")
    version = manifest.get("version", "")
    if "version" in manifest and not VERSION_RE.match(str(version)):
        problems.append(f"{path}: version {version!r} is not 18.0.x.y.z")
    if "license" in manifest and manifest["license"] not in LICENSES:
        problems.append(f"{path}: license {manifest['license']!r} is not an Odoo license")
    depends = manifest.get("depends", [])
    if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
        problems.append(f"{path}: depends must be a list of addon names")
    for key in FILE_KEYS:
        files = manifest.get(key, [])
        if not isinstance(files, list):
            problems.append(f"{path}: {key!r} must be a list")
            continue
        seen = set()
        for name in files:
            if name in seen:
                problems.append(f"{path}: {key}: {name} listed twice")
            seen.add(name)
            if not (addon / name).is_file():
                problems.append(f"{path}: {key}: {name} does not exist")
    check_assets(addon, manifest, problems)
    for name in ("__init__.py",):
        if not (addon / name).is_file():
            problems.append(f"{addon}: missing {name}")


def check_assets(addon, manifest, problems):
    """Each asset glob of this addon must match at least one file."""
    path = addon / "__manifest__.py"
    for bundle, entries in manifest.get("assets", {}).items():
        for entry in entries:
            # ('include', 'x'), ('remove', 'glob'), ('before'|'after', target, glob)
            pattern = entry[-1] if isinstance(entry, (list, tuple)) else entry
            if isinstance(entry, (list, tuple)) and entry[0] == "include":
                continue
            if not isinstance(pattern, str) or pattern.startswith(("http://", "https://")):
                continue
            module, _sep, rel = pattern.partition("/")
            if module != addon.name:
                continue
            if not any(addon.glob(rel)):
                problems.append(f"{path}: assets[{bundle}]: {pattern} matches no file")


def check_xml(addon, problems):
    for path in sorted(addon.rglob("*.xml")):
        if path.relative_to(addon).parts[:2] == ("static", "lib"):
            continue
        try:
            root = etree.parse(str(path)).getroot()
        except etree.XMLSyntaxError as exc:
            problems.append(f"{path}:{exc.lineno}: XML does not parse: {exc.msg}")
            continue
        for node in root.iter():
            if not isinstance(node.tag, str):
                continue
            line = node.sourceline
            if node.tag == "tree":
                problems.append(f"{path}:{line}: <tree> is gone in Odoo 18, use <list>")
            for attr in ("attrs", "states"):
                if attr in node.attrib:
                    problems.append(
                        f"{path}:{line}: {attr}= is not supported in Odoo 18 views; "
                        "use invisible=/readonly=/required= expressions"
                    )
            if node.tag == "field" and node.get("name") == "arch":
                text = node.text or ""
                if re.search(r"<tree[\s>]", text):
                    problems.append(f"{path}:{line}: <tree> inside an escaped arch")


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    problems = []
    for arg in argv:
        addon = Path(arg)
        if not (addon / "__manifest__.py").is_file():
            problems.append(f"{addon}: no __manifest__.py")
            continue
        manifest = read_manifest(addon, problems)
        if manifest is not None:
            check_manifest(addon, manifest, problems)
        check_xml(addon, problems)
        check_i18n(addon, problems)
    for problem in problems:
        print(problem)
    print(f"check_addons: {len(argv)} addon(s), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
