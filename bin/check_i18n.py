# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Static checks of an addon's translation files (used by check_addons.py).

- every i18n/*.po and *.pot parses (polib, the parser Odoo's own PO reader
  uses, and GNU msgfmt --check on .po files when gettext is installed, which
  also catches what polib forgives: unterminated strings, duplicates...), and
  a .po declares its Language, a UTF-8 charset and Plural-Forms;
- in every translated entry the placeholders of the msgid come back
  unchanged: printf-style ``%(name)s`` / ``%s``, ``{{ expression }}``, and the
  markup (the same tags, each with the same attribute names and the same
  QWeb ``t-*`` attribute values), so that a translation can neither break a
  ``%`` format, an inline template nor a QWeb view;
- no f-string is an argument of a ``_()`` / ``_lt()`` call in the addon's
  Python: Babel, which exports the terms, evaluates every string argument of
  those calls, so ``_("...", max=f"{LIMIT}")`` makes it drop every term of
  the whole file from the .pot (with only an ERROR line in the export log).
"""

import ast
import re
import shutil
import subprocess
from collections import Counter

PRINTF = re.compile(r"%(?:\([^)]+\))?(?:\.\d+)?[sdrf]|%%")
TEMPLATE = re.compile(r"\{\{.*?\}\}", re.S)
TAG = re.compile(
    r"<(/?)([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'))?)*)\s*(/?)>"
)
ATTR = re.compile(r"([^\s=/>]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'))?")


def _tags(text):
    tags = []
    for closing, name, attrs, selfclosing in TAG.findall(text):
        described = []
        for attr, value in ATTR.findall(attrs):
            # QWeb directives must stay as they are; other values (title,
            # aria-label, placeholder...) are translatable text.
            described.append((attr, value if attr.startswith("t-") else ""))
        tags.append((closing, name, tuple(sorted(described)), selfclosing))
    return Counter(tags)


def placeholders(text):
    """What a translation must keep from its msgid."""
    printf = Counter(m for m in PRINTF.findall(text) if m != "%%")
    return printf, Counter(TEMPLATE.findall(text)), _tags(text)


def check_entry(msgid, msgstr):
    """Problems of one translated entry (empty list when fine)."""
    problems = []
    want_printf, want_tpl, want_tags = placeholders(msgid)
    got_printf, got_tpl, got_tags = placeholders(msgstr)
    if want_printf != got_printf:
        problems.append(
            f"placeholders {sorted(want_printf.elements())} became {sorted(got_printf.elements())}"
        )
    if want_tpl != got_tpl:
        problems.append(f"template expressions {sorted(want_tpl)} became {sorted(got_tpl)}")
    if want_tags != got_tags:
        lost = want_tags - got_tags
        added = got_tags - want_tags
        problems.append(f"markup differs (missing {dict(lost)}, extra {dict(added)})")
    return problems


def check_python_terms(addon, problems):
    for path in sorted(addon.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        except (SyntaxError, UnicodeDecodeError):
            continue  # reported by ruff
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in ("_", "_lt"):
                continue
            values = list(node.args) + [keyword.value for keyword in node.keywords]
            if any(isinstance(sub, ast.JoinedStr) for v in values for sub in ast.walk(v)):
                problems.append(
                    f"{path}:{node.lineno}: f-string inside {name}(): the term export "
                    "(Babel) evaluates it and drops every term of this file; format the "
                    "value before the call"
                )


def check_i18n(addon, problems):
    check_python_terms(addon, problems)
    files = sorted((addon / "i18n").glob("*.po")) + sorted((addon / "i18n").glob("*.pot"))
    if not files:
        return
    try:
        import polib
    except ImportError:
        problems.append(f"{addon}/i18n: polib is not installed, cannot check translations")
        return
    for path in files:
        try:
            catalog = polib.pofile(str(path))
        except (OSError, ValueError) as exc:
            problems.append(f"{path}: does not parse: {exc}")
            continue
        if path.suffix != ".po":
            continue
        msgfmt = shutil.which("msgfmt")
        if msgfmt:
            result = subprocess.run(
                [msgfmt, "--check", "-o", "/dev/null", str(path)],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                problems.append(f"{path}: msgfmt --check: {result.stderr.strip()}")
        meta = catalog.metadata
        language = path.stem
        if meta.get("Language") != language:
            problems.append(
                f"{path}: header Language is {meta.get('Language')!r}, not {language!r}"
            )
        if "charset=UTF-8" not in meta.get("Content-Type", ""):
            problems.append(f"{path}: header Content-Type must say charset=UTF-8")
        if not re.match(r"nplurals=\d+; plural=.+;", meta.get("Plural-Forms", "")):
            problems.append(f"{path}: header Plural-Forms is missing or malformed")
        for entry in catalog:
            if entry.obsolete or not entry.msgstr:
                continue
            for problem in check_entry(entry.msgid, entry.msgstr):
                line = getattr(entry, "linenum", "?")
                problems.append(f"{path}:{line}: {problem} in msgid {entry.msgid[:60]!r}")
