# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from odoo import Command, http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.subscription_billing.tests.common import BillingCommon

from ..controllers.signup import SubscriptionSignup


class SignupCommon(BillingCommon, HttpCase):
    """The catalog of the suite's tests, published on /subscribe, and the
    public user of the test company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # /subscribe shows the tiers of the visitor's company.
        cls.env.ref("base.public_user").sudo().write(
            {"company_ids": [Command.link(cls.company.id)], "company_id": cls.company.id}
        )
        cls.published = cls.tier_basic | cls.tier_pro | cls.tier_enterprise
        cls.published.published = True
        cls.tier_no_price.published = True
        cls.Sub = cls.env["subscription.subscription"].sudo()
        cls.Partner = cls.env["res.partner"].sudo()

    def _form(self, tier=None, **values):
        return {
            "tier_id": (tier or self.tier_enterprise).id,
            "cycle_id": self.monthly.id,
            "quantity": "2",
            "name": "Grace Hopper",
            "email": "grace@example.com",
            "company_name": "Navy Labs",
            **values,
        }

    def _submit(self, data, addon_ids=()):
        if not getattr(self, "session", None):
            self.authenticate(None, None)
        payload = [("csrf_token", http.Request.csrf_token(self)), *data.items()]
        payload += [("addon_ids", str(addon_id)) for addon_id in addon_ids]
        return self.url_open("/subscribe/submit", data=payload, allow_redirects=False)

    def _counts(self):
        return (
            self.Sub.search_count([]),
            self.Partner.with_context(active_test=False).search_count([]),
            self.env["res.users"].sudo().with_context(active_test=False).search_count([]),
        )


@tagged("post_install", "-at_install")
class TestSignup(SignupCommon):
    def test_page_lists_published_tiers(self):
        self.tier_pro.published = False
        page = self.url_open("/subscribe")
        self.assertEqual(page.status_code, 200)
        text = page.text
        self.assertIn("Basic", text)
        self.assertIn("Enterprise", text)
        self.assertNotIn('data-tier-code="pro"', text)
        # A published tier without any price is not offered.
        self.assertNotIn('data-tier-code="unpriced"', text)
        # Rank order, features, trial days, a price per cycle.
        self.assertLess(
            text.index('data-tier-code="basic"'), text.index('data-tier-code="enterprise"')
        )
        self.assertIn("Enterprise features", text)
        self.assertIn("14", text)
        self.assertIn("days free trial", text)
        self.assertIn("Test Quarterly", text)
        # /subscribe/<code> preselects the tier.
        page = self.url_open("/subscribe/enterprise")
        self.assertRegex(page.text, rf'value="{self.tier_enterprise.id}"\s+checked')

    def test_trial_signup(self):
        mails_before = self.env["mail.mail"].sudo().search([]).ids
        response = self._submit(self._form(), addon_ids=[self.addon_support.id])
        self.assertEqual(response.status_code, 303, response.text[:500])
        sub = self.Sub.search([("source", "=", "signup")])
        self.assertEqual(len(sub), 1)
        self.assertIn(f"/my/subscriptions/{sub.id}?access_token=", response.headers["Location"])
        self.assertEqual(sub.state, "trial")
        self.assertEqual(sub.tier_id, self.tier_enterprise)
        self.assertEqual(sub.quantity, 2)
        self.assertEqual(sub.addon_line_ids.addon_id, self.addon_support)
        self.assertEqual(sub.signup_ip, "127.0.0.1")
        company = sub.partner_id
        self.assertTrue(company.is_company)
        self.assertEqual(company.name, "Navy Labs")
        contact = company.child_ids
        self.assertEqual(contact.email, "grace@example.com")
        user = contact.user_ids
        self.assertTrue(user._is_portal())
        self.assertEqual(user.login, "grace@example.com")
        # The invitation: a sign-up link, no password.
        mails = self.env["mail.mail"].sudo().search([("id", "not in", mails_before)])
        invitation = mails.filtered(
            lambda m: m.email_to == "grace@example.com" and "signup" in (m.body_html or "")
        )
        self.assertTrue(invitation, mails.mapped("subject"))
        self.assertNotIn("password:", invitation[0].body_html.lower())
        # The welcome of the first slice went out too.
        self.assertTrue(self._has_log(sub, "welcome"))
        # The landing page opens for the visitor with the token.
        self.assertEqual(self.url_open(response.headers["Location"]).status_code, 200)

    def _has_log(self, sub, occasion):
        return (
            self.env["subscription.engagement.log"]
            .sudo()
            .search_count([("subscription_id", "=", sub.id), ("occasion", "=", occasion)])
        )

    def test_existing_user_goes_to_login(self):
        before = self._counts()
        # The portal user's login is not an email: use its email instead.
        self.portal_user.partner_id.email = "alice@example.com"
        response = self._submit(self._form(email="Alice@Example.com"))
        self.assertEqual(response.status_code, 303)
        location = response.headers["Location"]
        self.assertIn("/web/login", location)
        self.assertNotIn("alice", location.lower())
        self.assertEqual(self._counts()[1:], before[1:])
        self.assertFalse(self.Sub.search([("source", "=", "signup")]))

    def test_bad_input_creates_nothing(self):
        other_company_tier = self.tier_basic.copy(
            {
                "code": "basic_other",
                "company_id": self.env["res.company"].create({"name": "Other Co"}).id,
            }
        )
        other_company_tier.published = True
        unpublished = self.tier_pro.copy({"code": "hidden", "published": False})
        cases = {
            "unpublished tier": (
                self._form(tier=unpublished),
                [],
                "Please choose one of the plans",
            ),
            "other company's tier": (
                self._form(tier=other_company_tier),
                [],
                "Please choose one of the plans",
            ),
            "unknown tier": (self._form(tier_id="999999"), [], "Please choose one of the plans"),
            "not an id": (self._form(tier_id="1 OR 1=1"), [], "Please choose one of the plans"),
            "unpriced tier": (
                self._form(tier=self.tier_no_price),
                [],
                "Please choose one of the plans",
            ),
            "unpriced cycle": (
                self._form(
                    cycle_id=str(
                        self.env["subscription.cycle"]
                        .create({"name": "Odd", "interval_unit": "day", "interval_count": 5})
                        .id
                    )
                ),
                [],
                "billing cycle",
            ),
            "add-on not allowed": (
                self._form(),
                [self._create_addon("Foreign", 1.0).id],
                "add-ons offered",
            ),
            "negative seats": (self._form(quantity="-3"), [], "At least one seat"),
            "zero seats": (self._form(quantity="0"), [], "At least one seat"),
            "absurd seats": (self._form(quantity="100000000"), [], "please contact us"),
            "text seats": (self._form(quantity="lots"), [], "whole number"),
            "bad email": (self._form(email="not-an-email"), [], "valid email"),
            "no name": (self._form(name="  "), [], "enter your name"),
        }
        before = self._counts()
        for label, (data, addons, message) in cases.items():
            with self.subTest(label):
                response = self._submit(data, addon_ids=addons)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertIn("o_subscription_signup_error", response.text)
        self.assertEqual(self._counts(), before)

    def test_honeypot(self):
        before = self._counts()
        with mute_logger("odoo.addons.subscription_engagement.controllers.signup"):
            response = self._submit(self._form(website_url="http://spam.example"))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._counts(), before)

    def test_rate_limit_per_address(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "subscription_engagement.signup_rate_limit", "2"
        )
        for index in range(2):
            response = self._submit(self._form(email=f"user{index}@example.com"))
            self.assertEqual(response.status_code, 303)
        before = self._counts()
        response = self._submit(self._form(email="user3@example.com"))
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many sign-ups", response.text)
        self.assertEqual(self._counts(), before)

    def test_existing_contact_reused(self):
        contact = self.Partner.create({"name": "Known Lead", "email": "lead@example.com"})
        before = self._counts()
        response = self._submit(self._form(email="lead@example.com", company_name=""))
        self.assertEqual(response.status_code, 200)
        self.assertIn("Check your inbox", response.text)
        sub = self.Sub.search([("source", "=", "signup")])
        self.assertEqual(sub.partner_id, contact)
        self.assertEqual(self._counts()[1], before[1])
        self.assertTrue(contact.user_ids)

    def test_visitor_currency(self):
        """A visitor from a country whose currency the catalog prices sees
        and subscribes in it; other currencies fall back to the company's."""
        country = self.env["res.country"].search(
            [("currency_id", "=", self.other_currency.id)], limit=1
        )
        with patch.object(SubscriptionSignup, "_signup_visitor_country", lambda self: country):
            page = self.url_open("/subscribe")
            self.assertIn(f"Prices are in {self.other_currency.name}", page.text)
            # Only the monthly cycle has prices in that currency.
            self.assertNotIn("Test Quarterly", page.text)
            response = self._submit(self._form(cycle_id=self.quarterly.id))
            self.assertEqual(response.status_code, 400)
            response = self._submit(self._form())
            self.assertEqual(response.status_code, 303)
        sub = self.Sub.search([("source", "=", "signup")])
        self.assertEqual(sub.currency_id, self.other_currency)
        self.assertEqual(sub.price_unit, 200.0)  # enterprise: 2 x 100.00
        nowhere = self.env["res.country"].search(
            [("currency_id", "not in", (self.currency | self.other_currency).ids)], limit=1
        )
        with patch.object(SubscriptionSignup, "_signup_visitor_country", lambda self: nowhere):
            page = self.url_open("/subscribe")
        self.assertIn(f"Prices are in {self.currency.name}", page.text)

    def test_signed_in_customer(self):
        self.authenticate(self.portal_user.login, self.portal_user.login + "_password")
        before = self._counts()
        response = self._submit(
            {"tier_id": self.tier_enterprise.id, "cycle_id": self.yearly.id, "quantity": "1"}
        )
        self.assertEqual(response.status_code, 303)
        sub = self.Sub.search([("source", "=", "signup")])
        self.assertEqual(sub.partner_id, self.customer)
        self.assertEqual(sub.cycle_id, self.yearly)
        self.assertEqual(self._counts()[1:], before[1:])


