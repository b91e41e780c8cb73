# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.tests import HttpCase, freeze_time, tagged

from .common import SubscriptionCommon

# Queries the suite's fields add to the partner form (subscriptions tab,
# ledger, statistics, and the other suite addons' fields and buttons):
# measured 5 with every suite addon installed, over Odoo's own 39 (with crm,
# survey and the other apps the suite depends on).
PARTNER_FORM_SUITE_QUERIES = 8


@tagged("post_install", "-at_install")
class TestQueryBudget(SubscriptionCommon, HttpCase):
    """The customer-facing pages cost a number of SQL queries that does not
    grow with the number of subscriptions shown."""

    def _give_subscriptions(self, partner, count):
        with freeze_time("2026-03-01"):
            subs = self.env["subscription.subscription"].create(
                [
                    {
                        "partner_id": partner.id,
                        "tier_id": (self.tier_basic, self.tier_pro)[i % 2].id,
                        "cycle_id": (self.monthly, self.yearly)[i % 2].id,
                        "quantity": 1 + i % 4,
                        "date_start": date(2026, 3, 1),
                        "addon_line_ids": [
                            (0, 0, {"addon_id": self.addon_storage.id, "quantity": 2})
                        ],
                    }
                    for i in range(count)
                ]
            )
            subs.action_start()
        return subs

    def _partner_form_queries(self, partner, odoo_only=False):
        views = self.env["res.partner"].get_views([(False, "form")])
        # Every field of the partner form (x2many ones as ids), as the web client reads it.
        spec = {name: {} for name in views["models"]["res.partner"]["fields"]}
        if odoo_only:
            # What Odoo and the other installed apps (crm, survey...) cost alone.
            fields = self.env["res.partner"]._fields
            spec = {
                name: {}
                for name in spec
                if not (fields[name]._module or "").startswith("subscription_")
            }
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            partner.web_read(spec)
            return self.cr.sql_log_count - before
        spec["subscription_ids"] = {
            "fields": {
                name: {}
                for name in (
                    "name",
                    "tier_id",
                    "cycle_id",
                    "state",
                    "recurring_amount",
                    "current_period_end",
                )
            }
        }
        spec["subscription_event_ids"] = {
            "fields": {name: {} for name in ("date", "event_type", "mrr_delta", "subscription_id")}
        }
        for name in (
            "lifecycle_stage",
            "mrr",
            "subscription_count",
            "first_subscription_date",
            "churn_date",
        ):
            spec[name] = {}
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        partner.web_read(spec)
        return self.cr.sql_log_count - before

    def test_partner_form_is_constant(self):
        few = self.env["res.partner"].create({"name": "Few Co"})
        many = self.env["res.partner"].create({"name": "Many Co"})
        self._give_subscriptions(few, 2)
        self._give_subscriptions(many, 30)
        self._partner_form_queries(few)  # warm the caches of both
        few_queries = self._partner_form_queries(few)
        many_queries = self._partner_form_queries(many)
        self.assertLessEqual(many_queries, few_queries + 2, "no query per subscription")
        # The suite's own share of the form, whatever other apps add to it.
        odoo_queries = self._partner_form_queries(many, odoo_only=True)
        self.assertLessEqual(
            many_queries - odoo_queries,
            PARTNER_FORM_SUITE_QUERIES,
            f"the suite's share of the partner form ({many_queries} queries, "
            f"{odoo_queries} without the suite's fields)",
        )

    def _portal_list_queries(self, user, password):
        self.authenticate(user.login, password)
        self.url_open("/my/subscriptions")  # warm-up (translations, assets, rules)
        self.env.flush_all()
        before = self.cr.sql_log_count
        response = self.url_open("/my/subscriptions")
        self.assertEqual(response.status_code, 200)
        return self.cr.sql_log_count - before

    def test_portal_list_is_constant(self):
        few_partner = self.env["res.partner"].create(
            {"name": "Few Portal", "email": "few@example.com"}
        )
        many_partner = self.env["res.partner"].create(
            {"name": "Many Portal", "email": "many@example.com"}
        )
        few_user = self._portal_user_for(few_partner, "few_portal")
        many_user = self._portal_user_for(many_partner, "many_portal")
        self._give_subscriptions(few_partner, 2)
        self._give_subscriptions(many_partner, 18)
        few = self._portal_list_queries(few_user, "few_portal_password")
        many = self._portal_list_queries(many_user, "many_portal_password")
        self.assertLessEqual(many, few + 2, "the portal list must not query per subscription")
