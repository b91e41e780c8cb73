# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged
from odoo.tools import safe_eval

# Server action code noting the records it ran on as partner tags.
NOTE = "for record in records: env['res.partner.category'].create({'name': 'fired %s' % record.id})"


@tagged("post_install", "-at_install")
class TestAutomationLookup(TransactionCase):
    """Rules looked up once per registry and filtered only when their trigger
    fields change: the same rules run on the same records as in Odoo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["base.automation"]
        cls.partner = cls.env["res.partner"].create({"name": "Lookup customer"})
        cls.rule = cls.Rule.create(
            {
                "name": "Test lookup rule",
                "model_id": cls.env.ref("base.model_res_partner").id,
                "trigger": "on_create_or_write",
                "trigger_field_ids": [(6, 0, cls.env.ref("base.field_res_partner__function").ids)],
                "filter_domain": "[('function', '=', 'Buyer')]",
                "action_server_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Test lookup action",
                            "model_id": cls.env.ref("base.model_res_partner").id,
                            "state": "code",
                            "code": NOTE,
                        },
                    )
                ],
            }
        )

    def _fired(self):
        return self.env["res.partner.category"].search_count(
            [("name", "=", f"fired {self.partner.id}")]
        )

    def test_rules_follow_their_changes(self):
        # Odoo re-patches the models when a rule changes, which the test's
        # rollback does not undo: put the rule back first.
        self.addCleanup(self.rule.write, {"trigger": "on_create_or_write", "active": True})
        self.partner.function = "Buyer"
        self.assertEqual(self._fired(), 1)
        self.partner.function = "Seller"
        self.rule.active = False
        self.partner.function = "Buyer"
        self.assertEqual(self._fired(), 1, "an archived rule no longer runs")
        self.rule.active = True
        self.partner.function = "Seller"
        self.partner.function = "Buyer"
        self.assertEqual(self._fired(), 2, "a rule restored runs again")
        self.rule.trigger = "on_unlink"
        self.partner.function = "Seller"
        self.partner.function = "Buyer"
        self.assertEqual(self._fired(), 2, "a rule moved to another trigger no longer runs")

    def test_a_rule_created_after_a_lookup_runs(self):
        self.partner.function = "Seller"
        self.Rule.create(
            {
                "name": "Test later rule",
                "model_id": self.env.ref("base.model_res_partner").id,
                "trigger": "on_create_or_write",
                "filter_domain": "[('comment', '!=', False)]",
                "action_server_ids": [(6, 0, self.rule.action_server_ids.ids)],
            }
        )
        self.partner.comment = "<p>Noted</p>"
        self.assertEqual(self._fired(), 1)

    def test_rules_read_once(self):
        self.partner.function = "Seller"
        self.env["res.partner"].create({"name": "First"})
        with patch.object(type(self.Rule), "search", autospec=True) as search:
            search.side_effect = lambda *args, **kwargs: self.Rule.browse()
            self.partner.function = "Buyer"
            self.partner.email = "lookup@example.com"
            self.env["res.partner"].create({"name": "Another", "function": "Buyer"})
        search.assert_not_called()
        self.assertEqual(self._fired(), 1)

    def _count_safe_eval(self):
        calls = []
        real = safe_eval.safe_eval

        def counting(expr, *args, **kwargs):
            calls.append(expr)
            return real(expr, *args, **kwargs)

        return calls, patch.object(safe_eval, "safe_eval", counting)

    def test_other_fields_are_not_filtered(self):
        # A filter that needs evaluating (uid), so that each filtering shows.
        self.rule.filter_domain = "[('function', '=', 'Buyer'), ('create_uid', '=', uid)]"
        calls, counting = self._count_safe_eval()
        with counting:
            self.partner.email = "other@example.com"
            self.assertNotIn(self.rule.filter_domain, calls)
            self.partner.function = "Buyer"
            self.assertIn(self.rule.filter_domain, calls)
        self.assertEqual(self._fired(), 1)

    def test_literal_filters_are_read_once(self):
        self.rule.filter_pre_domain = "[('function', '!=', 'Buyer')]"
        calls, counting = self._count_safe_eval()
        with counting:
            self.partner.function = "Buyer"
            self.assertEqual(self._fired(), 1)
            self.partner.function = "Seller"
            self.partner.function = "Buyer"
            self.assertEqual(self._fired(), 2)
            self.partner.write({"function": "Buyer", "email": "same@example.com"})
            self.assertEqual(self._fired(), 2, "the pre-condition holds the unchanged one back")
            self.env["res.partner"].create({"name": "New buyer", "function": "Buyer"})
        self.assertFalse(
            {self.rule.filter_domain, self.rule.filter_pre_domain} & set(calls),
            "literal filters never go through safe_eval",
        )
