# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, freeze_time, tagged

from .common_retention import RetentionCommon


@tagged("post_install", "-at_install")
class TestRetentionOffers(RetentionCommon):
    def setUp(self):
        super().setUp()
        self.sub = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_pro)

    def _saved_events(self, sub):
        return sub.event_ids.filtered(lambda e: e.event_type == "saved_by_offer")

    def test_matching_by_reason_tier_state_and_company(self):
        with freeze_time("2026-01-10"):
            self.assertEqual(
                self.sub._get_retention_offers(self.reason).ids,
                (self.offer_discount | self.offer_pause | self.offer_downgrade).ids,
            )
            self.assertEqual(
                self.sub._get_retention_offers(self.reason_other),
                self.offer_pause | self.offer_downgrade,
            )
            basic = self._new_subscription(tier=self.tier_basic)
            basic.action_start()
            self.assertEqual(
                basic._get_retention_offers(self.reason), self.offer_discount | self.offer_pause
            )
            trial = self._new_subscription(tier=self.tier_enterprise)
            trial.action_start()
            self.assertEqual(trial.state, "trial")
            # No pause in trial; Basic is below Enterprise but not offered to it.
            self.assertEqual(trial._get_retention_offers(self.reason), self.offer_discount)

    def test_offer_values_are_validated(self):
        Offer = self.env["subscription.retention.offer"]
        for values in (
            {"kind": "discount", "discount_percent": 0},
            {"kind": "discount", "discount_percent": 20, "discount_periods": 0},
            {"kind": "pause", "pause_periods": 0},
            {"kind": "downgrade"},
            {"kind": "pause", "pause_periods": 1, "winback": True},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                with self.env.cr.savepoint():
                    Offer.create({"name": "Bad", **values})

    def test_accept_discount_discounts_the_next_three_invoices(self):
        with freeze_time("2026-01-20"):
            acceptance = self.sub.action_accept_offer(
                self.offer_discount.id, self.reason.id, feedback="Too expensive for us"
            )
        self.assertEqual(self.sub.state, "active")
        self.assertFalse(self.sub.cancel_at_period_end)
        event = self._saved_events(self.sub)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.retention_offer_id, self.offer_discount)
        self.assertEqual(event.reason_id, self.reason)
        self.assertEqual(event.mrr_delta, 0.0)
        self.assertEqual(acceptance.event_id, event)
        self.assertEqual(acceptance.date, date(2026, 1, 20))
        self.assertEqual(self.sub.feedback_ids.kind, "cancellation")
        for month in (2, 3, 4, 5):
            self._renew(date(2026, month, 1))
        invoices = self.sub.invoice_ids.filtered(
            lambda m: m.subscription_invoice_kind == "period"
        ).sorted("subscription_period_start")
        self.assertEqual(len(invoices), 5)
        # January (before the offer) and May (after three periods): full price.
        for invoice, untaxed in zip(invoices, (30.0, 24.0, 24.0, 24.0, 30.0), strict=True):
            with self.subTest(period=invoice.subscription_period_start):
                self.assertAlmostEqual(invoice.amount_untaxed, untaxed)
        discount_lines = invoices[1].invoice_line_ids.filtered(lambda line: line.price_unit < 0)
        self.assertEqual(len(discount_lines), 1)
        self.assertAlmostEqual(discount_lines.price_unit, -6.0)
        self.assertIn("20% off (period 1 of 3)", discount_lines.name)
        self.assertEqual(acceptance.discount_periods_used, 3)
        self.assertLedgerBalanced(self.sub)

    def test_accept_pause(self):
        with freeze_time("2026-01-20"):
            self.sub.action_accept_offer(self.offer_pause.id, self.reason_other.id)
        self.assertEqual(self.sub.state, "paused")
        self.assertEqual(self.sub.pause_until, date(2026, 3, 20))
        self.assertEqual(
            self.sub.event_ids.sorted("id")[-2:].mapped("event_type"), ["paused", "saved_by_offer"]
        )
        self.assertLedgerBalanced(self.sub)

    def test_accept_downgrade_at_period_end(self):
        with freeze_time("2026-01-20"):
            self.sub.action_accept_offer(self.offer_downgrade.id, self.reason_other.id)
        self.assertEqual(self.sub.tier_id, self.tier_pro)
        self.assertEqual(self.sub.pending_tier_id, self.tier_basic)
        self._renew(date(2026, 2, 1))
        self.assertEqual(self.sub.tier_id, self.tier_basic)
        self.assertEqual(len(self._saved_events(self.sub)), 1)

    def test_offer_not_shown_is_refused_and_nothing_written(self):
        self.offer_pause.copy({"name": "Archived", "active": False})
        archived = (
            self.env["subscription.retention.offer"]
            .with_context(active_test=False)
            .search([("name", "=", "Archived")])
        )
        basic = self._started_subscription(on=date(2026, 1, 1))
        cases = [
            (self.sub, self.offer_discount.id, self.reason_other.id),  # other reason
            (self.sub, self.offer_company_b.id, self.reason.id),  # other company
            (self.sub, archived.id, self.reason.id),
            (self.sub, 999999, self.reason.id),
            (basic, self.offer_downgrade.id, self.reason.id),  # not for Basic
        ]
        with freeze_time("2026-01-20"):
            for sub, offer_id, reason_id in cases:
                with self.subTest(offer=offer_id), self.assertRaises(UserError):
                    sub.action_accept_offer(offer_id, reason_id)
            with self.assertRaises(UserError):
                self.sub.action_accept_offer("1; DROP TABLE", self.reason.id)
        self.assertFalse(
            self.Acceptance.search([("subscription_id", "in", (self.sub | basic).ids)])
        )
        self.assertFalse(self._saved_events(self.sub | basic))
        self.assertEqual(self.sub.state, "active")

    def test_one_offer_per_window(self):
        self.company.subscription_retention_window_days = 365
        with freeze_time("2026-01-20"):
            self.sub.action_accept_offer(self.offer_discount.id, self.reason.id)
            self.assertFalse(self.sub._get_retention_offers(self.reason))
            with self.assertRaises(UserError):
                self.sub.action_accept_offer(self.offer_downgrade.id, self.reason.id)
        with freeze_time("2027-01-19"):
            self.assertFalse(self.sub._get_retention_offers(self.reason))
        with freeze_time("2027-01-20"):
            self.assertTrue(self.sub._get_retention_offers(self.reason))

    def test_rights(self):
        with freeze_time("2026-01-20"):
            with self.assertRaises(AccessError):
                self.sub.with_user(self.portal_user).action_accept_offer(
                    self.offer_discount.id, self.reason.id
                )
            with self.assertRaises(AccessError):
                self.sub.with_user(self.internal_user).action_accept_offer(
                    self.offer_discount.id, self.reason.id
                )
            with self.assertRaises(AccessError):
                self.Acceptance.with_user(self.sub_manager).create(
                    {
                        "subscription_id": self.sub.id,
                        "company_id": self.company.id,
                        "offer_id": self.offer_discount.id,
                        "kind": "discount",
                        "date": "2026-01-20",
                    }
                )
            with self.assertRaises(AccessError):
                self.offer_discount.with_user(self.sub_user).write({"discount_percent": 90})
            self.sub.with_user(self.sub_user).action_accept_offer(
                self.offer_discount.id, self.reason.id
            )
        acceptance = self.sub.with_user(self.sub_user).retention_acceptance_ids
        self.assertEqual(acceptance.user_id, self.sub_user)
        with self.assertRaises(AccessError):
            acceptance.with_user(self.sub_manager).write({"discount_periods": 36})

    def test_wizard_accepts_or_cancels(self):
        with freeze_time("2026-01-20"):
            form = Form(
                self.env["subscription.cancel"].with_context(default_subscription_id=self.sub.id)
            )
            form.reason_id = self.reason_other
            self.assertEqual(form.offer_ids[:], self.offer_pause | self.offer_downgrade)
            form.offer_id = self.offer_pause
            form.feedback = "We need a break over the summer"
            form.save().action_accept_offer()
            self.assertEqual(self.sub.state, "paused")
            self.assertEqual(self.sub.feedback_ids.text, "We need a break over the summer")
            other = self._new_subscription(tier=self.tier_pro)
            other.action_start()
            form = Form(
                self.env["subscription.cancel"].with_context(default_subscription_id=other.id)
            )
            form.reason_id = self.reason
            self.assertIn(self.offer_discount, form.offer_ids[:])
            form.save().action_confirm()  # declined: cancellation goes ahead
            self.assertTrue(other.cancel_at_period_end)
            self.assertFalse(self._saved_events(other))
            wizard = self.env["subscription.cancel"].create(
                {"subscription_id": other.id, "reason_id": self.reason.id}
            )
            with self.assertRaises(UserError):
                wizard.action_accept_offer()

    def test_shipped_offers(self):
        discount = self.env.ref("subscription_engagement.retention_offer_discount")
        pause = self.env.ref("subscription_engagement.retention_offer_pause")
        (discount | pause).active = True
        too_expensive = self.env.ref("subscription_core.cancel_reason_too_expensive")
        not_using = self.env.ref("subscription_core.cancel_reason_not_using")
        with freeze_time("2026-01-10"):
            self.assertIn(discount, self.sub._get_retention_offers(too_expensive))
            self.assertNotIn(pause, self.sub._get_retention_offers(too_expensive))
            self.assertIn(pause, self.sub._get_retention_offers(not_using))
        self.assertTrue(discount.winback)
