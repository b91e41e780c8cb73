# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import EngagementCommon


@tagged("post_install", "-at_install")
class TestSegment(EngagementCommon):
    """Segments materialised as partner tags: members exactly, idempotent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Segment = cls.env["subscription.segment"]
        # The shipped segments would tag the database's other customers too:
        # the tests use their own, restricted to the test customers.
        cls.env.ref("subscription_engagement.segment_trialists")  # shipped
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Segment customer {i}", "email": f"seg{i}@example.com"} for i in range(10)]
        )
        cls.mine = [("partner_id", "in", (cls.customers | cls.customer).ids)]

    def _segment(self, domain, **vals):
        return self.Segment.create(
            {"name": "Test segment", "domain": str(self.mine + domain), **vals}
        )

    def test_trialists_tagged_and_untagged_on_activation(self):
        with freeze_time("2026-03-01"):
            sub = self._new_subscription(tier=self.tier_enterprise, date_start=date(2026, 3, 1))
            sub.action_start()
            self.assertEqual(sub.state, "trial")
            segment = self._segment([("state", "=", "trial")])
            self.assertTrue(segment.tag_id, "a tag is made from the name")
            self.assertEqual(segment._refresh()[segment], (1, 0))
            self.assertIn(segment.tag_id, self.customer.category_id)
            self.assertEqual(segment.member_count, 1)
            # Idempotent: a second run changes nothing.
            self.assertEqual(segment._refresh()[segment], (0, 0))
            self.assertEqual(segment.tag_id.partner_ids, self.customer)
            sub.action_activate()
            self.assertEqual(segment._refresh()[segment], (0, 1))
            self.assertNotIn(segment.tag_id, self.customer.category_id)
            self.assertEqual(segment.member_count, 0)

    def test_tag_put_by_hand_on_a_non_member_is_removed(self):
        segment = self._segment([("state", "=", "trial")])
        self.customers[0].category_id = segment.tag_id
        self.assertEqual(segment._refresh()[segment], (0, 1))
        self.assertFalse(self.customers[0].category_id)

    def test_top_mrr_decile(self):
        with freeze_time("2026-03-01"):
            for seats, customer in enumerate(self.customers, start=1):
                self._new_subscription(
                    partner=customer, quantity=seats, date_start=date(2026, 3, 1)
                ).action_start()
            segment = self._segment([("state", "in", ("active", "past_due"))], top_mrr_percent=10)
            segment._refresh()
        # The company may have other subscriptions: the decile is the company's.
        Sub = self.env["subscription.subscription"].sudo()
        mrrs = sorted(Sub.search([("mrr_company", ">", 0)]).mapped("mrr_company"), reverse=True)
        threshold_rank = len(mrrs) * 0.1
        expected = self.customers.filtered(
            lambda c: sum(1 for m in mrrs if m > c.subscription_ids.mrr_company) < threshold_rank
        )
        self.assertTrue(expected, "the 10-seat customer is in the company's top decile")
        self.assertEqual(segment.tag_id.partner_ids, expected)

    def test_churned_in_the_last_90_days(self):
        with freeze_time("2026-03-01"):
            sub = self._new_subscription(date_start=date(2026, 3, 1))
            sub.action_start()
            sub.action_cancel(self.reason.id, at_period_end=False)
            self.assertEqual(sub.state, "cancelled")
        shipped = self.env.ref("subscription_engagement.segment_churned_recently")
        self.assertTrue(shipped._get_subscription_domain(), "the shipped domain evaluates")
        segment = shipped.copy({"tag_id": False, "name": "Churned (test)"})
        segment.domain = str(self.mine)[:-1] + ", " + shipped.domain[1:]
        with freeze_time("2026-05-30"):
            segment._refresh()
            self.assertIn(self.customer, segment.tag_id.partner_ids)
        with freeze_time("2026-06-01"):
            segment._refresh()
            self.assertNotIn(self.customer, segment.tag_id.partner_ids)

    def test_bad_domain_is_refused_and_nothing_written(self):
        count = self.Segment.search_count([])
        tags = self.env["res.partner.category"].search_count([])
        for domain in ("[('no_such_field', '=', 1)]", "[('state', '=',", "__import__('os')"):
            with (
                self.subTest(domain=domain),
                self.assertRaises(ValidationError),
                mute_logger("odoo.sql_db"),
            ):
                with self.env.cr.savepoint():
                    self.Segment.create({"name": "Bad", "domain": domain})
        self.assertEqual(self.Segment.search_count([]), count)
        self.assertEqual(self.env["res.partner.category"].search_count([]), tags)

    def test_company_restriction(self):
        other = self.env["res.company"].create({"name": "Other company (segments)"})
        with freeze_time("2026-03-01"):
            self._new_subscription(
                tier=self.tier_enterprise, date_start=date(2026, 3, 1)
            ).action_start()
        segment = self._segment([("state", "=", "trial")], company_id=other.id)
        segment._refresh()
        self.assertEqual(segment.member_count, 0)
        segment.company_id = self.company
        segment._refresh()
        self.assertEqual(segment.member_count, 1)

    def test_rights(self):
        segment = self._segment([("state", "=", "trial")])
        as_user = segment.with_user(self.sub_user)
        self.assertEqual(as_user.name, "Test segment")
        with self.assertRaises(AccessError):
            as_user.action_refresh()
        with self.assertRaises(AccessError):
            as_user.write({"domain": "[]"})
        with self.assertRaises(AccessError):
            segment.with_user(self.portal_user).read(["name"])
        with self.assertRaises(AccessError):
            segment.with_user(self.internal_user).read(["name"])
        self.assertTrue(segment.with_user(self.sub_manager).action_refresh())

    def test_refresh_queries_do_not_grow_with_members(self):
        with freeze_time("2026-03-01"):
            segment = self._segment([("state", "=", "active")])
            self._new_subscription(
                partner=self.customers[0], date_start=date(2026, 3, 1)
            ).action_start()
            self.env.flush_all()
            with self.assertQueryCount(2):
                segment._refresh()
                self.env.flush_all()
            for customer in self.customers[1:]:
                self._new_subscription(partner=customer, date_start=date(2026, 3, 1)).action_start()
            self.env.flush_all()
            with self.assertQueryCount(2):
                segment._refresh()
                self.env.flush_all()
            self.assertEqual(segment.member_count, 10)
