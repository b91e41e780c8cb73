# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re

from lxml import etree

from odoo.tests import TransactionCase, tagged

MODULES = ("subscription_core", "subscription_billing")
# One word for each thing, Odoo's own where it has one.
WRONG_WORDS = {
    r"\bAddons?\b": "Add-on",
    r"\bPrice Unit\b": "Unit Price",
    r"\bStates?\b": "Status",
}
TEXT_ATTRIBUTES = ("string", "help", "placeholder", "title", "confirm", "sum", "aria-label")


@tagged("post_install", "-at_install")
class TestVocabulary(TransactionCase):
    """Labels read the same across subscription_core and subscription_billing:
    field labels, view texts, menus and actions (technical names unchanged)."""

    def _xmlids(self, model):
        return self.env["ir.model.data"].search([("module", "in", MODULES), ("model", "=", model)])

    def _wrong_words(self, text):
        return [word for pattern, word in WRONG_WORDS.items() if re.search(pattern, text or "")]

    def test_field_labels(self):
        fields = self.env["ir.model.fields"].browse(
            self._xmlids("ir.model.fields").mapped("res_id")
        )
        self.assertGreater(len(fields), 100)
        bad = {
            f"{field.model}.{field.name}: {field.field_description!r}"
            for field in fields
            # Fields the suite defines (not those of mixins such as mail's).
            if self.env[field.model]._fields[field.name]._module in MODULES
            and self._wrong_words(field.field_description)
        }
        self.assertFalse(sorted(bad))

    def test_view_texts(self):
        # Back-office views (portal templates speak the customer's words, and
        # "State / Province" there is an address field).
        views = (
            self.env["ir.ui.view"]
            .browse(self._xmlids("ir.ui.view").mapped("res_id"))
            .filtered(lambda view: view.type != "qweb")
        )
        self.assertGreater(len(views), 20)
        bad = set()
        for view in views:
            for node in etree.fromstring(view.arch_db).iter():
                if not isinstance(node.tag, str):
                    continue
                texts = [node.get(attribute) for attribute in TEXT_ATTRIBUTES]
                if node.tag not in ("field", "xpath", "attribute"):
                    texts += [node.text, node.tail]
                for text in texts:
                    if self._wrong_words(text):
                        bad.add(f"{view.xml_id or view.name}: {text.strip()!r}")
        self.assertFalse(sorted(bad))

    def test_menus_and_actions(self):
        for model in ("ir.ui.menu", "ir.actions.act_window", "ir.actions.server"):
            records = self.env[model].browse(self._xmlids(model).mapped("res_id"))
            with self.subTest(model=model):
                self.assertFalse([r.name for r in records if self._wrong_words(r.name)])
