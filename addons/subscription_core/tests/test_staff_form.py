# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, freeze_time, tagged

from .common import SubscriptionCommon

START = date(2026, 1, 31)


@tagged("post_install", "-at_install")
class TestStaffForm(SubscriptionCommon):
    """The staff form cannot mislead: pause with a resume date, fields that
    no longer apply are hidden (or corrected by the lifecycle), catalog
    records are not created from a subscription, a missing price is said
    before Start, and lists total only amounts that add up."""

    def _pause_form(self, sub):
        return Form(
            self.env["subscription.pause"]
            .with_user(self.sub_user)
            .with_context(default_subscription_id=sub.id)
        )

    def _form_arch(self):
        arch = self.env["subscription.subscription"].get_views([(False, "form")])["views"]["form"]
        return etree.fromstring(arch["arch"])

    # ------------------------------------------------------------
    # Pause wizard
    # ------------------------------------------------------------

    def test_pause_until_a_date_then_resumes_on_it(self):
        sub = self._started_subscription(on=START)
        with freeze_time("2026-02-10"):
            form = self._pause_form(sub)
            form.until = date(2026, 3, 1)
            form.save().action_confirm()
        self.assertEqual((sub.state, sub.pause_until), ("paused", date(2026, 3, 1)))
        self.assertEqual(self._events(sub)[-1].event_type, "paused")
        self.assertEqual(self._events(sub)[-1].user_id, self.sub_user)
        with freeze_time("2026-03-01"):
            sub._cron_process_due()
        self.assertEqual((sub.state, sub.current_period_start), ("active", date(2026, 3, 1)))

    def test_pause_without_date_waits_for_resume(self):
        sub = self._started_subscription(on=START)
        with freeze_time("2026-02-10"):
            self._pause_form(sub).save().action_confirm()
        self.assertEqual(sub.state, "paused")
        self.assertFalse(sub.pause_until)

    def test_pause_date_checked_like_the_portal(self):
        sub = self._started_subscription(on=START, date_end=date(2026, 6, 1))
        with freeze_time("2026-02-10"):
            for until, message in (
                (date(2026, 2, 10), "must end after today"),
                (date(2026, 2, 1), "must end after today"),
                (date(2026, 6, 1), "the pause must end before"),
            ):
                with self.subTest(until=until):
                    form = self._pause_form(sub)
                    form.until = until
                    wizard = form.save()
                    with self.assertRaisesRegex(UserError, message):
                        wizard.action_confirm()
        self.assertEqual(sub.state, "active", "nothing half-written")
        self.assertEqual(self._events(sub)[-1].event_type, "activated")

    def test_pause_wizard_needs_subscription_rights(self):
        sub = self._started_subscription(on=START)
        for user in (self.internal_user, self.portal_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["subscription.pause"].with_user(user).create({"subscription_id": sub.id})
        self.assertEqual(sub.state, "active")

    # ------------------------------------------------------------
    # Fields that no longer apply
    # ------------------------------------------------------------

    def test_early_activation_ends_the_trial_that_day(self):
        sub = self._started_subscription(on=date(2026, 5, 1), tier=self.tier_enterprise)
        self.assertEqual(sub.trial_end_date, date(2026, 5, 15))
        with freeze_time("2026-05-06"):
            sub.action_activate()
        self.assertEqual(sub.trial_end_date, date(2026, 5, 6), "first day after the trial")
        self.assertEqual(sub.current_period_start, date(2026, 5, 6))
        form = self._form_arch()
        trial = form.xpath("//field[@name='trial_end_date']")[0]
        self.assertEqual(trial.get("invisible"), "state != 'trial'")

    def test_trial_ended_on_time_keeps_its_date(self):
        sub = self._started_subscription(on=date(2026, 5, 1), tier=self.tier_enterprise)
        with freeze_time("2026-05-15"):
            sub._cron_process_due()
        self.assertEqual((sub.state, sub.trial_end_date), ("active", date(2026, 5, 15)))

    def test_auto_renew_hidden_while_cancelling_and_kept_for_undo(self):
        sub = self._started_subscription(on=START, auto_renew=False)
        with freeze_time("2026-02-10"):
            sub.action_cancel(self.reason.id)
            self.assertTrue(sub.cancel_at_period_end)
            self.assertFalse(sub.auto_renew, "not cleared: kept as the customer set it")
            sub.action_undo_cancel()
        self.assertFalse(sub.auto_renew)
        field = self._form_arch().xpath("//field[@name='auto_renew']")[0]
        self.assertIn("cancel_at_period_end", field.get("invisible"))

    # ------------------------------------------------------------
    # Catalog from a subscription
    # ------------------------------------------------------------

    def test_no_catalog_record_created_from_a_subscription(self):
        # The view as written (currency and company fields are only in the
        # arch of multi-currency and multi-company users).
        form = etree.fromstring(
            self.env.ref("subscription_core.subscription_subscription_view_form").arch_db
        )
        for xpath in (
            "//sheet/group//field[@name='tier_id']",
            "//sheet/group//field[@name='cycle_id']",
            "//sheet/group//field[@name='currency_id']",
            "//sheet/group//field[@name='company_id']",
            "//field[@name='addon_line_ids']//field[@name='addon_id']",
        ):
            with self.subTest(field=xpath):
                nodes = form.xpath(xpath)
                self.assertEqual(len(nodes), 1)
                self.assertIn("'no_create': True", nodes[0].get("options") or "")

    def test_missing_price_is_said_before_start(self):
        sub = self._new_subscription(tier=self.tier_no_price)
        self.assertIn("Unpriced", sub.missing_price_warning)
        self.assertIn("Test Monthly", sub.missing_price_warning)
        with self.assertRaisesRegex(UserError, "no price"):
            sub.action_start()
        priced = self._new_subscription(addons={self.addon_storage: 1})
        self.assertFalse(priced.missing_price_warning)
        priced.action_start()
        self.assertFalse(priced.missing_price_warning, "only drafts are checked")
        foreign = self._new_subscription(
            cycle=self.yearly,
            currency_id=self.other_currency.id,
            addons={self.addon_support: 1},
        )
        self.assertIn("Basic", foreign.missing_price_warning)
        self.assertIn("Priority support", foreign.missing_price_warning)

    # ------------------------------------------------------------
    # Totals in lists
    # ------------------------------------------------------------

    def test_amounts_in_several_currencies_or_cycles_have_no_total(self):
        for model, name in (
            ("subscription.price", "amount"),
            ("subscription.subscription", "recurring_amount"),
            ("subscription.subscription", "mrr"),
            ("subscription.subscription", "price_unit"),
            ("subscription.addon.line", "price_unit"),
            ("subscription.event", "amount_credit"),
            ("subscription.event", "amount_charge"),
        ):
            with self.subTest(field=f"{model}.{name}"):
                self.assertFalse(self.env[model]._fields[name].aggregator)
        # Company currency: totals stay.
        self.assertEqual(
            self.env["subscription.subscription"]._fields["mrr_company"].aggregator, "sum"
        )
        groups = self.env["subscription.price"].read_group(
            [("tier_id", "=", self.tier_basic.id)], ["amount"], ["tier_id"]
        )
        self.assertNotIn("amount", groups[0])
