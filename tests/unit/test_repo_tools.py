# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""bin/gen_readme.py (README.rst from readme/ fragments) and bin/check_i18n.py
(translations keep placeholders and markup), without Odoo."""

import sys
from pathlib import Path

import polib
import pytest

BIN = Path(__file__).resolve().parents[2] / "bin"
sys.path.insert(0, str(BIN))

import check_i18n  # noqa: E402
import gen_readme  # noqa: E402


def _addon(tmp_path, fragments, name="my_addon"):
    addon = tmp_path / name
    (addon / "readme").mkdir(parents=True)
    (addon / "__manifest__.py").write_text(
        '{"name": "My Addon", "version": "18.0.1.0.0", "license": "LGPL-3",'
        ' "author": "Subscription Suite Authors",'
        ' "website": "https://github.com/subscription-suite/subscription-suite",'
        ' "depends": ["base"]}',
        encoding="utf-8",
    )
    for fragment, text in fragments.items():
        (addon / "readme" / fragment).write_text(text, encoding="utf-8")
    return addon


def test_markdown_constructs_become_rst():
    rst = gen_readme.md_to_rst(
        "Some **bold**, *em*, `code_x`, [a link](https://example.com) and "
        "**`bold_code()`**; a word_ at the end.\n\n"
        "1. first\n   continued\n2. second\n\n   - nested\n\n"
        "| A | B |\n| --- | --- |\n| `x` | y |\n",
        base=1,
    )
    assert "**bold**" in rst and "*em*" in rst and "``code_x``" in rst
    assert "`a link <https://example.com>`__" in rst
    assert "``bold_code()``" in rst  # RST has no bold code: it stays code
    assert "word\\_ at" in rst  # not a reference
    assert "1. first continued" in rst and "2. second" in rst and "   - nested" in rst
    assert ".. list-table::" in rst and "   * - A" in rst and "     - y" in rst
    assert gen_readme.rst_problems(rst, "x.rst") == []


def test_headings_follow_the_oca_levels(tmp_path):
    addon = _addon(
        tmp_path,
        {
            "DESCRIPTION.md": "Intro.\n\n## Where rules live\n\nText.\n",
            "CONFIGURE.md": "### Who reads what\n\nText.\n",
            "USAGE.md": "Use it.\n",
        },
    )
    text = gen_readme.render(addon)
    assert text.startswith("========\nMy Addon\n========\n")
    assert "Where rules live\n================\n" in text  # a section of its own
    assert "Configuration\n=============\n" in text
    assert "Who reads what\n--------------\n" in text  # inside Configuration
    assert text.index("Configuration") < text.index("Usage") < text.index("Bug Tracker")
    assert "|badge1| |badge2| |badge3|" in text and "license-LGPL--3-blue" in text
    assert gen_readme.rst_problems(text, "README.rst") == []


def test_check_fails_until_regenerated(tmp_path, capsys):
    addon = _addon(tmp_path, {"DESCRIPTION.md": "First.\n"})
    assert gen_readme.main(["--check", str(addon)]) == 1  # no README.rst yet
    assert gen_readme.main([str(addon)]) == 0
    assert gen_readme.main(["--check", str(addon)]) == 0
    (addon / "readme" / "DESCRIPTION.md").write_text("Edited.\n", encoding="utf-8")
    assert gen_readme.main(["--check", str(addon)]) == 1
    assert "out of date" in capsys.readouterr().out


@pytest.mark.parametrize(
    "msgid, msgstr, ok",
    [
        ("%(name)s ends on %(date)s.", "%(name)s berakhir pada %(date)s.", True),
        ("%(name)s ends on %(date)s.", "%(nama)s berakhir pada %(date)s.", False),
        ("Cancelled by %s", "Dibatalkan oleh", False),
        ("{{ object.name }} is due", "{{ object.name }} terutang", True),
        ("{{ object.name }} is due", "{{ object.nama }} terutang", False),
        ('<i class="fa fa-x" title="to"/>Pay', '<i class="fa fa-x" title="ke"/>Bayar', True),
        ('<i class="fa fa-x"/>Pay', "Bayar", False),
        ('<t t-out="object.name">X</t> paid', '<t t-out="object.nama">X</t> dibayar', False),
        ("<strong>Done.</strong> Yes", "<strong>Selesai.</strong> Ya", True),
    ],
)
def test_translation_keeps_placeholders_and_markup(msgid, msgstr, ok):
    assert (check_i18n.check_entry(msgid, msgstr) == []) is ok


def test_po_files_are_checked(tmp_path):
    addon = tmp_path / "my_addon"
    (addon / "i18n").mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {
        "Language": "id",
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    po.append(polib.POEntry(msgid="Hello %s", msgstr="Halo"))
    po.save(str(addon / "i18n" / "id.po"))
    problems = []
    check_i18n.check_i18n(addon, problems)
    assert len(problems) == 1 and "placeholders" in problems[0]
    (addon / "i18n" / "fr.po").write_text("msgid x\n", encoding="utf-8")
    problems = []
    check_i18n.check_i18n(addon, problems)
    # polib forgives the syntax error; msgfmt (when installed) and the
    # header check do not.
    assert any("fr.po" in p for p in problems)


def test_shipped_translations_are_clean():
    root = BIN.parent / "addons"
    problems = []
    for addon in sorted(root.iterdir()):
        if (addon / "i18n" / "id.po").is_file():
            check_i18n.check_i18n(addon, problems)
    assert problems == []


def test_fstring_inside_a_translated_call_is_refused(tmp_path):
    addon = tmp_path / "my_addon"
    addon.mkdir()
    (addon / "models.py").write_text(
        "from odoo import _\n"
        "LIMIT = 10\n"
        "OK = _('At most %(max)s.', max=format(LIMIT, ','))\n"
        "BAD = self.env._('At most %(max)s.', max=f'{LIMIT:,}')\n",
        encoding="utf-8",
    )
    problems = []
    check_i18n.check_python_terms(addon, problems)
    assert len(problems) == 1 and "models.py:4: f-string inside _()" in problems[0]
