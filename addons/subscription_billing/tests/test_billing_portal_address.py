# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, http
from odoo.tests import HttpCase, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestBillingPortalAddress(BillingCommon, HttpCase):
    """The customer updates the billing address (the invoiced partner's)
    from the subscription page: validated like /my/account, owner only,
    CSRF-protected, nothing written on bad input."""

    def setUp(self):
        super().setUp()
        self.sub = self._billed_subscription(on=fields.Date.today())
        self.belgium = self.env.ref("base.be")
        self.us = self.env.ref("base.us")
        self.california = self.env.ref("base.state_us_5")
        self.url = f"/my/subscriptions/{self.sub.id}/billing_address"

    def _login(self, user):
        self.authenticate(user.login, user.login + "_password")

    def _post(self, data, csrf=True):
        payload = dict(data)
        if csrf:
            payload["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(self.url, data=payload, allow_redirects=False)

    def _address(self):
        partner = self.sub.partner_id
        partner.invalidate_recordset()
        return (
            partner.street,
            partner.street2,
            partner.city,
            partner.zip,
            partner.country_id,
            partner.state_id,
        )

    def _valid(self, **values):
        return {
            "street": "Rue de la Loi 16",
            "street2": "",
            "zipcode": "1000",
            "city": "Brussels",
            "country_id": self.belgium.id,
            "state_id": "",
            **values,
        }

    def test_detail_page_shows_address_and_edit_link(self):
        self.sub.partner_id.write({"street": "Old Street 1", "city": "Oldtown"})
        self._login(self.portal_user)
        page = self.url_open(f"/my/subscriptions/{self.sub.id}").text
        self.assertIn("o_subscription_billing_address", page)
        self.assertIn("Old Street 1", page)
        self.assertIn(f'href="{self.url}"', page)
        form = self.url_open(self.url)
        self.assertEqual(form.status_code, 200)
        self.assertIn('value="Old Street 1"', form.text)

    def test_valid_address_is_saved(self):
        self._login(self.portal_user)
        response = self._post(self._valid())
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("message=billing_address_updated", response.headers["Location"])
        self.assertEqual(
            self._address(),
            (
                "Rue de la Loi 16",
                False,
                "Brussels",
                "1000",
                self.belgium,
                self.env["res.country.state"],
            ),
        )
        self.assertIn("Billing address changed", self.sub.message_ids[0].body)
        page = self.url_open(response.headers["Location"]).text
        self.assertIn("o_subscription_success", page)

    def test_state_of_the_country_is_saved(self):
        self._login(self.portal_user)
        self._post(self._valid(country_id=self.us.id, state_id=self.california.id, zipcode="94016"))
        self.assertEqual(self._address()[4:], (self.us, self.california))

    def test_bad_input_is_refused_with_a_message_and_nothing_written(self):
        self.sub.partner_id.write({"street": "Old Street 1", "city": "Oldtown"})
        before = self._address()
        self._login(self.portal_user)
        cases = {
            "missing street": (self._valid(street="  "), "Some required fields are empty."),
            "missing country": (self._valid(country_id=""), "Some required fields are empty."),
            "unknown country": (self._valid(country_id=999999), "Please choose a country"),
            "state of another country": (
                self._valid(state_id=self.california.id),
                "Please choose a state of the chosen country.",
            ),
            "too long": (self._valid(city="x" * 200), "limited to 128 characters"),
            "unknown field": ({**self._valid(), "name": "Evil Corp"}, "Unknown field: name"),
        }
        for label, (data, message) in cases.items():
            with self.subTest(label):
                response = self._post(data)
                self.assertEqual(response.status_code, 200)
                self.assertIn("o_subscription_error", response.text)
                self.assertIn(message, response.text)
                self.assertEqual(self._address(), before)

    def test_missing_csrf_token_is_refused(self):
        before = self._address()
        self._login(self.portal_user)
        with self.assertLogs("odoo.http", "WARNING"):
            response = self._post(self._valid(), csrf=False)
        # Odoo's CSRF check answers 400 Bad Request (with a readable page).
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._address(), before)

    def test_other_customer_gets_access_error(self):
        before = self._address()
        self._login(self.portal_user_b)
        self.assertEqual(self.url_open(self.url, allow_redirects=False).status_code, 403)
        response = self._post(self._valid())
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self._address(), before)
        # A subscription that does not exist: Odoo's 404 page.
        response = self.url_open("/my/subscriptions/999999999/billing_address")
        self.assertEqual(response.status_code, 404)

    def test_logged_out_is_sent_to_login(self):
        response = self.url_open(self.url, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
