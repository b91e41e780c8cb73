#!/usr/bin/env python3
# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Generate each addon's README.rst from its readme/ fragments, in the layout
of the Odoo Community Association's addon readmes (no odoo import).

Usage: gen_readme.py [--check] ADDON_DIR [ADDON_DIR...]

The fragments are Markdown files in ADDON_DIR/readme/: DESCRIPTION.md (the
text under the title), then, when present and in this order, CONTEXT.md,
INSTALL.md, CONFIGURE.md, USAGE.md, ROADMAP.md, HISTORY.md; CONTRIBUTORS.md
and CREDITS.md go to the Credits section. The title is the manifest's name,
the badges its development status and license. A digest of the fragments and
manifest keys used is written into the file.

--check writes nothing: exit status 1 when a README.rst is missing, differs
from what the fragments give (a fragment edited without regenerating), or
does not parse as reStructuredText.
"""

import ast
import hashlib
import io
import re
import sys
from pathlib import Path

SECTIONS = (
    ("CONTEXT", "Use Cases / Context"),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
)
FRAGMENTS = (
    ("DESCRIPTION",)
    + tuple(name for name, _title in SECTIONS)
    + (
        "CONTRIBUTORS",
        "CREDITS",
    )
)
MATURITY_COLORS = {
    "Alpha": "red",
    "Beta": "yellow",
    "Production/Stable": "green",
    "Mature": "brightgreen",
}
LICENSE_URLS = {
    "LGPL-3": "http://www.gnu.org/licenses/lgpl-3.0-standalone.html",
    "AGPL-3": "http://www.gnu.org/licenses/agpl-3.0-standalone.html",
    "GPL-3": "http://www.gnu.org/licenses/gpl-3.0-standalone.html",
}
HEADING_CHARS = "=-~^"

# ------------------------------------------------------------ Markdown -> RST

CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
EMPHASIS = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")
BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
NUMBERED = re.compile(r"^(\s*)(\d+)[.)]\s+(.*)$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
TABLE_RULE = re.compile(r"^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*\|?\s*$")
FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)\s*$")


def _inline(text):
    """Markdown inline markup to RST: code, links, strong, emphasis. RST has
    no nested inline markup: bold or emphasised code stays code, and markup
    inside a link text or a bold span is dropped."""
    protected = []  # (rst, plain text)

    def keep(rst, plain):
        protected.append((rst, plain))
        return f"\x00{len(protected) - 1}\x00"

    def plain(inner):
        return re.sub(r"\x00(\d+)\x00", lambda m: protected[int(m.group(1))][1], inner)

    def wrap(marker):
        def sub(match):
            inner = match.group(1)
            if re.fullmatch(r"\x00\d+\x00", inner):
                return inner  # **`code`** -> ``code``
            return keep(f"{marker}{_escape(plain(inner))}{marker}", plain(inner))

        return sub

    def code(match):
        body = match.group(2).strip()
        return keep(f"``{body}``", body)

    def link(match):
        label = plain(match.group(1)).replace("**", "").replace("`", "")
        return keep(f"`{_escape(label)} <{match.group(2)}>`__", label)

    text = CODE_SPAN.sub(code, text)
    text = LINK.sub(link, text)
    text = STRONG.sub(wrap("**"), text)
    text = EMPHASIS.sub(wrap("*"), text)
    text = _escape(text)
    return re.sub(r"\x00(\d+)\x00", lambda m: protected[int(m.group(1))][0], text)


def _escape(text):
    # A word ending in "_" or "__" is a reference in RST; "|x|" a substitution.
    text = text.replace("\\", "\\\\")
    text = re.sub(r"(\w)(_+)(?=\W|$)", lambda m: m.group(1) + "\\_" * len(m.group(2)), text)
    return text.replace("|", "\\|")


def _blocks(lines):
    """Split Markdown lines into blocks: (kind, data)."""
    blocks, i = [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        fence = FENCE.match(line)
        if fence:
            body, i = [], i + 1
            while i < len(lines) and not FENCE.match(lines[i]):
                body.append(lines[i])
                i += 1
            blocks.append(("code", (fence.group(2), body)))
            i += 1
            continue
        heading = HEADING.match(line)
        if heading:
            blocks.append(("heading", (len(heading.group(1)), heading.group(2))))
            i += 1
            continue
        if TABLE_ROW.match(line):
            rows = []
            while i < len(lines) and TABLE_ROW.match(lines[i]):
                rows.append(lines[i])
                i += 1
            blocks.append(("table", rows))
            continue
        if BULLET.match(line) or NUMBERED.match(line):
            items, i = _list_items(lines, i)
            blocks.append(("list", items))
            continue
        para = []
        while (
            i < len(lines)
            and lines[i].strip()
            and not FENCE.match(lines[i])
            and not HEADING.match(lines[i])
            and not (para and (BULLET.match(lines[i]) or NUMBERED.match(lines[i])))
        ):
            para.append(lines[i].strip())
            i += 1
        blocks.append(("para", " ".join(para)))
    return blocks


def _list_items(lines, i):
    """Items of a list starting at line i: [(marker, [lines of the item])]."""
    first = BULLET.match(lines[i]) or NUMBERED.match(lines[i])
    indent = len(first.group(1))
    items = []
    while i < len(lines):
        line = lines[i]
        bullet, numbered = BULLET.match(line), NUMBERED.match(line)
        match = bullet or numbered
        if match and len(match.group(1)) == indent:
            marker = "-" if bullet else f"{numbered.group(2)}."
            items.append((marker, [match.group(match.lastindex)]))
            i += 1
        elif line.strip() and items and (len(line) - len(line.lstrip())) > indent:
            items[-1][1].append(line[indent:])
            i += 1
        elif not line.strip() and items:
            # A blank line continues the list only when an indented line follows.
            nxt = next((nl for nl in lines[i + 1 :] if nl.strip()), "")
            nxt_match = BULLET.match(nxt) or NUMBERED.match(nxt)
            nxt_indent = len(nxt) - len(nxt.lstrip())
            if nxt and (nxt_indent > indent or (nxt_match and nxt_indent == indent)):
                items[-1][1].append("")
                i += 1
            else:
                break
        else:
            break
    return items, i


def _cells(row):
    row = row.strip()
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip("|"))]


def _table(rows):
    """A Markdown pipe table as an RST list-table (header row when ruled)."""
    header = len(rows) > 1 and bool(TABLE_RULE.match(rows[1]))
    body = [rows[0]] + rows[2:] if header else rows
    out = [".. list-table::"]
    if header:
        out.append("   :header-rows: 1")
    out.append("")
    for row in body:
        for index, cell in enumerate(_cells(row)):
            out.append(f"   {'*' if index == 0 else ' '} - {_inline(cell) or ' '}")
    return out + [""]


def _dedent(lines):
    widths = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(widths) if widths else 0
    return [line[cut:] for line in lines]


def md_to_rst(text, base):
    """Render Markdown as RST. The fragment's highest heading gets the
    underline HEADING_CHARS[base], lower ones the next characters."""
    lines = text.splitlines()
    levels = [len(m.group(1)) for m in map(HEADING.match, lines) if m]
    top_level = 1 - base + (min(levels) - 1 if levels else 0)
    return "\n".join(_render(lines, top_level)).strip("\n") + "\n"


def _render(lines, top_level):
    out = []
    for kind, data in _blocks(lines):
        if kind == "para":
            out += [_inline(data), ""]
        elif kind == "heading":
            level, title = data
            title = _inline(title)
            char = HEADING_CHARS[min(level - top_level, len(HEADING_CHARS) - 1)]
            out += [title, char * len(title), ""]
        elif kind == "code":
            language, body = data
            out += [f".. code-block:: {language}" if language else "::", ""]
            out += [f"    {line}" if line.strip() else "" for line in body] + [""]
        elif kind == "table":
            out += _table(data)
        elif kind == "list":
            for marker, item_lines in data:
                first, rest = item_lines[0], _dedent(item_lines[1:])
                sub = _render([first.strip()] + rest, top_level)
                while sub and not sub[-1]:
                    sub.pop()
                pad = " " * (len(marker) + 1)
                out.append(f"{marker} {sub[0]}")
                out += [f"{pad}{line}" if line else "" for line in sub[1:]]
            out.append("")
    return out


# ------------------------------------------------------------ README.rst


def _manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))


def _fragments(addon):
    found = {}
    for name in FRAGMENTS:
        for ext in (".md", ".rst"):
            path = addon / "readme" / f"{name}{ext}"
            if path.is_file():
                found[name] = (ext, path.read_text(encoding="utf-8"))
                break
    return found


def _section_body(ext, text, base):
    return text.strip("\n") + "\n" if ext == ".rst" else md_to_rst(text, base)


def _heading(title, char, overline=False):
    rule = char * len(title)
    return [rule, title, rule, ""] if overline else [title, rule, ""]


def render(addon):
    addon = Path(addon)
    manifest = _manifest(addon)
    fragments = _fragments(addon)
    name = manifest.get("name", addon.name)
    maturity = manifest.get("development_status", "Beta")
    license_ = manifest.get("license", "LGPL-3")
    website = manifest.get("website", "")
    digest = hashlib.sha256()
    for key in ("name", "development_status", "license", "website", "author", "maintainers"):
        digest.update(f"{key}={manifest.get(key)!r}\n".encode())
    for key in sorted(fragments):
        digest.update(f"{key}{fragments[key][0]}\n{fragments[key][1]}".encode())

    out = _heading(name, "=", overline=True)
    out += [
        "..",
        "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        "   !! This file is generated by bin/gen_readme.py    !!",
        "   !! from readme/*.md: edit those, then regenerate. !!",
        "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        f"   !! source digest: sha256:{digest.hexdigest()}",
        "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        "",
    ]
    color = MATURITY_COLORS.get(maturity, "lightgrey")
    badges = [
        (
            f"https://img.shields.io/badge/maturity-{maturity.replace('-', '--')}-{color}.png",
            "https://odoo-community.org/page/development-status",
            maturity,
        ),
        (
            f"https://img.shields.io/badge/license-{license_.replace('-', '--')}-blue.png",
            LICENSE_URLS.get(license_, "https://spdx.org/licenses/"),
            f"License: {license_}",
        ),
    ]
    repo = re.match(r"https://github\.com/([^/]+/[^/]+)", website)
    if repo:
        badges.append(
            (
                "https://img.shields.io/badge/github-"
                f"{repo.group(1).replace('-', '--').replace('/', '%2F')}-lightgray.png?logo=github",
                f"{website.rstrip('/')}/tree/18.0/addons/{addon.name}",
                repo.group(1),
            )
        )
    for index, (image, target, alt) in enumerate(badges, 1):
        out += [
            f".. |badge{index}| image:: {image}",
            f"    :target: {target}",
            f"    :alt: {alt}",
        ]
    out += ["", " ".join(f"|badge{i}|" for i in range(1, len(badges) + 1)), ""]
    if "DESCRIPTION" in fragments:
        out += [_section_body(*fragments["DESCRIPTION"], base=0)]
    out += ["**Table of contents**", "", ".. contents::", "   :local:", ""]
    for key, title in SECTIONS:
        if key in fragments:
            out += _heading(title, "=") + [_section_body(*fragments[key], base=1)]
    out += _heading("Bug Tracker", "=")
    if repo:
        out += [
            f"Bugs are tracked on `GitHub Issues <{website.rstrip('/')}/issues>`__.",
            "In case of trouble, please check there if your issue has already been",
            "reported. If you spotted it first, help us to smash it by providing a",
            "detailed and welcomed feedback.",
            "",
        ]
    else:
        out += ["Please report bugs to the authors.", ""]
    out += _heading("Credits", "=") + _heading("Authors", "-")
    authors = [a.strip() for a in manifest.get("author", "").split(",") if a.strip()]
    out += [f"* {_escape(author)}" for author in authors] + [""]
    if "CONTRIBUTORS" in fragments:
        out += _heading("Contributors", "-")
        out += [_section_body(*fragments["CONTRIBUTORS"], base=2)]
    if "CREDITS" in fragments:
        out += _heading("Other credits", "-")
        out += [_section_body(*fragments["CREDITS"], base=2)]
    out += _heading("Maintainers", "-")
    maintainers = manifest.get("maintainers") or authors
    out += [f"This module is maintained by {', '.join(map(_escape, maintainers))}."]
    if repo:
        out += [
            "",
            f"This module is part of the `{repo.group(1)} <{website.rstrip('/')}"
            f"/tree/18.0/addons/{addon.name}>`_ project on GitHub.",
        ]
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def rst_problems(text, source):
    """Warnings and errors docutils reports for the text (empty when fine)."""
    try:
        from docutils.core import publish_doctree
    except ImportError:
        return []
    stream = io.StringIO()
    publish_doctree(
        text,
        source_path=source,
        settings_overrides={"warning_stream": stream, "report_level": 2, "halt_level": 5},
    )
    return [line for line in stream.getvalue().splitlines() if line.strip()]


def main(argv):
    check = "--check" in argv
    addons = [Path(a) for a in argv if a != "--check"]
    if not addons:
        sys.stderr.write(__doc__)
        return 2
    failed = False
    for addon in addons:
        if not (addon / "__manifest__.py").is_file():
            continue
        target = addon / "README.rst"
        text = render(addon)
        problems = rst_problems(text, str(target))
        for problem in problems:
            print(f"{target}: {problem}")
        failed = failed or bool(problems)
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if check:
            if current != text:
                print(f"{target}: out of date with {addon}/readme/ (run bin/gen_readme.py {addon})")
                failed = True
        elif current != text:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
