# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.tests import freeze_time

from odoo.addons.subscription_billing.tests.common import BillingCommon

from ..tools import metrics

AS_OF = date(2026, 4, 15)


class ReportsHistoryCommon(BillingCommon):
    """A history of three and a half months (January to 15 April 2026) made
    through the public lifecycle and the renewal engine, with every kind of
    movement: new (direct and after a trial), a trial cancelled, upgrades,
    downgrades, a second subscription of a customer, a billing cycle change,
    a pause and its resume, payment failure, suspension and recovery,
    voluntary and involuntary cancellations and a reactivation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.partners = Partner.create(
            [{"name": f"History customer {i}", "is_company": True} for i in range(8)]
        )
        cls._generate_history()
        with freeze_time(AS_OF):
            cls.env["subscription.metric.snapshot"]._cron_build_snapshots()

    @classmethod
    def _run_engine(cls, day):
        with freeze_time(day):
            cls.env["subscription.subscription"]._cron_process_due()

    @classmethod
    def _start(cls, day, partner, tier, cycle=None, quantity=1):
        with freeze_time(day):
            sub = cls.env["subscription.subscription"].create(
                {
                    "partner_id": partner.id,
                    "tier_id": tier.id,
                    "cycle_id": (cycle or cls.monthly).id,
                    "quantity": quantity,
                    "date_start": day,
                }
            )
            sub.action_start()
        return sub

    @classmethod
    def _generate_history(cls):
        p = cls.partners
        d = date
        cls.sub_a = cls._start(d(2026, 1, 5), p[0], cls.tier_basic)
        cls.sub_b = cls._start(d(2026, 1, 10), p[1], cls.tier_enterprise)  # trial
        cls.sub_c = cls._start(d(2026, 1, 12), p[2], cls.tier_enterprise)  # trial
        cls.sub_d = cls._start(d(2026, 1, 15), p[3], cls.tier_pro)
        with freeze_time(d(2026, 1, 20)):
            cls.sub_c.action_cancel(cls.reason.id, at_period_end=False)
        cls.sub_e = cls._start(d(2026, 1, 20), p[4], cls.tier_basic, cls.yearly)
        cls._run_engine(d(2026, 1, 24))  # B converts
        cls.sub_f = cls._start(d(2026, 2, 1), p[5], cls.tier_basic, quantity=2)
        cls._run_engine(d(2026, 2, 5))
        with freeze_time(d(2026, 2, 10)):
            cls.sub_a.change_plan(tier_id=cls.tier_pro.id, effective="now")
        with freeze_time(d(2026, 2, 15)):
            cls.sub_d.action_pause(until=d(2026, 3, 15))
            cls._run_engine(d(2026, 2, 15))
        cls.sub_g = cls._start(d(2026, 2, 18), p[0], cls.tier_basic)  # A's second
        with freeze_time(d(2026, 2, 20)):
            cls.sub_f._set_past_due()
        cls._run_engine(d(2026, 3, 1))
        with freeze_time(d(2026, 3, 1)):
            cls.sub_f._set_suspended()
        with freeze_time(d(2026, 3, 5)):
            cls.sub_b.change_plan(tier_id=cls.tier_basic.id, effective="now")
        with freeze_time(d(2026, 3, 10)):
            cls.sub_f._set_recovered()
        cls._run_engine(d(2026, 3, 15))  # D resumes
        cls.sub_h = cls._start(d(2026, 3, 16), p[6], cls.tier_basic)
        with freeze_time(d(2026, 3, 20)):
            cls.sub_e.action_cancel(cls.reason.id, at_period_end=False)
            cls.sub_a.action_cancel(cls.reason_involuntary.id, at_period_end=False)
        with freeze_time(d(2026, 3, 25)):
            cls.sub_h.change_plan(cycle_id=cls.yearly.id, effective="now")
        with freeze_time(d(2026, 4, 2)):
            cls.sub_e.action_reactivate()
        cls._run_engine(d(2026, 4, 10))
        cls.subs = (
            cls.sub_a
            | cls.sub_b
            | cls.sub_c
            | cls.sub_d
            | cls.sub_e
            | cls.sub_f
            | cls.sub_g
            | cls.sub_h
        )

    def _ledger_rows(self):
        """The ledger as rows of the pure metrics module."""
        events = self.env["subscription.event"].search(
            [("subscription_id", "in", self.subs.ids)], order="effective_date, id"
        )
        return [
            metrics.LedgerRow(
                event.partner_id.commercial_partner_id.id,
                event.effective_date,
                event.event_type,
                event.mrr_delta,
                event.reason_id.kind == "involuntary",
            )
            for event in events
        ]
