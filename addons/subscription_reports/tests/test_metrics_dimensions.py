# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict
from datetime import date, timedelta

from odoo.tests import freeze_time, tagged

from ..tools import metrics
from .common import AS_OF, ReportsHistoryCommon

MEASURES = ("mrr", "customer_count", "subscription_count", "net_new_mrr")


@tagged("post_install", "-at_install")
@freeze_time(AS_OF)
class TestMetricsDimensions(ReportsHistoryCommon):
    """The daily metrics per country, salesperson and segment, day by day on
    the generated history, against the ledger read independently (and the
    movement report for the movements)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        p = cls.partners
        cls.indonesia = cls.env.ref("base.id")
        cls.belgium = cls.env.ref("base.be")
        (p[0] | p[1] | p[4]).country_id = cls.indonesia
        (p[2] | p[3]).country_id = cls.belgium
        Tag = cls.env["res.partner.category"]
        cls.gold = Tag.create({"name": "Dimension test gold"})
        cls.silver = Tag.create({"name": "Dimension test silver"})
        p[0].category_id = cls.gold | cls.silver
        (p[3] | p[5]).category_id = cls.gold
        cls.seller = cls.sub_user
        (cls.sub_a | cls.sub_d | cls.sub_f).user_id = cls.seller
        with freeze_time(AS_OF):
            cls.env["subscription.metric.snapshot"]._rebuild_all()

    def _rows(self, dimension, **key):
        domain = [("company_id", "=", self.company.id), ("dimension", "=", dimension)]
        domain += [(field, "=", value.id if value else False) for field, value in key.items()]
        return {row.date: row for row in self.env["subscription.metric.snapshot"].search(domain)}

    def _expected(self, subs, movements):
        """Per day from the first event to AS_OF: MRR, active customers and
        subscriptions of ``subs`` (from their ledger), and the net of
        ``movements`` (movement report rows)."""
        events = self.env["subscription.event"].search(
            [("subscription_id", "in", subs.ids)], order="effective_date, id"
        )
        moves = defaultdict(float)
        for move in movements:
            moves[move.date] += move.amount
        result = {}
        day = date(2026, 1, 1)
        while day <= AS_OF:
            by_sub = defaultdict(float)
            for event in events.filtered(lambda e, d=day: e.effective_date <= d):
                by_sub[event.subscription_id] += event.mrr_delta
            by_customer = defaultdict(float)
            for sub, mrr in by_sub.items():
                by_customer[sub.commercial_partner_id] += mrr
            result[day] = (
                round(sum(by_sub.values()), 2),
                sum(1 for mrr in by_customer.values() if round(mrr, 2) > 0),
                sum(1 for mrr in by_sub.values() if round(mrr, 2) > 0),
                round(moves[day], 2),
            )
            day += timedelta(days=1)
        return result

    def _assert_days(self, rows, expected, label):
        for day, values in expected.items():
            row = rows.get(day)
            found = tuple(round(row[m], 2) for m in MEASURES) if row else (0.0, 0, 0, 0.0)
            self.assertEqual(found, values, f"{label} on {day}")

    def _movements(self, domain):
        return self.env["subscription.mrr.movement.report"].search(
            [("partner_id", "in", self.partners.ids), *domain]
        )

    def test_country_rows_day_by_day(self):
        for country in (self.indonesia, self.belgium, self.env["res.country"]):
            with self.subTest(country=country.code):
                customers = self.partners.filtered(lambda p, c=country: p.country_id == c)
                subs = self.subs.filtered(lambda s, c=customers: s.commercial_partner_id in c)
                moves = self._movements([("country_id", "=", country.id)])
                expected = self._expected(subs, moves)
                self._assert_days(self._rows("country", country_id=country), expected, "country")
        # Exact values on the last day: Indonesia is A (its second
        # subscription G, the first was cancelled), B and E.
        last = self._rows("country", country_id=self.indonesia)[AS_OF]
        self.assertEqual((last.customer_count, last.subscription_count), (3, 3))
        self.assertAlmostEqual(
            last.mrr, sum((self.sub_b | self.sub_e | self.sub_g).mapped("mrr_company")), 2
        )

    def test_salesperson_rows_day_by_day(self):
        others = self.subs.filtered(lambda s: s.user_id != self.seller)
        for user, subs in ((self.seller, self.sub_a | self.sub_d | self.sub_f),):
            moves = self._movements([("user_id", "=", user.id)])
            expected = self._expected(subs, moves)
            self._assert_days(self._rows("salesperson", user_id=user), expected, user.login)
        # The others' rows and the seller's add up to the company's.
        for user in others.user_id:
            rows = self._rows("salesperson", user_id=user)
            self.assertTrue(rows)
        self._assert_sums_to_total("salesperson")

    def test_segment_rows_day_by_day(self):
        for tag in (self.gold, self.silver):
            with self.subTest(tag=tag.name):
                customers = self.partners.filtered(lambda p, t=tag: t in p.category_id)
                subs = self.subs.filtered(lambda s, c=customers: s.commercial_partner_id in c)
                moves = self._movements([("partner_id.category_id", "in", tag.ids)])
                expected = self._expected(subs, moves)
                self._assert_days(self._rows("segment", category_id=tag), expected, tag.name)
        # Customers without a tag have no segment row.
        rows = self.env["subscription.metric.snapshot"].search(
            [("dimension", "=", "segment"), ("category_id", "=", False)]
        )
        self.assertFalse(rows)

    def _assert_sums_to_total(self, dimension):
        Snapshot = self.env["subscription.metric.snapshot"]
        fields = [
            "mrr:sum",
            "subscription_count:sum",
            "net_new_mrr:sum",
            "new_customer_count:sum",
            "churned_customer_count:sum",
        ] + [f"{kind}_mrr:sum" for kind in metrics.KINDS]
        base = [("company_id", "=", self.company.id), ("date", "<=", AS_OF)]
        totals = {
            group[0]: group[1:]
            for group in Snapshot._read_group(
                [*base, ("dimension", "=", "total")], ["date:day"], fields
            )
        }
        parts = {
            group[0]: group[1:]
            for group in Snapshot._read_group(
                [*base, ("dimension", "=", dimension)], ["date:day"], fields
            )
        }
        self.assertEqual(set(parts), set(totals))
        for day, values in totals.items():
            self.assertEqual(
                [round(v, 2) for v in parts[day]], [round(v, 2) for v in values], str(day)
            )

    def test_country_rows_add_up_to_the_company_rows(self):
        self._assert_sums_to_total("country")
        # Customers too: each customer has one country.
        Snapshot = self.env["subscription.metric.snapshot"]
        counts = {
            dimension: sum(
                Snapshot.search([("dimension", "=", dimension), ("date", "=", AS_OF)]).mapped(
                    "customer_count"
                )
            )
            for dimension in ("total", "country")
        }
        self.assertEqual(counts["country"], counts["total"])

    def test_rebuilding_a_day_keeps_the_rows_and_follows_changes(self):
        Snapshot = self.env["subscription.metric.snapshot"]
        before = Snapshot.search_count([("dimension", "=", "country")])
        Snapshot._build_snapshots(AS_OF, AS_OF)
        self.assertEqual(Snapshot.search_count([("dimension", "=", "country")]), before)
        # A customer who moves is counted in its new country from the next
        # build of a day on (the rows of the days built are kept).
        self.partners[4].country_id = self.belgium
        Snapshot._build_snapshots(AS_OF, AS_OF)
        belgium = self._rows("country", country_id=self.belgium)[AS_OF]
        self.assertAlmostEqual(belgium.mrr, self.sub_d.mrr_company + self.sub_e.mrr_company, 2)
        self.assertEqual(belgium.customer_count, 2)

    def test_search_fields_of_the_daily_metrics(self):
        Snapshot = self.env["subscription.metric.snapshot"]
        arch = Snapshot.get_views([(False, "search")])["views"]["search"]["arch"]
        for name in ("country_id", "user_id", "category_id"):
            self.assertIn(f'name="{name}"', arch)
        # The fields' domains, as the search view applies them.
        rows = Snapshot.search(
            [("dimension", "=", "segment"), ("category_id", "ilike", "test gold")]
        )
        self.assertEqual(rows.category_id, self.gold)
        rows = Snapshot.search([("dimension", "=", "country"), ("country_id", "ilike", "Indon")])
        self.assertEqual(rows.country_id, self.indonesia)

    def test_reconciliation_checks_the_country_and_salesperson_rows(self):
        def reconcile():
            wizard = self.env["subscription.metric.reconcile"].create(
                {"company_id": self.company.id, "date_from": "2026-04-01", "date": AS_OF}
            )
            wizard.action_reconcile()
            return {(x.check, x.note, round(x.difference, 2)) for x in wizard.line_ids}

        self.assertEqual(reconcile(), set())
        self.env.cr.execute(
            "UPDATE subscription_metric_snapshot SET mrr = mrr + 3"
            " WHERE date = %s AND dimension = 'country' AND country_id = %s",
            [AS_OF, self.belgium.id],
        )
        self.env.cr.execute(
            "DELETE FROM subscription_metric_snapshot"
            " WHERE date = %s AND dimension = 'salesperson' AND user_id = %s",
            [AS_OF, self.seller.id],
        )
        seller_mrr = (self.sub_a | self.sub_d | self.sub_f).mapped("mrr_company")
        self.assertEqual(
            reconcile(),
            {
                ("dimension", "Country rows", 3.0),
                ("dimension", "Salesperson rows", -round(sum(seller_mrr), 2)),
            },
        )
