# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date
from unittest.mock import patch

import psycopg2

from odoo import Command
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestInvoicing(BillingCommon):
    def _period_invoices(self, sub):
        return sub.invoice_ids.filtered(lambda m: m.subscription_invoice_kind == "period").sorted(
            "subscription_period_start"
        )

    def test_first_period_invoice(self):
        sub = self._billed_subscription(
            on=date(2026, 1, 31), quantity=3, addons={self.addon_storage: 2, self.addon_support: 1}
        )
        invoice = self._period_invoices(sub)
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.partner_id, self.customer)
        self.assertEqual(
            (invoice.subscription_period_start, invoice.subscription_period_end),
            (date(2026, 1, 31), date(2026, 2, 28)),
        )
        lines = invoice.invoice_line_ids.sorted("id")
        self.assertEqual(
            [(line.product_id, line.quantity, line.price_unit) for line in lines],
            [
                (self.tier_basic.product_id, 3, 10.0),
                (self.addon_storage.product_id, 2, 5.0),
                (self.addon_support.product_id, 1, 20.0),
            ],
        )
        self.assertEqual(lines[0].name, "Basic (Test Monthly) – 01/31/2026 to 02/27/2026")
        self.assertEqual(lines.mapped("subscription_period_end"), [date(2026, 2, 28)] * 3)
        self.assertEqual(invoice.amount_untaxed, 60.0)
        self.assertEqual(invoice.amount_tax, 6.0, "the products' 10% tax")
        self.assertEqual(invoice.amount_total, 66.0)
        self.assertEqual(sub.amount_due, 66.0)
        self.assertTrue(invoice.sending_data, "send_invoice mode: emailed by Odoo's sending")

    def test_batch_invoice_chatter_told_in_one_pass(self):
        """The renewal batch's invoices carry Odoo's own creation note (same
        text, subtype and author as ``mail.thread.create``), logged for the
        whole batch in one create of messages; the job's user is not made a
        follower of each invoice."""
        subs = [self._billed_subscription(on=date(2026, 1, 31)) for _i in range(3)]
        self._renew("2026-02-28")
        invoices = self.env["account.move"].browse(
            [self._period_invoices(sub)[-1].id for sub in subs]
        )
        created = self.env.ref("account.mt_invoice_created")
        for invoice in invoices:
            self.assertEqual(invoice.subscription_period_start, date(2026, 2, 28))
            notes = invoice.message_ids.filtered(lambda m, s=created: m.subtype_id == s)
            self.assertEqual(len(notes), 1, "one creation note per invoice")
            self.assertIn("Invoice Created", notes.body)
            self.assertEqual(notes.author_id, self.env.user.partner_id)
            self.assertEqual(notes.message_type, "notification")
        Message = type(self.env["mail.message"])
        original = Message.create
        creates = []

        def create(messages, vals_list):
            result = original(messages, vals_list)
            creates.append(len(result))
            return result

        admin = self.env.ref("base.user_admin")  # an active user: Odoo would subscribe it
        with patch.object(Message, "create", create):
            moves = (
                self.env["account.move"]
                .with_user(admin)
                .sudo()
                ._subscription_create_batch(
                    [
                        {"move_type": "out_invoice", "partner_id": self.customer.id},
                        {"move_type": "out_invoice", "partner_id": self.customer.id},
                        {"move_type": "entry"},
                    ]
                )
            )
        self.assertEqual(creates[:1], [3], "the three notes in one create")
        self.assertEqual(
            [m.message_ids.subtype_id for m in moves],
            [created, created, self.env.ref("mail.mt_note")],
            "Odoo's subtypes: the invoice's, a note for a journal entry",
        )
        self.assertEqual(moves.message_ids.author_id, admin.partner_id)
        self.assertFalse(moves.message_partner_ids & admin.partner_id, "not a follower of each")

    def test_batch_invoices_followed_by_their_partner_as_odoo_does(self):
        """The batch makes each invoice's partner a follower in one pass, with
        the followers Odoo's posting would make one invoice at a time (active
        partners only; a customer with the external subtypes, an employee
        with the default ones), before the invoices are posted."""
        archived = self.env["res.partner"].create({"name": "Archived Co"})
        archived.action_archive()
        employee = (
            self.env["res.users"]
            .create(
                {
                    "name": "Billing Clerk",
                    "login": "billing_clerk_followers",
                    "company_id": self.env.company.id,
                    "company_ids": [Command.set(self.env.company.ids)],
                    "groups_id": [Command.set(self.env.ref("base.group_user").ids)],
                }
            )
            .partner_id
        )
        partners = [self.customer, self.customer, employee, archived]

        def values(partner):
            line = {"name": "Service", "quantity": 1, "price_unit": 10.0}
            return {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [Command.create(line)],
            }

        def followers(move):
            return sorted(
                (follower.partner_id.id, tuple(sorted(follower.subtype_ids.ids)))
                for follower in move.message_follower_ids
            )

        Move = self.env["account.move"].sudo()
        batch = Move._subscription_create_batch([values(partner) for partner in partners])
        self.assertEqual(
            [move.message_partner_ids for move in batch],
            [self.customer, self.customer, employee, self.env["res.partner"]],
            "subscribed by the batch, before posting",
        )
        batch._subscription_subscribe_partners()  # again: nothing added
        batch.action_post()
        plain = Move.with_context(mail_create_nosubscribe=True).create(
            [values(partner) for partner in partners]
        )
        plain.action_post()
        self.assertEqual([followers(move) for move in batch], [followers(move) for move in plain])
        self.assertNotEqual(followers(batch[0]), followers(batch[2]), "customer vs employee")

    def test_no_invoice_during_trial_then_on_activation(self):
        sub = self._billed_subscription(tier=self.tier_enterprise)
        self.assertEqual(sub.state, "trial")
        self.assertFalse(sub.invoice_ids)
        self._renew("2026-04-15")
        self.assertEqual(sub.state, "active")
        invoice = self._period_invoices(sub)
        self.assertEqual(invoice.subscription_period_start, date(2026, 4, 15))
        self.assertEqual(invoice.amount_untaxed, 100.0)

    def test_renewal_invoices_each_period_once(self):
        sub = self._billed_subscription(on=date(2026, 1, 31))
        self._renew("2026-02-28")
        self._renew("2026-02-28")
        self._renew("2026-03-31")
        self._renew("2026-03-31")
        invoices = self._period_invoices(sub)
        self.assertEqual(
            invoices.mapped("subscription_period_start"),
            [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)],
        )
        # Asking again for the current period returns the same invoice.
        self.assertEqual(sub._create_period_invoice(), invoices[-1])
        self.assertEqual(len(self._period_invoices(sub)), 3)

    def test_database_refuses_a_second_period_invoice(self):
        sub = self._billed_subscription()
        invoice = self._period_invoices(sub)
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation):
            with self.env.cr.savepoint():
                invoice.copy(
                    {
                        "subscription_id": sub.id,
                        "subscription_invoice_kind": "period",
                        "subscription_period_start": invoice.subscription_period_start,
                    }
                )

    def test_other_currency_and_fiscal_position(self):
        fiscal_position = self.env["account.fiscal.position"].create(
            {
                "name": "Export",
                "tax_ids": [
                    (0, 0, {"tax_src_id": self.tax_10.id, "tax_dest_id": self.tax_sale_a.id})
                ],
            }
        )
        self.other_customer.property_account_position_id = fiscal_position
        sub = self._billed_subscription(
            partner=self.other_customer, currency_id=self.other_currency.id
        )
        invoice = self._period_invoices(sub)
        self.assertEqual(invoice.currency_id, self.other_currency)
        self.assertEqual(invoice.amount_untaxed, 20.0)
        self.assertEqual(invoice.fiscal_position_id, fiscal_position)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_sale_a)

    def test_upgrade_now_invoices_proration(self):
        sub = self._billed_subscription(on=date(2026, 4, 1), quantity=3)  # 30.00 / 30 days
        with freeze_time("2026-04-21"):
            sub.change_plan(tier_id=self.tier_pro.id)  # credit 10, charge 30
        proration = sub.invoice_ids.filtered(lambda m: m.subscription_invoice_kind == "proration")
        self.assertEqual(proration.move_type, "out_invoice")
        self.assertEqual(proration.amount_untaxed, 20.0)
        self.assertEqual(sorted(proration.invoice_line_ids.mapped("price_subtotal")), [-10.0, 30.0])
        self.assertEqual(proration.subscription_period_end, date(2026, 5, 1))

    def test_downgrade_now_gives_credit_note(self):
        sub = self._billed_subscription(on=date(2026, 4, 1), tier=self.tier_pro)
        with freeze_time("2026-04-16"):
            sub.change_plan(tier_id=self.tier_basic.id, effective="now")  # credit 15, charge 5
        credit = sub.invoice_ids.filtered(lambda m: m.subscription_invoice_kind == "proration")
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.amount_untaxed, 10.0)

    def test_proration_on_next_invoice(self):
        self.company.subscription_proration_mode = "next_invoice"
        sub = self._billed_subscription(on=date(2026, 4, 1), quantity=3)
        with freeze_time("2026-04-21"):
            sub.change_plan(tier_id=self.tier_pro.id)
        self.assertFalse(sub.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")[1:])
        # The credit is a credit note at once, applied to the open invoice.
        credit = sub.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(credit.amount_untaxed, 10.0)
        self.assertEqual(credit.amount_residual, 0.0)
        self._renew("2026-05-01")
        invoice = self._period_invoices(sub)[-1]
        self.assertEqual(invoice.subscription_period_start, date(2026, 5, 1))
        self.assertEqual(invoice.amount_untaxed, 90.0 + 30.0)
        self._renew("2026-06-01")
        self.assertEqual(
            self._period_invoices(sub)[-1].amount_untaxed, 90.0, "adjustments billed once"
        )

    def test_credit_note_on_immediate_cancellation(self):
        self.company.subscription_credit_on_cancel = True
        sub = self._billed_subscription(on=date(2026, 4, 1), quantity=3)
        with freeze_time("2026-04-21"):
            sub.action_cancel(self.reason.id, at_period_end=False)
        credit = sub.invoice_ids.filtered(lambda m: m.subscription_invoice_kind == "credit")
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.amount_untaxed, 10.0)

    def test_sending_failure_does_not_rebill(self):
        sub = self._billed_subscription(on=date(2026, 1, 31))
        invoice = self._period_invoices(sub)
        invoice.sending_data = {"error": True}  # what a failed background send leaves
        self._renew("2026-01-31")
        with freeze_time("2026-02-01"):
            sub._create_period_invoice()
        self.assertEqual(self._period_invoices(sub), invoice)
        self.assertEqual(invoice.state, "posted")

    def test_failing_invoice_stays_pending_and_is_retried(self):
        subs = [self._billed_subscription(on=date(2026, 1, 10)) for _i in range(3)]
        bad = subs[1]
        Sub = type(bad)
        original = Sub._prepare_invoice_values

        def prepare(records, kind, start, end, lines, move_type="out_invoice"):
            if records == bad:
                raise ValueError("no journal for this one")
            return original(records, kind, start, end, lines, move_type=move_type)

        with (
            patch.object(Sub, "_prepare_invoice_values", prepare),
            mute_logger("odoo.addons.subscription_billing.models.subscription_billing_period"),
        ):
            result = self._renew("2026-02-10")
        self.assertEqual((result["done"], result["invoiced"], result["invoice_pending"]), (3, 2, 0))
        self.assertEqual(bad.current_period_start, date(2026, 2, 10), "renewed all the same")
        self.assertTrue(bad.invoice_pending)
        self.assertIn("no journal", bad.process_error)
        self.assertEqual(len(self._period_invoices(bad)), 1)
        for good in (subs[0], subs[2]):
            self.assertEqual(len(self._period_invoices(good)), 2)
        # Not retried the same day; the next day the period is invoiced once.
        self.assertEqual(self._renew("2026-02-10")["invoiced"], 0)
        self.assertEqual(self._renew("2026-02-11")["invoiced"], 1)
        self.assertFalse(bad.invoice_pending)
        self.assertFalse(bad.process_error)
        self.assertEqual(
            self._period_invoices(bad)[-1].subscription_period_start, date(2026, 2, 10)
        )

    def test_many_subscriptions_due_at_once(self):
        """More than a thousand due at once: each period billed once, over
        several engine calls, re-runs included (OCA contract re-bills past
        its first 1,000 lines). They start in trial so that only the
        activation by the engine invoices them."""
        if "base.automation" in self.env:
            # Other addons' automated actions (subscription_engagement's
            # welcome and first-renewal messages: two rendered mails per
            # subscription) are not billing and took a third of this test's
            # time (profiled); billing installed alone has none.
            automation = type(self.env["base.automation"])
            self.startPatcher(patch.object(automation, "_process", lambda *args, **kwargs: None))
        # Ten subscriptions per customer, like a book of business (Odoo's
        # invoice checks look at each customer's previous invoices).
        partners = self.env["res.partner"].create([{"name": f"Bulk {i}"} for i in range(101)])
        Sub = self.env["subscription.subscription"].with_context(tracking_disable=True)
        with freeze_time("2026-01-01"):
            subs = Sub.create(
                [
                    {
                        "partner_id": partners[i % 101].id,
                        "tier_id": self.tier_enterprise.id,
                        "cycle_id": self.monthly.id,
                        "date_start": date(2026, 1, 1),
                    }
                    for i in range(1010)
                ]
            )
            subs.action_start()
        self.assertFalse(subs.invoice_ids)
        calls = [self._renew("2026-01-15") for _i in range(4)]
        self.assertEqual([c["done"] for c in calls], [500, 500, 10, 0])
        # The invoicing job bills 200 periods per call (its own batches).
        self.assertEqual([c["invoiced"] for c in calls], [200, 200, 200, 200])
        while calls[-1]["invoice_pending"]:
            calls.append(self._renew("2026-01-15"))
        self.assertEqual(len(calls), 6)
        self.env.cr.execute(
            "SELECT count(*), count(DISTINCT (subscription_id, subscription_period_start)) "
            "FROM account_move WHERE subscription_id = ANY(%s)",
            [subs.ids],
        )
        self.assertEqual(self.env.cr.fetchone(), (1010, 1010))