@tagged("post_install", "-at_install")
class TestSignupCard(SignupCommon):
    """A tier without trial: the first invoice is paid on Odoo's payment
    form, the card saved, and the subscription starts on payment."""

    def setUp(self):
        super().setUp()
        self.provider.payment_method_ids |= self.env.ref("payment_demo.payment_method_demo")

    def test_card_signup_activates_on_payment(self):
        response = self._submit(self._form(tier=self.tier_basic, quantity="3"))
        self.assertEqual(response.status_code, 303, response.text[:500])
        sub = self.Sub.search([("source", "=", "signup")])
        self.assertEqual(sub.state, "draft")
        invoice = sub.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.subscription_period_start, sub.date_start)
        self.assertAlmostEqual(invoice.amount_total, 33.0)  # 3 x 10.00 + 10 % tax
        self.assertIn(f"/my/invoices/{invoice.id}", response.headers["Location"])
        # Odoo's payment flow of the invoice, as the visitor's browser runs it.
        processing = self.make_jsonrpc_request(
            f"/invoice/transaction/{invoice.id}",
            {
                "access_token": invoice._portal_ensure_token(),
                "provider_id": self.provider.id,
                "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
                "token_id": None,
                "amount": invoice.amount_total,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": invoice.get_portal_url(),
                "is_validation": False,
            },
        )
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .search([("reference", "=", processing["reference"])])
        )
        self.assertTrue(tx.tokenize, "the sign-up saves the card")
        self.assertEqual(tx.landing_route, sub.get_portal_url())
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {"reference": tx.reference, "payment_details": "4242", "simulated_state": "done"},
        )
        tx._post_process()
        sub.invalidate_recordset()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(sub.state, "active")
        self.assertEqual(sub.payment_token_id, tx.token_id)
        self.assertEqual(sub.billing_mode, "auto_charge")
        # The first period is billed once: by the invoice paid at sign-up.
        self.assertEqual(sub.invoice_ids, invoice)
        self.assertEqual(sub.current_period_start, invoice.subscription_period_start)

    def test_unpaid_signup_stays_draft(self):
        self._submit(self._form(tier=self.tier_basic))
        sub = self.Sub.search([("source", "=", "signup")])
        self.assertEqual(sub.state, "draft")
        self.assertFalse(sub.payment_token_id)
