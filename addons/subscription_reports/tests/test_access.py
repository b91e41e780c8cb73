# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.subscription_core.tests.common import SubscriptionCommon

REPORT_MODELS = (
    "subscription.metric.snapshot",
    "subscription.mrr.movement.report",
    "subscription.cohort.report",
    "subscription.retention.report",
)


@tagged("post_install", "-at_install")
@freeze_time("2026-03-01")
class TestReportsAccess(SubscriptionCommon):
    """Who reads the reports: readers and subscription administrators, each
    in their own companies; portal users and plain employees nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Reports Company B"})
        cls.reader = mail_new_test_user(
            cls.env,
            login="reports_reader",
            name="Reports Reader",
            groups="base.group_user,subscription_reports.group_subscription_reports_reader",
        )
        Sub = cls.env["subscription.subscription"]
        cls.sub_here = Sub.create(
            {
                "partner_id": cls.customer.id,
                "tier_id": cls.tier_basic.id,
                "cycle_id": cls.monthly.id,
            }
        )
        tier_b = cls.env["subscription.tier"].create(
            {
                "name": "Company B tier",
                "code": "company_b",
                "sequence": 5,
                "company_id": cls.company_b.id,
                "product_id": cls.tier_basic.product_id.id,
            }
        )
        cls.sub_there = Sub.create(
            {
                "partner_id": cls.other_customer.id,
                "tier_id": tier_b.id,
                "cycle_id": cls.monthly.id,
                "company_id": cls.company_b.id,
                "currency_id": cls.company_b.currency_id.id,
            }
        )
        # Ledger rows written as the system does (the subscriptions stay
        # drafts: these tests are about who reads the reports).
        cls.env["subscription.event"].sudo().create(
            [
                {
                    "subscription_id": sub.id,
                    "event_type": "activated",
                    "effective_date": date(2026, 2, 1),
                    "mrr_before": 0.0,
                    "mrr_after": amount,
                }
                for sub, amount in ((cls.sub_here, 10.0), (cls.sub_there, 70.0))
            ]
        )
        cls.env["subscription.metric.snapshot"]._build_snapshots(date(2026, 2, 1), date(2026, 3, 1))

    def test_manager_implies_reader(self):
        self.assertTrue(
            self.sub_manager.has_group("subscription_reports.group_subscription_reports_reader")
        )
        self.assertFalse(
            self.sub_user.has_group("subscription_reports.group_subscription_reports_reader")
        )

    def test_reader_sees_only_its_companies(self):
        for model in REPORT_MODELS:
            records = self.env[model].with_user(self.reader).search([])
            self.assertTrue(records, model)
            self.assertEqual(records.company_id, self.company, model)
        # Both companies once allowed.
        self.reader.company_ids |= self.company_b
        snapshots = (
            self.env["subscription.metric.snapshot"]
            .with_user(self.reader)
            .with_context(allowed_company_ids=[self.company.id, self.company_b.id])
            .search([("date", "=", "2026-03-01"), ("dimension", "=", "total")])
        )
        self.assertEqual(
            {(s.company_id, s.mrr) for s in snapshots},
            {(self.company, 10.0), (self.company_b, 70.0)},
        )

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_portal_and_plain_employees_see_nothing(self):
        for user in (self.portal_user, self.internal_user, self.sub_user):
            for model in REPORT_MODELS:
                with self.assertRaises(AccessError, msg=f"{user.login} {model}"):
                    self.env[model].with_user(user).search([])
            with self.assertRaises(AccessError):
                self.env["subscription.metric.reconcile"].with_user(user).create({})

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_kpis_for_readers_of_their_companies(self):
        Metrics = self.env["subscription.metrics"]
        kpis = Metrics.with_user(self.reader).get_kpis("2026-02-01", "2026-03-01")
        self.assertEqual((kpis["company_id"], kpis["mrr"]), (self.company.id, 10.0))
        with self.assertRaises(AccessError):
            Metrics.with_user(self.reader).get_kpis(
                "2026-02-01", "2026-03-01", company_id=self.company_b.id
            )
        for user in (self.portal_user, self.sub_user):
            with self.assertRaises(AccessError):
                Metrics.with_user(user).get_kpis("2026-02-01", "2026-03-01")

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_customer_mrr_history_from_the_partner(self):
        action = self.customer_contact.with_user(self.reader).action_view_mrr_movements()
        self.assertEqual(action["res_model"], "subscription.mrr.movement.report")
        movements = self.env[action["res_model"]].with_user(self.reader).search(action["domain"])
        self.assertEqual(movements.partner_id, self.customer)
        self.assertEqual(movements.mapped("amount"), [10.0])
        with self.assertRaises(AccessError):
            self.customer.with_user(self.sub_user).action_view_mrr_movements()

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_reader_cannot_write_or_reconcile(self):
        snapshot = (
            self.env["subscription.metric.snapshot"].with_user(self.reader).search([], limit=1)
        )
        with self.assertRaises(AccessError):
            snapshot.write({"mrr": 1.0})
        with self.assertRaises(AccessError):
            snapshot.unlink()
        with self.assertRaises(AccessError):
            self.env["subscription.metric.reconcile"].with_user(self.reader).create({})

    def test_manager_reconciles(self):
        wizard = (
            self.env["subscription.metric.reconcile"]
            .with_user(self.sub_manager)
            .create({"date_from": "2026-02-01", "date": "2026-03-01"})
        )
        wizard.action_reconcile()
        # Drafts carry no MRR, so the ledger rows written above differ from
        # their subscriptions: listed one by one.
        self.assertEqual(wizard.line_ids.subscription_id, self.sub_here)
