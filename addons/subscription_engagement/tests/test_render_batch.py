# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date
from unittest.mock import patch

from lxml import etree

from odoo.tests import freeze_time, tagged

from .common import EngagementCommon

# Queries per message of a batch (measured 1 with the reminder and its cross-sell).
MESSAGE_QUERY_BUDGET = 2


@tagged("post_install", "-at_install")
class TestRenderBatch(EngagementCommon):
    """A batch of messages compiles the template's body once, renders each."""

    def test_one_compilation_per_batch_same_bodies(self):
        customers = self.env["res.partner"].create(
            [{"name": f"Render customer {i}", "email": f"render{i}@example.com"} for i in range(4)]
        )
        subs = self.env["subscription.subscription"]
        for customer in customers:
            subs |= self._started_subscription(on=date(2026, 1, 1), partner=customer)
        IrQweb = type(self.env["ir.qweb"])
        original = IrQweb._generate_code
        compiled = []

        def counting(qweb, template):
            # Only the reminder's body (other templates, e.g. widgets, aside).
            if isinstance(template, etree._Element) and b"renews on" in etree.tostring(template):
                compiled.append(template)
            return original(qweb, template)

        with freeze_time("2026-01-29"), patch.object(IrQweb, "_generate_code", counting):
            sent = subs._engagement_send(
                "render_test", self.tmpl_reminder, key_field="current_period_end", upcoming=True
            )
        self.assertEqual(sent, subs)
        # Odoo's check for unsafe expressions generates the code once per
        # call, then the body is compiled once for the four mails.
        self.assertEqual(len(compiled), 2, "one compilation for four mails")
        # Each mail is its own subscription's, as Odoo's per-record rendering makes it.
        with freeze_time("2026-01-29"):
            expected = self.tmpl_reminder._render_field(
                "body_html", subs.ids, options={"post_process": True}
            )
        for sub in subs:
            mail = self._mails(sub, self.tmpl_reminder)
            self.assertEqual(len(mail), 1)
            self.assertIn(sub.name, mail.body_html)
            self.assertIn(sub.partner_id.name, mail.body_html)
            self.assertEqual(str(mail.body_html), str(expected[sub.id]))

    def test_without_memo_odoo_compiles_each_time(self):
        subs = self._started_subscription(on=date(2026, 1, 1)) | self._started_subscription(
            on=date(2026, 1, 1), partner=self.other_customer
        )
        IrQweb = type(self.env["ir.qweb"])
        original = IrQweb._generate_code
        compiled = []

        def counting(qweb, template):
            # Only the reminder's body (other templates, e.g. widgets, aside).
            if isinstance(template, etree._Element) and b"renews on" in etree.tostring(template):
                compiled.append(template)
            return original(qweb, template)

        with patch.object(IrQweb, "_generate_code", counting):
            self.tmpl_reminder._render_field("body_html", subs.ids)
        # The check, then one compilation per record: Odoo's own path is unchanged.
        self.assertEqual(len(compiled), 3)

    def test_portal_tokens_given_in_one_statement(self):
        subs = self._started_subscription(on=date(2026, 1, 1)) | self._started_subscription(
            on=date(2026, 1, 1), partner=self.other_customer
        )
        self.env.cr.execute(
            "UPDATE subscription_subscription SET access_token = NULL WHERE id = ANY(%s)",
            [subs.ids],
        )
        subs.invalidate_recordset(["access_token"])
        with freeze_time("2026-01-29"):
            subs._engagement_send(
                "token_test", self.tmpl_reminder, key_field="current_period_end", upcoming=True
            )
        self.assertNotEqual(subs[0].access_token, subs[1].access_token)
        for sub in subs:
            self.assertTrue(sub.access_token)
            self.assertIn(sub.access_token, self._mails(sub, self.tmpl_reminder).body_html)

    def test_query_budget_per_message(self):
        """A batch of messages costs a few queries per message, whatever the
        add-ons suggested (one price query per subscription at most)."""
        customers = self.env["res.partner"].create(
            [{"name": f"Budget customer {i}", "email": f"budget{i}@example.com"} for i in range(8)]
        )
        subs = self.env["subscription.subscription"]
        for customer in customers:
            subs |= self._started_subscription(on=date(2026, 1, 1), partner=customer)

        def queries(batch, occasion):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            with freeze_time("2026-01-29"):
                sent = batch._engagement_send(
                    occasion, self.tmpl_reminder, key_field="current_period_end", upcoming=True
                )
                self.env.flush_all()
            self.assertEqual(sent, batch)
            return self.cr.sql_log_count - before

        few = queries(subs[:2], "budget_few")
        many = queries(subs[2:], "budget_many")
        per_message = (many - few) / 4
        self.assertLessEqual(per_message, MESSAGE_QUERY_BUDGET, f"{few} / {many} queries")
