# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Charging through the Stripe SDK, without network.

The SDK's HTTP layer is replaced by ``FakeStripeHTTPClient``: every request the
real ``stripe`` code builds (URL, headers, form body) is recorded, and the
answers come from a queue of canned Stripe responses.
"""

import json
from datetime import date, datetime
from unittest.mock import patch
from urllib.parse import parse_qs

import stripe

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.subscription_billing.tests.common import BillingCommon

STRIPE_MODEL_LOGGER = "odoo.addons.subscription_billing.models.subscription_payment_attempt_stripe"


class FakeStripeHTTPClient(stripe.HTTPClient):
    """A ``stripe`` HTTP client that answers from a queue and records requests."""

    name = "subscription_billing_test"

    def __init__(self):
        super().__init__()
        self.responses = []
        self.requests = []

    def queue(self, body, status=200, headers=None):
        """Queue an answer: a JSON-able body, or an exception to raise."""
        self.responses.append((body, status, headers or {}))

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.requests.append(
            {
                "method": method.upper(),
                "url": url,
                "headers": dict(headers or {}),
                "data": {key: values[0] for key, values in parse_qs(post_data or "").items()},
            }
        )
        if not self.responses:
            raise AssertionError(f"Unexpected Stripe request {method} {url}")
        body, status, headers = self.responses.pop(0)
        if isinstance(body, Exception):
            raise body
        return json.dumps(body), status, {"Request-Id": "req_test", **headers}

    def close(self):
        pass


class StripeCommon(BillingCommon):
    """Billing fixtures with Stripe enabled on the company, a Stripe card of
    the customer and the fake HTTP client in place of the network."""

    secret_key = "sk_test_subscription_suite"
    webhook_secret = "whsec_subscription_suite_test"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "subscription_stripe_enabled": True,
                "subscription_stripe_secret_key": cls.secret_key,
                "subscription_stripe_webhook_secret": cls.webhook_secret,
            }
        )
        cls.token_stripe = cls._create_stripe_token(cls.customer, "pm_card_visa")

    @classmethod
    def _create_stripe_token(cls, partner, method_id, customer_id="cus_test_a"):
        return cls.env["payment.token"].create(
            {
                "provider_id": cls.provider.id,
                "payment_method_id": cls.payment_method.id,
                "partner_id": partner.id,
                "provider_ref": f"stripe-{method_id}",
                "payment_details": "4242",
                "subscription_stripe_customer_id": customer_id,
                "subscription_stripe_payment_method_id": method_id,
            }
        )

    def setUp(self):
        super().setUp()
        self.stripe_http = FakeStripeHTTPClient()
        self.startPatcher(patch.object(stripe, "default_http_client", self.stripe_http))

    # --- helpers ---------------------------------------------------------

    @staticmethod
    def _payment_intent(intent_id="pi_test_1", status="succeeded", **values):
        return {"id": intent_id, "object": "payment_intent", "status": status, **values}

    @staticmethod
    def _card_error(code, decline_code=None, intent_id="pi_test_declined", message=None):
        error = {
            "type": "card_error",
            "code": code,
            "message": message or "Your card was declined.",
            "payment_intent": {
                "id": intent_id,
                "object": "payment_intent",
                "status": "requires_payment_method",
            },
        }
        if decline_code:
            error["decline_code"] = decline_code
        return {"error": error}

    def _stripe_subscription(self, token=None, on=date(2026, 4, 1)):
        """An auto-charged subscription with its first invoice and a scheduled attempt."""
        sub = self._billed_subscription(on=on, token=token or self.token_stripe)
        attempt = sub.payment_attempt_ids
        self.assertEqual(len(attempt), 1)
        self.assertEqual(attempt.state, "scheduled")
        return sub, attempt

    def _charge(self, when=datetime(2026, 4, 1, 12, 0)):
        return self._process_attempts(when)


@tagged("post_install", "-at_install")
class TestStripeCharge(StripeCommon):
    def test_channel(self):
        _sub, attempt = self._stripe_subscription()
        attempt = attempt.sudo()  # the engine's view
        self.assertEqual(attempt._get_channel_for(self.token_stripe), "stripe")
        self.assertEqual(
            attempt._get_channel_for(self.token_ok),
            "transaction",
            "a token without Stripe references goes through payment.transaction",
        )
        self.company.subscription_stripe_enabled = False
        self.assertEqual(attempt._get_channel_for(self.token_stripe), "transaction")

    def test_charge_succeeded(self):
        sub, attempt = self._stripe_subscription()
        invoice = attempt.invoice_id
        self.stripe_http.queue(self._payment_intent("pi_ok", amount=1100, currency="usd"))
        self._charge()

        self.assertRecordValues(
            attempt,
            [
                {
                    "channel": "stripe",
                    "state": "succeeded",
                    "stripe_payment_intent_id": "pi_ok",
                }
            ],
        )
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(sub.dunning_state, "none")
        payment = self.env["account.payment"].search([("memo", "=", "pi_ok")])
        self.assertEqual(len(payment), 1)
        self.assertEqual(payment.journal_id.type, "bank")
        self.assertAlmostEqual(payment.amount, invoice.amount_total)

        [request] = self.stripe_http.requests
        self.assertEqual(request["method"], "POST")
        self.assertTrue(request["url"].endswith("/v1/payment_intents"))
        self.assertEqual(request["headers"]["Idempotency-Key"], attempt.idempotency_key)
        self.assertEqual(request["headers"]["Authorization"], f"Bearer {self.secret_key}")
        data = request["data"]
        decimals = invoice.currency_id.decimal_places
        self.assertEqual(data["amount"], str(round(invoice.amount_total * 10**decimals)))
        self.assertEqual(data["currency"], invoice.currency_id.name.lower())
        self.assertEqual(data["customer"], "cus_test_a")
        self.assertEqual(data["payment_method"], "pm_card_visa")
        self.assertEqual(data["off_session"], "true")
        self.assertEqual(data["confirm"], "true")
        self.assertEqual(data["metadata[odoo_attempt_id]"], str(attempt.id))
        self.assertEqual(data["metadata[subscription]"], sub.name)
        self.assertEqual(data["metadata[invoice]"], invoice.name)
        self.assertEqual(data["metadata[odoo_idempotency_key]"], attempt.idempotency_key)

        # Registering the payment again (e.g. a late webhook) adds nothing.
        self.assertEqual(attempt._stripe_register_payments(), payment)
        self.assertEqual(self.env["account.payment"].search_count([("memo", "=", "pi_ok")]), 1)

    def test_amount_in_minor_units(self):
        sub, attempt = self._stripe_subscription()
        currencies = self.env["res.currency"].with_context(active_test=False)
        for code, amount, expected in (
            ("USD", 12.34, 1234),
            ("JPY", 1234, 1234),
            ("KWD", 1.234, 1234),
        ):
            draft = attempt.new(
                {
                    "amount": amount,
                    "currency_id": currencies.search([("name", "=", code)]).id,
                    "token_id": self.token_stripe.id,
                    "subscription_id": sub.id,
                    "invoice_id": attempt.invoice_id.id,
                }
            )
            values = draft._prepare_stripe_payment_intent_values()
            self.assertEqual(values["amount"], expected, code)
            self.assertEqual(values["currency"], code.lower())

    def test_soft_decline(self):
        sub, attempt = self._stripe_subscription()
        self.stripe_http.queue(
            self._card_error("card_declined", "insufficient_funds", message="Insufficient funds."),
            status=402,
        )
        self._charge()
        self.assertRecordValues(
            attempt,
            [
                {
                    "state": "failed",
                    "decline_code": "insufficient_funds",
                    "decline_type": "soft",
                    "error_message": "Insufficient funds.",
                    "stripe_payment_intent_id": "pi_test_declined",
                }
            ],
        )
        self.assertEqual(sub.dunning_state, "in_dunning")
        self.assertEqual(sub.state, "past_due")
        self.assertEqual(attempt.invoice_id.payment_state, "not_paid")

    def test_hard_decline(self):
        for code, decline_code, expected in (
            ("card_declined", "stolen_card", "stolen_card"),
            ("expired_card", None, "expired_card"),
        ):
            with self.subTest(code=code, decline_code=decline_code):
                sub, attempt = self._stripe_subscription(
                    token=self._create_stripe_token(self.customer, f"pm_{expected}")
                )
                self.stripe_http.queue(self._card_error(code, decline_code), status=402)
                self._charge()
                self.assertRecordValues(
                    attempt,
                    [
                        {
                            "state": "failed",
                            "decline_code": expected,
                            "decline_type": "hard",
                        }
                    ],
                )
                self.assertEqual(sub.dunning_state, "hard_declined")

    def test_deleted_payment_method_is_hard(self):
        sub, attempt = self._stripe_subscription()
        self.stripe_http.queue(
            {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "param": "payment_method",
                    "message": "No such PaymentMethod: 'pm_card_visa'",
                }
            },
            status=400,
        )
        self._charge()
        self.assertRecordValues(
            attempt,
            [
                {
                    "state": "failed",
                    "decline_code": "payment_method_missing",
                    "decline_type": "hard",
                }
            ],
        )
        self.assertEqual(sub.dunning_state, "hard_declined")

    @mute_logger(STRIPE_MODEL_LOGGER)
    def test_network_and_server_errors_leave_the_outcome_unknown(self):
        for answer, status in (
            (stripe.APIConnectionError("Connection reset by peer", should_retry=False), 200),
            ({"error": {"type": "api_error", "message": "Stripe is down."}}, 500),
        ):
            with self.subTest(status=status):
                sub, attempt = self._stripe_subscription()
                # The SDK itself retries 5xx answers unless Stripe says not to.
                self.stripe_http.queue(
                    answer, status=status, headers={"stripe-should-retry": "false"}
                )
                self._charge()
                self.assertRecordValues(
                    attempt, [{"state": "processing", "decline_code": False, "decline_type": False}]
                )
                self.assertIn("Outcome unknown", attempt.error_message)
                self.assertEqual(sub.state, "active")
                self.assertEqual(sub.dunning_state, "none")

    @mute_logger(STRIPE_MODEL_LOGGER)
    def test_refused_requests_are_soft_failures(self):
        """Stripe answered without charging (bad key, permissions): a soft
        decline. (A rate limit is asked again later: test_charging_pool.)"""
        for error_type, status in (("invalid_request_error", 401), ("invalid_request_error", 403)):
            with self.subTest(status=status):
                _sub, attempt = self._stripe_subscription()
                self.stripe_http.queue(
                    {"error": {"type": error_type, "message": "No."}},
                    status=status,
                    headers={"stripe-should-retry": "false"},
                )
                self._charge()
                self.assertRecordValues(
                    attempt,
                    [
                        {
                            "state": "failed",
                            "decline_code": "processing_error",
                            "decline_type": "soft",
                        }
                    ],
                )

    @mute_logger(STRIPE_MODEL_LOGGER)
    def test_retry_of_same_attempt_reuses_idempotency_key(self):
        _sub, attempt = self._stripe_subscription()
        attempt = attempt.sudo()  # the engine's view
        attempt._start_execution()
        self.assertEqual(attempt.channel, "stripe")
        # The first request is lost on the way back; the same attempt is sent again.
        self.stripe_http.queue(stripe.APIConnectionError("Timeout", should_retry=False))
        self.assertEqual(attempt._charge_via_stripe()["state"], "processing")
        self.stripe_http.queue(self._payment_intent("pi_retry"))
        attempt._send_charge()
        self.assertEqual(attempt.state, "succeeded")
        keys = [r["headers"]["Idempotency-Key"] for r in self.stripe_http.requests]
        self.assertEqual(keys, [attempt.idempotency_key] * 2)
        self.assertEqual(self.stripe_http.requests[0]["data"], self.stripe_http.requests[1]["data"])

    def test_processing_intent_is_read_not_charged_again(self):
        _sub, attempt = self._stripe_subscription()
        self.stripe_http.queue(self._payment_intent("pi_slow", status="processing"))
        self._charge()
        self.assertRecordValues(
            attempt, [{"state": "processing", "stripe_payment_intent_id": "pi_slow"}]
        )
        self.assertEqual(attempt.invoice_id.payment_state, "not_paid")
        # Picked up again as a stale processing attempt: the intent is read, not created.
        self.stripe_http.queue(self._payment_intent("pi_slow", status="succeeded"))
        self._charge(datetime(2026, 4, 2, 12, 0))
        self.assertEqual(attempt.state, "succeeded")
        self.assertEqual([r["method"] for r in self.stripe_http.requests], ["POST", "GET"])
        self.assertTrue(self.stripe_http.requests[1]["url"].endswith("/v1/payment_intents/pi_slow"))
        self.assertIn(attempt.invoice_id.payment_state, ("paid", "in_payment"))

    def test_requires_action_is_processing(self):
        _sub, attempt = self._stripe_subscription()
        self.stripe_http.queue(self._payment_intent("pi_3ds", status="requires_action"))
        self._charge()
        self.assertEqual(attempt.state, "processing")

    def test_settings_constraints(self):
        with self.assertRaises(ValidationError):
            self.company.subscription_stripe_secret_key = "pk_test_publishable"
        with self.assertRaises(ValidationError):
            self.company.subscription_stripe_secret_key = False
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.subscription_stripe_enabled)
        self.assertTrue(
            settings.subscription_stripe_webhook_url.endswith(
                "/subscription_billing/stripe/webhook"
            )
        )

    def test_settings_form(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        for field in (
            "subscription_stripe_enabled",
            "subscription_stripe_secret_key",
            "subscription_stripe_webhook_secret",
            "subscription_stripe_webhook_url",
        ):
            self.assertIn(f'name="{field}"', arch)
        bank = self.company_data["default_journal_bank"]
        self.env["res.config.settings"].create(
            {
                "subscription_stripe_webhook_secret": "whsec_rotated",
                "subscription_stripe_journal_id": bank.id,
            }
        ).execute()
        self.assertEqual(self.company.subscription_stripe_webhook_secret, "whsec_rotated")
        self.assertEqual(self.company._subscription_stripe_get_journal(), bank)

    def test_payment_already_collected_elsewhere(self):
        sub, attempt = self._stripe_subscription()
        invoice = attempt.invoice_id
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        attempt = attempt.sudo()
        attempt.stripe_payment_intent_id = "pi_twice"
        self.assertFalse(attempt._stripe_register_payments())
        self.assertIn("already paid", sub.message_ids[0].body)
