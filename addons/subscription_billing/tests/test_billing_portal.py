# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestBillingPortal(BillingCommon, HttpCase):
    """Billing part of the subscription detail page: banner, invoices,
    payment history, and choosing a saved payment method (own ones only)."""

    def setUp(self):
        super().setUp()
        today = fields.Date.today()
        # A's card is declined: the subscription is past due with one open invoice.
        self.sub_a = self._billed_subscription(on=today, token=self.token_fail)
        self._process_attempts(fields.Datetime.now())
        self.invoice_a = self.sub_a.invoice_ids
        # B pays by invoice.
        self.sub_b = self._billed_subscription(on=today, partner=self.other_customer)

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _login(self, user):
        self.authenticate(user.login, user.login + "_password")

    def _post(self, url, data=None):
        payload = {"csrf_token": http.Request.csrf_token(self), **(data or {})}
        return self.url_open(url, data=payload, allow_redirects=False)

    def _url(self, sub, suffix=""):
        return f"/my/subscriptions/{sub.id}{suffix}"

    def _billing_snapshot(self, sub):
        sub.invalidate_recordset()
        return (
            sub.payment_token_id,
            sub.billing_mode,
            sub.dunning_state,
            len(sub.payment_attempt_ids),
        )

    def assertRedirectsTo(self, response, path):
        self.assertIn(response.status_code, (302, 303))
        self.assertTrue(
            response.headers["Location"].split("?")[0].endswith(path),
            response.headers["Location"],
        )

    def assertRefused(self, response, invoice, login=False):
        """Refused without showing anything: Odoo's 403 page, or its login
        page for a visitor without a token."""
        if login:
            self.assertIn(response.status_code, (302, 303))
            self.assertIn("/web/login", response.headers["Location"])
        else:
            self.assertEqual(response.status_code, 403)
        self.assertNotIn(invoice.name, response.text)

    # ------------------------------------------------------------
    # Detail page
    # ------------------------------------------------------------

    def test_setup_is_past_due(self):
        self.assertEqual(self.sub_a.state, "past_due")
        self.assertEqual(len(self.invoice_a), 1)
        self.assertEqual(self.invoice_a.state, "posted")
        self.assertIn(self.invoice_a.payment_state, ("not_paid", "partial"))
        self.assertIn("failed", self.sub_a.payment_attempt_ids.mapped("state"))

    def test_past_due_page_shows_banner_invoices_and_payments(self):
        self._login(self.portal_user)
        response = self.url_open(self._url(self.sub_a))
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn("o_subscription_past_due_banner", page)
        self.assertIn("o_subscription_pay_now", page)
        # The invoice, linked to Odoo's invoice portal page (its pay button).
        self.assertIn(self.invoice_a.name, page)
        self.assertIn(f"/my/invoices/{self.invoice_a.id}?access_token=", page)
        self.assertIn("o_subscription_invoice_row", page)
        # The failed attempt, with a customer-safe message only.
        failed = self.sub_a.payment_attempt_ids.filtered(lambda a: a.state == "failed")[:1]
        self.assertIn("o_subscription_attempt_row", page)
        self.assertIn('data-state="declined"', page)
        if failed.error_message:
            self.assertNotIn(failed.error_message, page)
        self.assertNotIn(failed.decline_code, page)
        # The saved card and the form to pick another one.
        self.assertIn("o_subscription_current_token", page)
        self.assertIn("o_subscription_payment_method_form", page)
        self.assertIn(f'href="/my/subscriptions/{self.sub_a.id}/payment_method/update"', page)
        # Each invoice can be downloaded as a PDF.
        self.assertIn(
            f"/my/invoices/{self.invoice_a.id}?access_token={self.invoice_a.access_token}"
            "&amp;report_type=pdf&amp;download=true",
            page,
        )

    def test_page_without_debt_has_no_banner(self):
        self._login(self.portal_user_b)
        response = self.url_open(self._url(self.sub_b))
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("o_subscription_past_due_banner", response.text)
        self.assertNotIn("o_subscription_attempt_row", response.text)
        # B's own invoice is listed; A's is not.
        self.assertIn(self.sub_b.invoice_ids[:1].name, response.text)
        self.assertNotIn(self.invoice_a.name, response.text)

    def test_access_token_shows_billing_without_login(self):
        url = self.sub_a.get_portal_url()
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice_a.name, response.text)
        # Logged out, saving a new payment method is not offered.
        self.assertNotIn("/payment_method/update", response.text)
        response = self.url_open(self._url(self.sub_a), allow_redirects=False)
        self.assertRefused(response, self.invoice_a, login=True)

    # ------------------------------------------------------------
    # Isolation between customers
    # ------------------------------------------------------------

    def test_other_customer_sees_nothing_of_a(self):
        self._login(self.portal_user_b)
        response = self.url_open(self._url(self.sub_a), allow_redirects=False)
        self.assertRefused(response, self.invoice_a)
        # Nor through the ORM.
        Move = self.env["account.move"].with_user(self.portal_user_b)
        self.assertFalse(Move.search([("id", "=", self.invoice_a.id)]))
        # Payment attempts are staff data: not even A's contact reads them
        # directly, the detail page shows them (see test_access_rpc).
        for user in (self.portal_user_b, self.portal_user):
            Attempt = self.env["subscription.payment.attempt"].with_user(user)
            with self.assertRaises(AccessError):
                Attempt.search([("subscription_id", "=", self.sub_a.id)])

    def test_other_customer_cannot_set_payment_method(self):
        before = self._billing_snapshot(self.sub_a)
        self._login(self.portal_user_b)
        response = self._post(
            self._url(self.sub_a, "/payment_method"), {"token_id": self.token_other.id}
        )
        self.assertRefused(response, self.invoice_a)
        self.assertEqual(self._billing_snapshot(self.sub_a), before)

    # ------------------------------------------------------------
    # Choosing a saved payment method
    # ------------------------------------------------------------

    def test_token_of_another_customer_is_refused(self):
        before = self._billing_snapshot(self.sub_a)
        self._login(self.portal_user)
        response = self._post(
            self._url(self.sub_a, "/payment_method"), {"token_id": self.token_other.id}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_subscription_error", response.text)
        self.assertEqual(self._billing_snapshot(self.sub_a), before)

    def test_unusable_tokens_are_refused(self):
        archived = self._create_token(self.customer, "done")
        archived.active = False
        other_provider = self.provider.copy({"state": "disabled"})
        disabled = self.env["payment.token"].create(
            {
                "provider_id": other_provider.id,
                "payment_method_id": self.payment_method.id,
                "partner_id": self.customer.id,
                "provider_ref": "demo-disabled",
                "payment_details": "0000",
            }
        )
        before = self._billing_snapshot(self.sub_a)
        self._login(self.portal_user)
        for token_id in (archived.id, disabled.id, 0, "abc", 999999999):
            with self.subTest(token_id=token_id):
                response = self._post(
                    self._url(self.sub_a, "/payment_method"), {"token_id": token_id}
                )
                self.assertEqual(response.status_code, 200)
                self.assertIn("o_subscription_error", response.text)
                self.assertEqual(self._billing_snapshot(self.sub_a), before)

    def test_own_token_is_saved(self):
        self._login(self.portal_user_b)
        self.assertEqual(self.sub_b.billing_mode, "send_invoice")
        token_b2 = self._create_token(self.other_customer, "done")
        response = self._post(self._url(self.sub_b, "/payment_method"), {"token_id": token_b2.id})
        self.assertRedirectsTo(response, self._url(self.sub_b))
        self.assertIn("message=payment_method_updated", response.headers["Location"])
        self.sub_b.invalidate_recordset()
        self.assertEqual(self.sub_b.payment_token_id, token_b2)
        self.assertEqual(self.sub_b.billing_mode, "auto_charge")
        response = self.url_open(response.headers["Location"])
        self.assertIn("o_subscription_success", response.text)

    def test_new_card_lifts_a_hard_decline(self):
        """A contact's own token (same company) replaces a declined card and the
        amount due is retried."""
        self.sub_a.sudo().dunning_state = "hard_declined"  # arrange: as the system
        token_contact = self._create_token(self.customer_contact, "done")
        attempts_before = len(self.sub_a.payment_attempt_ids)
        self._login(self.portal_user)
        response = self._post(
            self._url(self.sub_a, "/payment_method"), {"token_id": token_contact.id}
        )
        self.assertRedirectsTo(response, self._url(self.sub_a))
        self.sub_a.invalidate_recordset()
        self.assertEqual(self.sub_a.payment_token_id, token_contact)
        self.assertEqual(self.sub_a.dunning_state, "in_dunning")
        scheduled = self.sub_a.payment_attempt_ids.filtered(lambda a: a.state == "scheduled")
        self.assertTrue(scheduled)
        self.assertGreater(len(self.sub_a.payment_attempt_ids), attempts_before)

    def test_ended_subscription_offers_no_payment_method_change(self):
        self.sub_b.action_cancel(self.reason.id, at_period_end=False)
        before = self._billing_snapshot(self.sub_b)
        self._login(self.portal_user_b)
        response = self.url_open(self._url(self.sub_b))
        self.assertNotIn("o_subscription_payment_method_form", response.text)
        response = self._post(
            self._url(self.sub_b, "/payment_method"), {"token_id": self.token_other.id}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_subscription_error", response.text)
        self.assertEqual(self._billing_snapshot(self.sub_b), before)
