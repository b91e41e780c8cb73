# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re

from odoo import fields
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import hmac

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestBillingPortalCard(BillingCommon, HttpCase):
    """Update the card from the subscription page with Odoo's payment form
    (validation with tokenization on the demo provider): the subscription
    uses the new token and its open invoice is charged again by the
    payment-attempt engine."""

    def setUp(self):
        super().setUp()
        today = fields.Date.today()
        # A's card is declined: past due, one open invoice.
        self.sub = self._billed_subscription(on=today, token=self.token_fail)
        self._process_attempts(fields.Datetime.now())
        self.invoice = self.sub.invoice_ids
        self.demo_method = self.env.ref("payment_demo.payment_method_demo")
        self.provider.payment_method_ids |= self.demo_method

    def _login(self, user):
        self.authenticate(user.login, user.login + "_password")

    def _url(self, suffix=""):
        return f"/my/subscriptions/{self.sub.id}/payment_method{suffix}"

    def _form_token(self, user):
        # payment.utils.generate_access_token, with the test's environment.
        token_str = f"{user.partner_id.id}|{self.sub.id}"
        return hmac(self.env(su=True), "generate_access_token", token_str)

    def _snapshot(self):
        self.sub.invalidate_recordset()
        return (
            self.sub.payment_token_id,
            self.sub.billing_mode,
            len(self.sub.payment_attempt_ids),
            self.env["payment.transaction"].search_count([]),
        )

    def _new_card(self, user, simulated_state="done", access_token=None):
        """What the payment form does for a new card on the demo provider:
        create the validation transaction, simulate the provider's answer,
        then poll /payment/status (which post-processes it)."""
        processing = self.make_jsonrpc_request(
            self._url("/transaction"),
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.demo_method.id,
                "token_id": None,
                "amount": None,
                "flow": "direct",
                "tokenization_requested": True,
                "landing_route": "/my/elsewhere",
                "is_validation": True,
                "access_token": access_token or self._form_token(user),
            },
        )
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {
                "reference": processing["reference"],
                "payment_details": "1111",
                "simulated_state": simulated_state,
            },
        )
        return self.make_jsonrpc_request("/payment/status/poll")

    # ------------------------------------------------------------
    # The page
    # ------------------------------------------------------------

    def test_detail_page_links_to_the_update_page(self):
        self._login(self.portal_user)
        response = self.url_open(f"/my/subscriptions/{self.sub.id}")
        self.assertIn(f'href="{self._url("/update")}"', response.text)

    def test_update_page_shows_odoo_payment_form(self):
        self._login(self.portal_user)
        response = self.url_open(self._url("/update"))
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn('id="o_payment_form"', page)
        self.assertIn('data-mode="validation"', page)
        self.assertIn(f'data-transaction-route="{self._url("/transaction")}"', page)
        self.assertIn(f'data-assign-token-route="{self._url("/assign")}"', page)
        self.assertIn(f'data-access-token="{self._form_token(self.portal_user)}"', page)

        # The customer's saved cards, and the demo provider's method to add one.
        options = {
            (
                re.search(r'data-payment-option-type="(\w+)"', tag).group(1),
                int(re.search(r'data-payment-option-id="(\d+)"', tag).group(1)),
            )
            for tag in re.findall(r'<input[^>]*name="o_payment_radio"[^>]*>', page)
        }
        self.assertIn(("token", self.token_ok.id), options)
        self.assertNotIn(("token", self.token_other.id), options)
        self.assertIn(("payment_method", self.demo_method.id), options)

    def test_other_customer_gets_access_error(self):
        self._login(self.portal_user_b)
        response = self.url_open(self._url("/update"), allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        response = self.url_open("/my/subscriptions/999999999/payment_method/update")
        self.assertEqual(response.status_code, 404)
        before = self._snapshot()
        with self.assertRaises(JsonRpcException):
            self._new_card(self.portal_user_b)
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                self._url("/assign"),
                {
                    "token_id": self.token_other.id,
                    "access_token": self._form_token(self.portal_user_b),
                },
            )
        self.assertEqual(self._snapshot(), before)

    def test_logged_out_is_sent_to_login(self):
        response = self.url_open(self._url("/update"), allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    # ------------------------------------------------------------
    # A new card
    # ------------------------------------------------------------

    def test_new_card_is_used_and_open_invoice_retried(self):
        self._login(self.portal_user)
        status = self._new_card(self.portal_user)
        self.assertEqual(status["state"], "done")
        self.assertEqual(status["landing_route"], self._url(f"/update?tx_id={self._last_tx().id}"))
        self.sub.invalidate_recordset()
        new_token = self.sub.payment_token_id
        self.assertNotIn(new_token, (self.token_fail, self.token_ok))
        self.assertEqual(new_token.partner_id, self.portal_user.partner_id)
        self.assertEqual(new_token.partner_id.commercial_partner_id, self.customer)
        self.assertEqual(new_token.provider_id, self.provider)
        self.assertEqual(self.sub.billing_mode, "auto_charge")
        scheduled = self.sub.payment_attempt_ids.filtered(lambda a: a.state == "scheduled")
        self.assertEqual(scheduled.invoice_id, self.invoice)
        # The landing page sends the customer back to the subscription.
        response = self.url_open(status["landing_route"], allow_redirects=False)
        self.assertIn("message=payment_method_updated", response.headers["Location"])
        # The engine charges the new card (the demo token succeeds).
        self._process_attempts(fields.Datetime.now())
        self.invoice.invalidate_recordset()
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.sub.invalidate_recordset()
        self.assertEqual(self.sub.state, "active")
        self.assertEqual(scheduled.token_id, new_token)

    def test_refused_card_changes_nothing(self):
        self._login(self.portal_user)
        before = self._snapshot()
        status = self._new_card(self.portal_user, simulated_state="error")
        self.assertEqual(status["state"], "error")
        self.sub.invalidate_recordset()
        self.assertEqual(self.sub.payment_token_id, before[0])
        self.assertEqual(len(self.sub.payment_attempt_ids), before[2])
        response = self.url_open(status["landing_route"])
        self.assertIn("could not be saved", response.text)

    def test_forged_form_token_is_refused(self):
        self._login(self.portal_user)
        before = self._snapshot()
        with self.assertLogs("odoo.http", "WARNING"), self.assertRaises(JsonRpcException):
            self._new_card(self.portal_user, access_token="forged")
        self.assertEqual(self._snapshot(), before)

    def _last_tx(self):
        return self.env["payment.transaction"].search(
            [("subscription_token_update_id", "=", self.sub.id)], order="id desc", limit=1
        )

    # ------------------------------------------------------------
    # A saved card
    # ------------------------------------------------------------

    def test_saved_card_is_assigned_and_invoice_retried(self):
        self._login(self.portal_user)
        self.make_jsonrpc_request(
            self._url("/assign"),
            {"token_id": self.token_ok.id, "access_token": self._form_token(self.portal_user)},
        )
        self.sub.invalidate_recordset()
        self.assertEqual(self.sub.payment_token_id, self.token_ok)
        # Choosing it again schedules no second charge of the invoice.
        self.make_jsonrpc_request(
            self._url("/assign"),
            {"token_id": self.token_ok.id, "access_token": self._form_token(self.portal_user)},
        )
        self.sub.invalidate_recordset()
        scheduled = self.sub.payment_attempt_ids.filtered(lambda a: a.state == "scheduled")
        self.assertEqual(len(scheduled), 1)
        self._process_attempts(fields.Datetime.now())
        self.invoice.invalidate_recordset()
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))

    def test_another_customers_card_is_refused(self):
        self._login(self.portal_user)
        before = self._snapshot()
        for token_id in (self.token_other.id, 0, "abc"):
            with self.subTest(token_id=token_id), self.assertLogs("odoo.http", "WARNING"):
                with self.assertRaises(JsonRpcException):
                    self.make_jsonrpc_request(
                        self._url("/assign"),
                        {"token_id": token_id, "access_token": self._form_token(self.portal_user)},
                    )
        self.assertEqual(self._snapshot(), before)
