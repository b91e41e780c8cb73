# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestPortal(SubscriptionCommon, HttpCase):
    """Customer portal: access by ownership or token, and the self-service
    routes (change plan, cancel, pause) that must write nothing on bad input
    or for another customer."""

    def setUp(self):
        super().setUp()
        today = fields.Date.today()
        # customer A (company) is seen by its contact portal_a;
        # other_customer by portal_b.
        self.sub_a = self._started_subscription(on=today, quantity=2)
        self.sub_b = self._started_subscription(on=today, partner=self.other_customer)

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _login(self, user):
        self.authenticate(user.login, user.login + "_password")

    def _post(self, url, data=None, allow_redirects=False):
        payload = {"csrf_token": http.Request.csrf_token(self), **(data or {})}
        return self.url_open(url, data=payload, allow_redirects=allow_redirects)

    def _url(self, sub, suffix=""):
        return f"/my/subscriptions/{sub.id}{suffix}"

    def _change(self, sub, step, tier, quantity, **extra):
        data = {"tier_id": tier.id, "cycle_id": sub.cycle_id.id, "quantity": quantity, **extra}
        return self._post(self._url(sub, f"/change/{step}"), data)

    def _snapshot(self, sub):
        sub.invalidate_recordset()
        return (
            sub.state,
            sub.tier_id,
            sub.cycle_id,
            sub.quantity,
            sub.recurring_amount,
            sub.cancel_at_period_end,
            sub.has_pending_change,
            {line.addon_id: line.quantity for line in sub.addon_line_ids},
            len(sub.event_ids),
        )

    def assertRedirectsTo(self, response, path):
        self.assertIn(response.status_code, (302, 303))
        self.assertTrue(
            response.headers["Location"].split("?")[0].endswith(path),
            response.headers["Location"],
        )

    def assertForbidden(self, response):
        """Odoo's own 403 page, not a redirect (see test_portal_refusals)."""
        self.assertEqual(response.status_code, 403)
        self.assertIn("403: Forbidden", response.text)

    # ------------------------------------------------------------
    # Home, list and detail
    # ------------------------------------------------------------

    def test_home_counter_counts_own_subscriptions(self):
        self._started_subscription(on=fields.Date.today(), partner=self.customer_contact)
        self._login(self.portal_user)
        result = self.make_jsonrpc_request("/my/counters", {"counters": ["subscription_count"]})
        self.assertEqual(result, {"subscription_count": 2})
        self.assertNotIn(
            "subscription_count", self.make_jsonrpc_request("/my/counters", {"counters": []})
        )
        response = self.url_open("/my")
        self.assertEqual(response.status_code, 200)
        self.assertIn('href="/my/subscriptions"', response.text)
        # A user without access to subscriptions counts none.
        self.authenticate(self.internal_user.login, self.internal_user.login)
        result = self.make_jsonrpc_request("/my/counters", {"counters": ["subscription_count"]})
        self.assertEqual(result, {"subscription_count": 0})

    def test_list_shows_only_own_subscriptions(self):
        self._login(self.portal_user)
        response = self.url_open("/my/subscriptions")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.sub_a.name, response.text)
        self.assertNotIn(self.sub_b.name, response.text)
        for query in ("sortby=name", "sortby=renewal", "sortby=state", "filterby=active"):
            response = self.url_open(f"/my/subscriptions?{query}")
            self.assertEqual(response.status_code, 200)
            self.assertIn(self.sub_a.name, response.text)
        response = self.url_open("/my/subscriptions?filterby=ended&sortby=bogus")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(self.sub_a.name, response.text)

    def test_list_query_count_does_not_grow_with_subscriptions(self):
        self._login(self.portal_user)

        def count_queries():
            self.env.flush_all()
            before = self.cr.sql_log_count
            response = self.url_open("/my/subscriptions")
            self.assertEqual(response.status_code, 200)
            return self.cr.sql_log_count - before

        count_queries()  # warm the caches (templates, rules, session)
        few = count_queries()
        today = fields.Date.today()
        for tier in (self.tier_pro, self.tier_enterprise, self.tier_basic):
            self._started_subscription(on=today, tier=tier, cycle=self.yearly)
            self._started_subscription(
                on=today, tier=tier, addons={self.addon_storage: 3}, partner=self.customer_contact
            )
        many = count_queries()
        self.assertEqual(few, many, "the list page must not run queries per subscription")

    def test_detail_of_another_customer_is_forbidden(self):
        self._login(self.portal_user)
        response = self.url_open(self._url(self.sub_b), allow_redirects=False)
        self.assertForbidden(response)
        self.assertNotIn(self.sub_b.name, response.text)
        response = self.url_open("/my/subscriptions/999999999", allow_redirects=False)
        self.assertEqual(response.status_code, 404)

    def test_detail_shows_plan_and_history(self):
        self._login(self.portal_user)
        response = self.url_open(self._url(self.sub_a))
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.sub_a.name, response.text)
        self.assertIn("Basic features", response.text)
        self.assertIn("o_subscription_change_plan", response.text)
        self.assertIn("Activated", response.text)
        # "Back" from the preview page keeps the choices.
        response = self.url_open(
            self._url(self.sub_a, f"/change?tier_id={self.tier_pro.id}&quantity=7")
        )
        self.assertIn('value="7"', response.text)

    def test_detail_by_token(self):
        token = self.sub_a._portal_ensure_token()
        self.authenticate(None, None)
        # Not signed in and no token: sign in first, then back to the page.
        response = self.url_open(self._url(self.sub_a), allow_redirects=False)
        self.assertRedirectsTo(response, "/web/login")
        self.assertIn(
            "redirect=%2Fmy%2Fsubscriptions%2F" + str(self.sub_a.id), response.headers["Location"]
        )
        response = self.url_open(
            self._url(self.sub_a, "?access_token=wrong-token"), allow_redirects=False
        )
        self.assertForbidden(response)
        response = self.url_open(self._url(self.sub_a, f"?access_token={token}"))
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.sub_a.name, response.text)
        # The token works for the self-service routes too.
        response = self._post(
            self._url(self.sub_a, "/cancel"),
            {"access_token": token, "reason_id": self.reason.id, "when": "period_end"},
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(self.sub_a.cancel_at_period_end)
        before = self._snapshot(self.sub_b)
        response = self._post(self._url(self.sub_b, "/pause"), {"access_token": token})
        self.assertForbidden(response)
        self.assertEqual(self._snapshot(self.sub_b), before)

    # ------------------------------------------------------------
    # Change plan
    # ------------------------------------------------------------

    def test_change_form_lists_tiers_with_catalog_prices(self):
        self._login(self.portal_user)
        response = self.url_open(self._url(self.sub_a, "/change"))
        self.assertEqual(response.status_code, 200)
        for tier in (self.tier_basic, self.tier_pro, self.tier_enterprise):
            self.assertIn(f'data-tier-code="{tier.code}"', response.text)
        self.assertNotIn(f'data-tier-code="{self.tier_no_price.code}"', response.text)
        self.assertIn("30.00", response.text)
        self.assertIn(f'name="addon_{self.addon_storage.id}"', response.text)

    def test_change_preview_writes_nothing_and_confirm_applies(self):
        self._login(self.portal_user)
        before = self._snapshot(self.sub_a)
        response = self._change(self.sub_a, "preview", self.tier_pro, 2)
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_subscription_net", response.text)
        self.assertIn("40.00", response.text)  # 2 x 30 charged - 2 x 10 credited
        self.assertEqual(self._snapshot(self.sub_a), before)

        response = self._change(self.sub_a, "confirm", self.tier_pro, 2)
        self.assertRedirectsTo(response, self._url(self.sub_a))
        self.assertIn("message=plan_changed", response.headers["Location"])
        self.sub_a.invalidate_recordset()
        self.assertEqual(self.sub_a.tier_id, self.tier_pro)
        self.assertEqual(self.sub_a.recurring_amount, 60.0)
        event = self.sub_a.event_ids.sorted("id")[-1]
        self.assertEqual(event.event_type, "upgraded")
        self.assertEqual(event.tier_from_id, self.tier_basic)
        self.assertEqual(event.user_id, self.portal_user)

        response = self.url_open(response.headers["Location"])
        self.assertIn("o_subscription_success", response.text)

    def test_change_with_addons(self):
        self._login(self.portal_user)
        response = self._change(
            self.sub_a,
            "confirm",
            self.tier_basic,
            2,
            **{f"addon_{self.addon_storage.id}": "3", f"addon_{self.addon_support.id}": "1"},
        )
        self.assertEqual(response.status_code, 303)
        self.sub_a.invalidate_recordset()
        self.assertEqual(
            {line.addon_id: line.quantity for line in self.sub_a.addon_line_ids},
            {self.addon_storage: 3, self.addon_support: 1},
        )
        self.assertEqual(self.sub_a.recurring_amount, 2 * 10.0 + 3 * 5.0 + 20.0)
        # An empty quantity is none.
        response = self._change(
            self.sub_a,
            "preview",
            self.tier_pro,
            2,
            **{f"addon_{self.addon_storage.id}": "", f"addon_{self.addon_support.id}": "1"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("o_subscription_error", response.text)
        # Leaving the add-on fields out removes them: a downgrade, scheduled
        # for the end of the period.
        response = self._change(self.sub_a, "confirm", self.tier_basic, 2)
        self.assertEqual(response.status_code, 303)
        self.assertIn("message=change_scheduled", response.headers["Location"])
        self.sub_a.invalidate_recordset()
        self.assertTrue(self.sub_a.has_pending_change)
        page = self.url_open(response.headers["Location"]).text
        self.assertIn("o_subscription_pending_banner", page)

    def test_downgrade_is_scheduled_for_period_end(self):
        sub = self._started_subscription(
            on=fields.Date.today(), tier=self.tier_pro, partner=self.customer_contact
        )
        self._login(self.portal_user)
        response = self._change(sub, "preview", self.tier_basic, 1)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Nothing is charged now", response.text)
        response = self._change(sub, "confirm", self.tier_basic, 1)
        self.assertIn("message=change_scheduled", response.headers["Location"])
        sub.invalidate_recordset()
        self.assertEqual(sub.tier_id, self.tier_pro)
        self.assertEqual(sub.pending_tier_id, self.tier_basic)

    def test_change_ignores_prices_from_the_browser(self):
        self._login(self.portal_user)
        tampered = {
            "price_unit": "0.01",
            "price": "0.01",
            "amount": "0.01",
            "recurring_amount": "0.01",
            "net": "0",
            f"addon_{self.addon_support.id}": "1",
        }
        response = self._change(self.sub_a, "preview", self.tier_pro, 2, **tampered)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("0.01", response.text)
        response = self._change(self.sub_a, "confirm", self.tier_pro, 2, **tampered)
        self.assertEqual(response.status_code, 303)
        self.sub_a.invalidate_recordset()
        self.assertEqual(self.sub_a.price_unit, 30.0)
        self.assertEqual(self.sub_a.recurring_amount, 30.0 * 2 + 20.0)

    @mute_logger("odoo.http")
    def test_change_with_invalid_input_writes_nothing(self):
        other_company = self.env["res.company"].create({"name": "Other Company"})
        foreign_tier = self.env["subscription.tier"].create(
            {
                "name": "Foreign",
                "code": "foreign",
                "company_id": other_company.id,
                "product_id": self.env["product.product"]
                .create({"name": "Foreign", "type": "service", "company_id": other_company.id})
                .id,
            }
        )
        enterprise_only = self._create_addon("Audit log", 7.0)
        self.tier_enterprise.addon_ids |= enterprise_only
        self._login(self.portal_user)
        before = self._snapshot(self.sub_a)
        cases = [
            (self.tier_pro.id, 0, {}),
            (self.tier_pro.id, -3, {}),
            (self.tier_pro.id, "abc", {}),
            (self.tier_pro.id, "1.5", {}),
            (self.tier_pro.id, "", {}),
            (999999999, 2, {}),
            ("pro", 2, {}),
            (foreign_tier.id, 2, {}),
            (self.tier_pro.id, 2, {f"addon_{enterprise_only.id}": "1"}),
            (self.tier_pro.id, 2, {f"addon_{self.addon_storage.id}": "-1"}),
            (self.tier_pro.id, 2, {"addon_999999999": "1"}),
            (self.tier_pro.id, 2, {"cycle_id": "999999999"}),
            (self.tier_basic.id, 2, {}),  # the current plan: nothing to change
        ]
        for tier_id, quantity, extra in cases:
            for step in ("preview", "confirm"):
                with self.subTest(tier=tier_id, quantity=quantity, extra=extra, step=step):
                    data = {
                        "tier_id": tier_id,
                        "cycle_id": self.sub_a.cycle_id.id,
                        "quantity": quantity,
                        **extra,
                    }
                    response = self._post(self._url(self.sub_a, f"/change/{step}"), data)
                    self.assertEqual(response.status_code, 200)
                    self.assertIn("o_subscription_error", response.text)
                    self.assertEqual(self._snapshot(self.sub_a), before)

    def test_change_refused_for_another_customer(self):
        self._login(self.portal_user_b)
        before = self._snapshot(self.sub_a)
        for step in ("preview", "confirm"):
            response = self._change(self.sub_a, step, self.tier_pro, 5)
            self.assertForbidden(response)
        response = self.url_open(self._url(self.sub_a, "/change"), allow_redirects=False)
        self.assertForbidden(response)
        self.assertEqual(self._snapshot(self.sub_a), before)

    # ------------------------------------------------------------
    # Cancel, reactivate, pause, resume
    # ------------------------------------------------------------

    def test_cancel_requires_a_reason(self):
        self._login(self.portal_user)
        response = self.url_open(self._url(self.sub_a, "/cancel"))
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.reason.name, response.text)
        self.assertNotIn(self.reason_involuntary.name, response.text)
        before = self._snapshot(self.sub_a)
        for reason in ("", "abc", self.reason_involuntary.id, 999999999):
            with self.subTest(reason=reason):
                response = self._post(
                    self._url(self.sub_a, "/cancel"), {"reason_id": reason, "when": "now"}
                )
                self.assertEqual(response.status_code, 200)
                self.assertIn("o_subscription_error", response.text)
                self.assertEqual(self._snapshot(self.sub_a), before)

    def test_cancel_at_period_end_then_undo(self):
        self._login(self.portal_user)
        response = self._post(
            self._url(self.sub_a, "/cancel"),
            {"reason_id": self.reason.id, "feedback": "Too pricey", "when": "period_end"},
        )
        self.assertRedirectsTo(response, self._url(self.sub_a))
        self.sub_a.invalidate_recordset()
        self.assertTrue(self.sub_a.cancel_at_period_end)
        self.assertEqual(self.sub_a.state, "active")
        self.assertEqual(self.sub_a.cancel_reason_id, self.reason)
        self.assertEqual(self.sub_a.cancel_feedback, "Too pricey")
        page = self.url_open(self._url(self.sub_a)).text
        self.assertIn("o_subscription_cancel_banner", page)
        self.assertIn("o_subscription_reactivate", page)

        response = self._post(self._url(self.sub_a, "/reactivate"))
        self.assertRedirectsTo(response, self._url(self.sub_a))
        self.sub_a.invalidate_recordset()
        self.assertFalse(self.sub_a.cancel_at_period_end)
        self.assertEqual(self.sub_a.event_ids.sorted("id")[-1].event_type, "reactivated")

    def test_cancel_now(self):
        self._login(self.portal_user)
        response = self._post(
            self._url(self.sub_a, "/cancel"), {"reason_id": self.reason.id, "when": "now"}
        )
        self.assertEqual(response.status_code, 303)
        self.sub_a.invalidate_recordset()
        self.assertEqual(self.sub_a.state, "cancelled")
        # Nothing left to do on an ended subscription.
        response = self.url_open(self._url(self.sub_a, "/cancel"), allow_redirects=False)
        self.assertRedirectsTo(response, self._url(self.sub_a))

    def test_pause_and_resume(self):
        self._login(self.portal_user)
        before = self._snapshot(self.sub_a)
        response = self._post(self._url(self.sub_a, "/pause"), {"until": "not-a-date"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_subscription_error", response.text)
        self.assertEqual(self._snapshot(self.sub_a), before)

        response = self._post(self._url(self.sub_a, "/resume"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_subscription_error", response.text)
        self.assertEqual(self._snapshot(self.sub_a), before)

        until = fields.Date.to_string(fields.Date.add(fields.Date.today(), days=30))
        response = self._post(self._url(self.sub_a, "/pause"), {"until": until})
        self.assertRedirectsTo(response, self._url(self.sub_a))
        self.sub_a.invalidate_recordset()
        self.assertEqual(self.sub_a.state, "paused")
        self.assertEqual(fields.Date.to_string(self.sub_a.pause_until), until)
        # A paused subscription can only be cancelled now.
        self.assertIn("ends today", self.url_open(self._url(self.sub_a, "/cancel")).text)

        response = self._post(self._url(self.sub_a, "/resume"))
        self.assertRedirectsTo(response, self._url(self.sub_a))
        self.sub_a.invalidate_recordset()
        self.assertEqual(self.sub_a.state, "active")

    def test_actions_refused_for_another_customer(self):
        self._login(self.portal_user_b)
        before = self._snapshot(self.sub_a)
        response = self.url_open(self._url(self.sub_a, "/cancel"), allow_redirects=False)
        self.assertForbidden(response)
        for suffix, data in (
            ("/cancel", {"reason_id": self.reason.id, "when": "now"}),
            ("/pause", {}),
            ("/resume", {}),
            ("/reactivate", {}),
            ("/undo_change", {}),
        ):
            with self.subTest(route=suffix):
                response = self._post(self._url(self.sub_a, suffix), data)
                self.assertForbidden(response)
                self.assertEqual(self._snapshot(self.sub_a), before)
