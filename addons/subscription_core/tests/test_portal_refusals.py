# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from odoo import fields, http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestPortalRefusals(SubscriptionCommon, HttpCase):
    """What a customer sees when the portal says no (Odoo's 403/404 pages, an
    expired form), and undoing a scheduled change or cancellation."""

    def setUp(self):
        super().setUp()
        today = fields.Date.today()
        self.sub_a = self._started_subscription(on=today, tier=self.tier_pro, quantity=2)
        self.sub_b = self._started_subscription(on=today, partner=self.other_customer)

    def _login(self, user):
        self.authenticate(user.login, user.login + "_password")

    def _post(self, url, data=None, csrf=True):
        payload = dict(data or {})
        if csrf:
            payload["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(url, data=payload, allow_redirects=False)

    def _url(self, sub, suffix=""):
        return f"/my/subscriptions/{sub.id}{suffix}"

    def _state(self, sub):
        sub.invalidate_recordset()
        return (
            sub.state,
            sub.tier_id,
            sub.quantity,
            sub.cancel_at_period_end,
            sub.has_pending_change,
            sub.pending_tier_id,
            len(sub.event_ids),
        )

    def assertOdooErrorPage(self, response, status, text):
        self.assertEqual(response.status_code, status)
        self.assertNotIn("Location", response.headers)
        self.assertIn(text, response.text)
        # The page is the site's frontend layout, not a bare werkzeug answer.
        self.assertIn("<html", response.text)
        self.assertIn('id="wrap"', response.text)

    # ------------------------------------------------------------
    # Refused pages
    # ------------------------------------------------------------

    def test_another_customers_subscription_is_forbidden(self):
        self._login(self.portal_user_b)
        for suffix in ("", "/change", "/cancel"):
            with self.subTest(page=suffix):
                response = self.url_open(self._url(self.sub_a, suffix), allow_redirects=False)
                self.assertOdooErrorPage(response, 403, "403: Forbidden")
                self.assertNotIn(self.sub_a.name, response.text)

    def test_unknown_subscription_is_not_found(self):
        self._login(self.portal_user)
        for suffix in ("", "/change"):
            with self.subTest(page=suffix):
                response = self.url_open(f"/my/subscriptions/999999999{suffix}")
                self.assertOdooErrorPage(response, 404, "Error 404")
        before = self._state(self.sub_a)
        response = self._post("/my/subscriptions/999999999/pause")
        self.assertOdooErrorPage(response, 404, "Error 404")
        self.assertEqual(self._state(self.sub_a), before)

    def test_bad_token_is_forbidden(self):
        token = self.sub_a._portal_ensure_token()
        self.authenticate(None, None)
        response = self.url_open(self._url(self.sub_a, "?access_token=not-the-token"))
        self.assertOdooErrorPage(response, 403, "403: Forbidden")
        # A token opens only its own subscription.
        response = self.url_open(self._url(self.sub_b, f"?access_token={token}"))
        self.assertOdooErrorPage(response, 403, "403: Forbidden")
        self.assertNotIn(self.sub_b.name, response.text)
        self.assertEqual(
            self.url_open(self._url(self.sub_a, f"?access_token={token}")).status_code, 200
        )

    # ------------------------------------------------------------
    # Expired forms (CSRF)
    # ------------------------------------------------------------

    @mute_logger("odoo.http")
    def test_form_without_valid_csrf_token_explains_and_writes_nothing(self):
        self._login(self.portal_user)
        before = self._state(self.sub_a)
        data = {"tier_id": self.tier_basic.id, "cycle_id": self.monthly.id, "quantity": 2}
        for csrf_token in (None, "stale0123456789o1700000000"):
            with self.subTest(csrf_token=csrf_token):
                payload = dict(data, csrf_token=csrf_token) if csrf_token else data
                response = self._post(self._url(self.sub_a, "/change/confirm"), payload, csrf=False)
                self.assertEqual(response.status_code, 400)
                self.assertIn("This form has expired", response.text)
                self.assertIn("Nothing was changed", response.text)
                self.assertIn(f'href="{self._url(self.sub_a)}"', response.text)
                self.assertEqual(self._state(self.sub_a), before)

    @mute_logger("odoo.http")
    def test_expired_form_by_token_links_back_with_the_token(self):
        token = self.sub_a._portal_ensure_token()
        self.authenticate(None, None)
        response = self._post(self._url(self.sub_a, "/pause"), {"access_token": token}, csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertIn(f'href="{self._url(self.sub_a)}?access_token={token}"', response.text)
        self.assertEqual(self.sub_a.state, "active")

    @mute_logger("odoo.http")
    def test_expired_form_page_failing_falls_back_to_odoos_answer(self):
        View = type(self.env["ir.ui.view"])
        render = View._render_template

        def broken_render(view_self, template, values=None):
            if template == "subscription_core.portal_form_expired":
                raise ValueError("broken template")
            return render(view_self, template, values)

        self._login(self.portal_user)
        with (
            patch.object(View, "_render_template", broken_render),
            self.assertLogs("odoo.addons.subscription_core.models.ir_http", "ERROR"),
        ):
            response = self._post(self._url(self.sub_a, "/pause"), {"until": ""}, csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("This form has expired", response.text)
        self.assertEqual(self.sub_a.state, "active")

    @mute_logger("odoo.http")
    def test_csrf_refusal_elsewhere_is_left_to_odoo(self):
        self._login(self.portal_user)
        response = self.url_open("/my/account", data={"name": "X"}, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("This form has expired", response.text)

    # ------------------------------------------------------------
    # Undo a scheduled change or cancellation
    # ------------------------------------------------------------

    def test_undo_scheduled_downgrade(self):
        self.sub_a.change_plan(tier_id=self.tier_basic.id)
        self.assertEqual(self.sub_a.pending_tier_id, self.tier_basic)
        self._login(self.portal_user)
        page = self.url_open(self._url(self.sub_a)).text
        self.assertIn("o_subscription_pending_banner", page)
        self.assertIn("o_subscription_undo_change", page)

        response = self._post(self._url(self.sub_a, "/undo_change"))
        self.assertEqual(response.status_code, 303)
        self.assertIn("message=change_undone", response.headers["Location"])
        self.sub_a.invalidate_recordset()
        self.assertFalse(self.sub_a.has_pending_change)
        self.assertFalse(self.sub_a.pending_tier_id)
        self.assertEqual(self.sub_a.tier_id, self.tier_pro)
        note = self.sub_a.message_ids[:1]
        self.assertIn("withdrew the scheduled plan change", note.body)
        self.assertEqual(note.author_id, self.portal_user.partner_id)
        self.assertTrue(note.subtype_id.internal)
        page = self.url_open(response.headers["Location"]).text
        self.assertIn("o_subscription_success", page)
        self.assertIn("your current plan continues", page)
        self.assertNotIn("o_subscription_pending_banner", page)

        # Nothing left to undo: a message, nothing written.
        before = self._state(self.sub_a)
        response = self._post(self._url(self.sub_a, "/undo_change"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_subscription_error", response.text)
        self.assertEqual(self._state(self.sub_a), before)

    def test_undo_scheduled_downgrade_refused_to_another_customer(self):
        self.sub_a.change_plan(tier_id=self.tier_basic.id)
        before = self._state(self.sub_a)
        self._login(self.portal_user_b)
        response = self._post(self._url(self.sub_a, "/undo_change"))
        self.assertOdooErrorPage(response, 403, "403: Forbidden")
        self.assertEqual(self._state(self.sub_a), before)

    def test_undo_scheduled_cancellation_from_the_banner(self):
        self.sub_a.action_cancel(self.reason.id, at_period_end=True)
        self._login(self.portal_user)
        page = self.url_open(self._url(self.sub_a)).text
        self.assertIn("o_subscription_cancel_banner", page)
        self.assertIn("o_subscription_undo_cancel", page)
        response = self._post(self._url(self.sub_a, "/reactivate"))
        self.assertIn("message=reactivated", response.headers["Location"])
        self.sub_a.invalidate_recordset()
        self.assertFalse(self.sub_a.cancel_at_period_end)
        self.assertEqual(self.sub_a.state, "active")
        self.assertEqual(self.sub_a.event_ids.sorted("id")[-1].event_type, "reactivated")
        page = self.url_open(response.headers["Location"]).text
        self.assertIn("Welcome back", page)
        self.assertNotIn("o_subscription_undo_cancel", page)

    # ------------------------------------------------------------
    # Home tile
    # ------------------------------------------------------------

    def test_home_tile_uses_a_pictogram(self):
        self._login(self.portal_user)
        page = self.url_open("/my").text
        icon = "/subscription_core/static/src/img/subscriptions.svg"
        self.assertIn(icon, page)
        response = self.url_open(icon)
        self.assertEqual(response.status_code, 200)
        self.assertIn('viewBox="5 5 54 54"', response.text)
