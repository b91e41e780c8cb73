# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import BillingCommon

DESKTOP = "1366x768"
PHONE = "390x844"


@tagged("post_install", "-at_install")
class TestBillingPortalTour(BillingCommon, HttpCase):
    """The billing flows of the subscription page in headless Chromium, at
    desktop and phone width (static/tests/tours/subscription_billing_portal_tour.js):
    update the card with the demo provider, pay the open invoice, download
    an invoice PDF."""

    def setUp(self):
        super().setUp()
        self.provider.payment_method_ids |= self.env.ref("payment_demo.payment_method_demo")
        # start_tour logs in with the login as password.
        self.portal_user.password = self.portal_user.login

    def _past_due_subscription(self):
        sub = self._billed_subscription(on=fields.Date.today(), token=self.token_fail)
        self._process_attempts(fields.Datetime.now())
        self.assertEqual(sub.state, "past_due")
        return sub

    def _run(self, tour, sub, size):
        self.browser_size = size
        self.touch_enabled = size == PHONE
        self.start_tour(
            f"/my/subscriptions/{sub.id}", tour, login=self.portal_user.login, timeout=180
        )

    def _check_update_card(self, size):
        sub = self._past_due_subscription()
        self._run("subscription_billing_portal_update_card", sub, size)
        sub.invalidate_recordset()
        self.assertNotIn(sub.payment_token_id, self.token_fail | self.token_ok | self.token_pending)
        self.assertEqual(sub.payment_token_id.partner_id.commercial_partner_id, self.customer)
        # The open invoice is charged again by the engine, on the new card.
        self._process_attempts(fields.Datetime.now())
        self.assertIn(sub.invoice_ids.payment_state, ("paid", "in_payment"))
        self.assertEqual(sub.state, "active")

    def _check_pay_invoice(self, size):
        sub = self._past_due_subscription()
        # A new card only: no saved one to choose from in the payment form.
        (self.token_fail | self.token_ok | self.token_pending).active = False
        self._run("subscription_billing_portal_pay_invoice", sub, size)
        sub.invalidate_recordset()
        self.assertIn(sub.invoice_ids.payment_state, ("paid", "in_payment"))
        self.assertEqual(sub.state, "active")
        self.assertFalse(sub.amount_due)

    def test_update_card_desktop(self):
        self._check_update_card(DESKTOP)

    def test_update_card_phone(self):
        self._check_update_card(PHONE)

    def test_pay_open_invoice_desktop(self):
        self._check_pay_invoice(DESKTOP)

    def test_pay_open_invoice_phone(self):
        self._check_pay_invoice(PHONE)

    def test_download_invoice_pdf(self):
        """The PDF link answers a download; the billing sections (payment
        method, address, invoices, payments) fit a phone's width."""
        sub = self._past_due_subscription()
        for size in (DESKTOP, PHONE):
            with self.subTest(size=size):
                self._run("subscription_billing_portal_invoice_pdf", sub, size)
