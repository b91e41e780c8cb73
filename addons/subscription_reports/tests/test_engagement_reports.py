# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged
from odoo.tests.common import new_test_user

from odoo.addons.subscription_core.tests.common import SubscriptionCommon

from ..report.subscription_engagement_report import (
    SubscriptionEngagementReportMixin,
    engagement_installed,
)
from ..tools import engagement

REPORTS = (
    "subscription.nps.report",
    "subscription.save.report",
    "subscription.save.offer.report",
    "subscription.winback.report",
)


@tagged("post_install", "-at_install")
class TestEngagementReports(SubscriptionCommon):
    """NPS, save rate and win-back rate read from subscription_engagement's
    records (installed with the suite), checked against tools/engagement.py;
    without the addon the views are empty and rebuilt when it comes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Engagement Reports Company B"})
        cls.reader = new_test_user(
            cls.env,
            login="engagement_reports_reader",
            groups="base.group_user,subscription_reports.group_subscription_reports_reader",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.subs = [
            cls._start_sub(date(2026, 1, 5), cls.env["res.partner"].create({"name": f"E{i}"}))
            for i in range(5)
        ]

    @classmethod
    def _start_sub(cls, day, partner):
        with freeze_time(day):
            sub = cls.env["subscription.subscription"].create(
                {
                    "partner_id": partner.id,
                    "tier_id": cls.tier_basic.id,
                    "cycle_id": cls.monthly.id,
                    "date_start": day,
                }
            )
            sub.action_start()
        return sub

    def _nps_answer(self, sub, invited, score=None, answered=None):
        answer = (
            self.env["survey.user_input"]
            .sudo()
            .create(
                {
                    "survey_id": self.env.ref("subscription_engagement.survey_nps").id,
                    "partner_id": sub.partner_id.id,
                    "subscription_id": sub.id,
                    "subscription_scored": score is not None,
                    "subscription_score": score or 0,
                }
            )
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE survey_user_input SET create_date = %s, end_datetime = %s WHERE id = %s",
            [invited, answered, answer.id],
        )
        return answer

    def test_soft_check(self):
        self.assertTrue(engagement_installed(self.env))
        self.assertFalse(engagement_installed({"subscription.engagement.log": True}))
        for name in REPORTS:
            self.assertEqual(self.env[name]._view_variant(), "engagement")

    def test_nps_per_month_and_response_rate(self):
        jan, feb = datetime(2026, 1, 20, 10), datetime(2026, 2, 20, 10)
        scores_jan = [10, 9, 8, 3]
        for sub, score in zip(self.subs, scores_jan, strict=False):
            self._nps_answer(sub, jan, score, jan)
        self._nps_answer(self.subs[4], jan)  # invited, no answer
        self._nps_answer(self.subs[0], feb, 2, feb)
        Report = self.env["subscription.nps.report"].with_user(self.reader)
        rows = Report.read_group(
            [("answered_on", "!=", False)],
            ["response_count:sum", "nps:avg", "promoter_rate:avg", "detractor_rate:avg"],
            ["answered_on:month"],
        )
        expected = engagement.nps_summary(scores_jan)
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[0]["response_count"], expected["responses"])
        self.assertAlmostEqual(rows[0]["nps"], expected["nps"])
        self.assertAlmostEqual(rows[0]["promoter_rate"], expected["promoters"])
        self.assertAlmostEqual(rows[0]["detractor_rate"], expected["detractors"])
        self.assertAlmostEqual(rows[1]["nps"], -100.0)
        invited = Report.read_group(
            [], ["invited_count:sum", "response_rate:avg"], ["invited_on:month"]
        )
        self.assertEqual(invited[0]["invited_count"], 5)
        self.assertAlmostEqual(invited[0]["response_rate"], engagement.response_rate(4, 5))

    def test_nps_other_company_hidden_from_reader(self):
        partner = self.env["res.partner"].create({"name": "Company B customer"})
        tier_b = self.tier_basic.copy({"company_id": self.company_b.id, "code": "eng_b"})
        sub_b = self.env["subscription.subscription"].create(
            {
                "partner_id": partner.id,
                "tier_id": tier_b.id,
                "cycle_id": self.monthly.id,
                "company_id": self.company_b.id,
                "currency_id": self.company_b.currency_id.id,
            }
        )
        when = datetime(2026, 1, 20, 10)
        self._nps_answer(sub_b, when, 10, when)
        self._nps_answer(self.subs[0], when, 0, when)
        seen = self.env["subscription.nps.report"].with_user(self.reader).search([])
        self.assertEqual(seen.subscription_id, self.subs[0])
        self.assertEqual(self.env["subscription.nps.report"].search_count([]), 2)

    def test_save_rate_per_reason_and_offer(self):
        offer = (
            self.env["subscription.retention.offer"]
            .sudo()
            .create(
                {
                    "name": "Report test discount",
                    "kind": "discount",
                    "discount_percent": 10,
                    "discount_periods": 1,
                }
            )
        )
        a, b, c, d, _e = self.subs
        with freeze_time(date(2026, 2, 10)):
            a._apply_retention_offer(offer, reason=self.reason)
            b.action_cancel(self.reason.id, at_period_end=True)
            c.action_cancel(self.reason.id, at_period_end=False)
            d.action_cancel(self.reason_involuntary.id, at_period_end=False)
        with freeze_time(date(2026, 3, 6)):
            self.env["subscription.subscription"]._cron_process_due()
        self.assertEqual(b.state, "cancelled")
        Report = self.env["subscription.save.report"].with_user(self.reader)
        outcomes = {(r.subscription_id, r.outcome) for r in Report.search([])}
        self.assertEqual(outcomes, {(a, "saved"), (b, "cancelled"), (c, "cancelled")})
        rows = Report.read_group(
            [], ["saved_count:sum", "cancelled_count:sum", "save_rate:avg"], ["reason_id"]
        )
        self.assertEqual(len(rows), 1)
        self.assertEqual((rows[0]["saved_count"], rows[0]["cancelled_count"]), (1, 2))
        self.assertAlmostEqual(rows[0]["save_rate"], engagement.save_rate(1, 2))
        saved = Report.search([("outcome", "=", "saved")])
        self.assertEqual((saved.offer_name, saved.offer_kind), ("Report test discount", "discount"))

    def test_save_rate_per_offer_offered(self):
        """Times offered, times accepted and save rate per offer and reason,
        from the offers each cancellation flow showed (wizard and model
        path; the portal's is tested in subscription_engagement)."""
        Offer = self.env["subscription.retention.offer"].sudo()
        Offer.search([]).active = False
        values = {"kind": "discount", "discount_percent": 10, "discount_periods": 1}
        x = Offer.create({**values, "name": "Offer X", "sequence": 1})
        y = Offer.create(
            {**values, "name": "Offer Y", "sequence": 2, "reason_ids": self.reason.ids}
        )
        reason_2 = self.env["subscription.cancel.reason"].create({"name": "Reason 2 (report)"})
        a, b, c, d, e = self.subs

        def wizard_cancel(sub, reason):
            self.env["subscription.cancel"].create(
                {"subscription_id": sub.id, "reason_id": reason.id}
            ).action_confirm()

        with freeze_time(date(2026, 2, 10)):
            a.action_accept_offer(x.id, self.reason.id)  # shown X, Y: X taken
            c.action_accept_offer(y.id, self.reason.id)  # shown X, Y: Y taken
            wizard_cancel(b, self.reason)  # shown X, Y: declined
            wizard_cancel(d, reason_2)  # shown X only: declined
            e.action_cancel(self.reason.id)  # no flow: not counted
        Report = self.env["subscription.save.offer.report"].with_user(self.reader)
        self.assertEqual(Report.search_count([]), 7)
        self.assertFalse(Report.search([("subscription_id", "=", e.id)]))
        rows = Report.read_group(
            [],
            ["offered_count:sum", "accepted_count:sum", "save_rate:avg"],
            ["offer_name", "reason_id"],
            lazy=False,
        )
        got = {
            (r["offer_name"], r["reason_id"][0]): (
                r["offered_count"],
                r["accepted_count"],
                round(r["save_rate"], 6),
            )
            for r in rows
        }
        rate = engagement.offer_save_rate
        self.assertEqual(
            got,
            {
                ("Offer X", self.reason.id): (3, 1, round(rate(1, 3), 6)),
                ("Offer X", reason_2.id): (1, 0, rate(0, 1)),
                ("Offer Y", self.reason.id): (3, 1, round(rate(1, 3), 6)),
            },
        )
        per_offer = Report.read_group(
            [], ["offered_count:sum", "accepted_count:sum", "save_rate:avg"], ["offer_name"]
        )
        x_row = next(r for r in per_offer if r["offer_name"] == "Offer X")
        self.assertEqual((x_row["offered_count"], x_row["accepted_count"]), (4, 1))
        self.assertAlmostEqual(x_row["save_rate"], rate(1, 4))
        outcomes = {(r.subscription_id, r.offer_name): r.outcome for r in Report.search([])}
        self.assertEqual(outcomes[(a, "Offer X")], "accepted")
        self.assertEqual(outcomes[(a, "Offer Y")], "other_offer")
        self.assertEqual(outcomes[(b, "Offer Y")], "declined")
        # Another company's reader sees none of them.
        other = new_test_user(
            self.env,
            login="engagement_reports_reader_b",
            groups="base.group_user,subscription_reports.group_subscription_reports_reader",
            company_id=self.company_b.id,
            company_ids=[self.company_b.id],
        )
        self.assertEqual(Report.with_user(other).search_count([]), 0)
        # A portal user has no access at all.
        with self.assertRaises(AccessError):
            Report.with_user(self.portal_user).search([])

    def test_winback_rate(self):
        a, b, *_rest = self.subs
        with freeze_time(date(2026, 2, 1)):
            (a | b).action_cancel(self.reason.id, at_period_end=False)
        Log = self.env["subscription.engagement.log"].sudo()
        for sub in (a, b):
            Log.create(
                {
                    "subscription_id": sub.id,
                    "company_id": sub.company_id.id,
                    "occasion": "winback",
                    "period_key": "2026-02-01",
                    "date": datetime(2026, 2, 20, 9),
                }
            )
        with freeze_time(date(2026, 2, 25)):
            a.action_reactivate()
        rows = (
            self.env["subscription.winback.report"]
            .with_user(self.reader)
            .search([])
            .sorted(lambda row: row.subscription_id.id)
        )
        self.assertEqual(rows.mapped("won_back_count"), [1, 0])
        self.assertEqual(rows[0].returned_on, date(2026, 2, 25))
        self.assertEqual(rows[0].days_to_return, 5)
        total = rows.read_group([], ["winback_rate:avg"], [])[0]["winback_rate"]
        self.assertAlmostEqual(total, engagement.winback_rate(1, 2))

    def test_kpis(self):
        jan = datetime(2026, 1, 20, 10)
        for sub, score in zip(self.subs, [10, 9, 3], strict=False):
            self._nps_answer(sub, jan, score, jan)
        self._nps_answer(self.subs[3], jan)
        kpis = (
            self.env["subscription.metrics"]
            .with_user(self.reader)
            .get_kpis(date(2026, 1, 1), date(2026, 1, 31))["engagement"]
        )
        expected = engagement.nps_summary([10, 9, 3])
        self.assertEqual(kpis["responses"], 3)
        self.assertAlmostEqual(kpis["nps"], expected["nps"])
        self.assertEqual(kpis["invitations"], 4)
        self.assertAlmostEqual(kpis["response_rate"], 75.0)
        self.assertIsNone(kpis["save_rate"])
        self.assertIsNone(kpis["winback_rate"])
        path = "odoo.addons.subscription_reports.report.subscription_engagement_report"
        with patch(f"{path}.engagement_installed", return_value=False):
            kpis = self.env["subscription.metrics"].get_kpis(date(2026, 1, 1), date(2026, 1, 31))
        self.assertIsNone(kpis["engagement"])

    def test_without_engagement_the_views_are_empty_and_rebuilt(self):
        when = datetime(2026, 1, 20, 10)
        self._nps_answer(self.subs[0], when, 10, when)
        Report = self.env["subscription.nps.report"]
        columns = self._columns(Report._table)
        with patch.object(SubscriptionEngagementReportMixin, "_view_variant", lambda self: "empty"):
            for name in REPORTS:
                self.env[name]._register_hook()
                self.assertEqual(self.env[name].search_count([]), 0)
            self.assertEqual(self._columns(Report._table), columns)
        Report._register_hook()  # engagement is back
        self.assertEqual(Report.search_count([]), 1)

    def _columns(self, table):
        self.env.cr.execute(f"SELECT * FROM {table} LIMIT 0")  # noqa: S608
        return sorted(col.name for col in self.env.cr.description)
