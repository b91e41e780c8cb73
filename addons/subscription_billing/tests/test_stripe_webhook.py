# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The Stripe webhook endpoint, called over HTTP with real Stripe signatures."""

import hashlib
import hmac
import json
import time
import uuid
from datetime import date

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.subscription_billing.tests.test_stripe import StripeCommon

WEBHOOK_URL = "/subscription_billing/stripe/webhook"
CONTROLLER_LOGGER = "odoo.addons.subscription_billing.controllers.stripe"


class StripeWebhookCase(StripeCommon, HttpCase):
    """Stripe fixtures and helpers to post signed events to the endpoint."""

    # --- helpers ---------------------------------------------------------

    @staticmethod
    def _event(event_type, obj, event_id=None, previous=None):
        data = {"object": obj}
        if previous is not None:
            data["previous_attributes"] = previous
        return {
            "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": event_type,
            "livemode": False,
            "created": int(time.time()),
            "data": data,
        }

    @staticmethod
    def _signature(payload, secret, timestamp=None):
        """The ``Stripe-Signature`` header Stripe computes for ``payload``."""
        timestamp = timestamp or int(time.time())
        signed = f"{timestamp}.{payload}".encode()
        digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return f"t={timestamp},v1={digest}"

    def _post(self, event, secret=None, signature=None, sign=True):
        payload = json.dumps(event)
        headers = {"Content-Type": "application/json"}
        if sign:
            headers["Stripe-Signature"] = signature or self._signature(
                payload, secret or self.webhook_secret
            )
        response = self.url_open(WEBHOOK_URL, data=payload, headers=headers)
        self.env.invalidate_all()
        return response

    def _intent_event(self, event_type, intent_id="pi_pending", **values):
        intent = self._payment_intent(
            intent_id, metadata={"odoo_attempt_id": str(self.attempt.id)}, **values
        )
        return self._event(event_type, intent)

    def _stripe_events(self):
        return self.env["subscription.stripe.event"].search([])


@tagged("post_install", "-at_install")
class TestStripeWebhook(StripeWebhookCase):
    def setUp(self):
        super().setUp()
        # An attempt charged through Stripe whose outcome is still pending.
        self.sub, self.attempt = self._stripe_subscription()
        self.stripe_http.queue(self._payment_intent("pi_pending", status="processing"))
        self._charge()
        self.assertEqual(self.attempt.state, "processing")
        self.invoice = self.attempt.invoice_id
        self.assertEqual(self.invoice.payment_state, "not_paid")

    # --- tests -----------------------------------------------------------

    def test_payment_intent_succeeded(self):
        event = self._intent_event("payment_intent.succeeded", status="succeeded")
        response = self._post(event)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text, "processed")
        self.assertEqual(self.attempt.state, "succeeded")
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertRecordValues(
            self._stripe_events(),
            [
                {
                    "stripe_event_id": event["id"],
                    "event_type": "payment_intent.succeeded",
                    "company_id": self.company.id,
                    "object_ref": "pi_pending",
                    "attempt_id": self.attempt.id,
                    "subscription_id": self.sub.id,
                    "result": "processed",
                }
            ],
        )
        self.assertFalse(self.stripe_http.requests[1:], "the webhook calls no Stripe API")

    def test_replayed_event_is_processed_once(self):
        event = self._intent_event("payment_intent.succeeded", status="succeeded")
        self.assertEqual(self._post(event).text, "processed")
        payments = self.env["account.payment"].search([("memo", "=", "pi_pending")])
        self.assertEqual(len(payments), 1)
        messages = self.sub.message_ids
        response = self._post(event)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text, "already processed")
        self.assertEqual(len(self._stripe_events()), 1)
        self.assertEqual(
            self.env["account.payment"].search([("memo", "=", "pi_pending")]), payments
        )
        self.assertEqual(self.sub.message_ids, messages)

    def test_found_by_metadata_when_intent_unknown(self):
        self.attempt.sudo().stripe_payment_intent_id = False
        event = self._intent_event(
            "payment_intent.succeeded", "pi_from_webhook", status="succeeded"
        )
        self.assertEqual(self._post(event).text, "processed")
        self.assertRecordValues(
            self.attempt,
            [
                {
                    "state": "succeeded",
                    "stripe_payment_intent_id": "pi_from_webhook",
                }
            ],
        )

    def test_payment_intent_failed(self):
        event = self._intent_event(
            "payment_intent.payment_failed",
            status="requires_payment_method",
            last_payment_error={
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "lost_card",
                "message": "Card lost.",
            },
        )
        self.assertEqual(self._post(event).status_code, 200)
        self.assertRecordValues(
            self.attempt,
            [
                {
                    "state": "failed",
                    "decline_code": "lost_card",
                    "decline_type": "hard",
                    "error_message": "Card lost.",
                }
            ],
        )
        self.assertEqual(self.sub.dunning_state, "hard_declined")

    @mute_logger(CONTROLLER_LOGGER)
    def test_bad_or_missing_signature_changes_nothing(self):
        event = self._intent_event("payment_intent.succeeded", status="succeeded")
        payload = json.dumps(event)
        for label, kwargs in (
            ("missing", {"sign": False}),
            ("other secret", {"secret": "whsec_someone_else"}),
            ("garbage", {"signature": "t=abc,v1=nothex"}),
            (
                "tampered",
                {"signature": self._signature(payload.replace("pi_", "px_"), self.webhook_secret)},
            ),
            (
                "too old",
                {
                    "signature": self._signature(
                        payload, self.webhook_secret, int(time.time()) - 3600
                    )
                },
            ),
        ):
            with self.subTest(label):
                response = self._post(event, **kwargs)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(self.attempt.state, "processing")
                self.assertEqual(self.invoice.payment_state, "not_paid")
                self.assertFalse(self._stripe_events())

    @mute_logger(CONTROLLER_LOGGER)
    def test_no_company_with_stripe(self):
        self.company.subscription_stripe_enabled = False
        response = self._post(self._intent_event("payment_intent.succeeded", status="succeeded"))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.attempt.state, "processing")

    def test_unknown_event_is_ignored(self):
        response = self._post(
            self._event("customer.created", {"id": "cus_new", "object": "customer"})
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text, "ignored")
        self.assertFalse(self._stripe_events())

    def test_unmatched_intent_is_logged(self):
        event = self._event(
            "payment_intent.succeeded", self._payment_intent("pi_elsewhere", metadata={})
        )
        self.assertEqual(self._post(event).text, "processed")
        self.assertEqual(self._stripe_events().result, "unmatched")
        self.assertEqual(self.attempt.state, "processing")

    def test_charge_refunded_is_logged(self):
        self._post(self._intent_event("payment_intent.succeeded", status="succeeded"))
        charge = {
            "id": "ch_1",
            "object": "charge",
            "payment_intent": "pi_pending",
            "amount_refunded": 550,
            "currency": self.invoice.currency_id.name.lower(),
            "refunded": False,
        }
        self.assertEqual(self._post(self._event("charge.refunded", charge)).text, "processed")
        for record in (self.sub, self.invoice):
            self.assertIn("refunded", record.message_ids[0].body)
            self.assertIn("pi_pending", record.message_ids[0].body)

    def test_dispute_creates_activity(self):
        self._post(self._intent_event("payment_intent.succeeded", status="succeeded"))
        due_by = int(time.time()) + 7 * 86400
        dispute = {
            "id": "dp_1",
            "object": "dispute",
            "charge": "ch_1",
            "payment_intent": "pi_pending",
            "amount": 1100,
            "currency": self.invoice.currency_id.name.lower(),
            "reason": "fraudulent",
            "evidence_details": {"due_by": due_by},
        }
        self.assertEqual(
            self._post(self._event("charge.dispute.created", dispute)).text, "processed"
        )
        activity = self.sub.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("fraudulent", activity.summary)
        self.assertFalse(activity.user_id.share)
        self.assertIn("disputed", self.sub.message_ids[0].body)

    def test_card_updated_lifts_hard_decline(self):
        self._post(
            self._intent_event(
                "payment_intent.payment_failed",
                status="requires_payment_method",
                last_payment_error={"code": "expired_card", "message": "Expired."},
            )
        )
        self.assertEqual(self.sub.dunning_state, "hard_declined")
        method = {
            "id": "pm_card_visa",
            "object": "payment_method",
            "customer": "cus_test_a",
            "card": {"brand": "visa", "last4": "1881", "exp_month": 12, "exp_year": 2031},
        }
        response = self._post(self._event("payment_method.automatically_updated", method))
        self.assertEqual(response.text, "processed")
        self.assertEqual(self.token_stripe.payment_details, "1881")
        self.assertEqual(self.token_stripe.subscription_card_expiry, date(2031, 12, 31))
        self.assertEqual(self.sub.dunning_state, "in_dunning")
        self.assertEqual(
            self.sub.payment_attempt_ids.sorted("attempt_number")[-1].state,
            "scheduled",
            "a new attempt is scheduled with the updated card",
        )

    def test_billing_details_update_keeps_block(self):
        self._post(
            self._intent_event(
                "payment_intent.payment_failed",
                status="requires_payment_method",
                last_payment_error={"code": "expired_card", "message": "Expired."},
            )
        )
        method = {
            "id": "pm_card_visa",
            "object": "payment_method",
            "card": {"brand": "visa", "last4": "4242"},
        }
        event = self._event(
            "payment_method.updated", method, previous={"billing_details": {"name": None}}
        )
        self.assertEqual(self._post(event).text, "processed")
        self.assertEqual(self.sub.dunning_state, "hard_declined")

    def test_other_company_secret_cannot_touch_attempt(self):
        self.env["res.company"].create(
            {
                "name": "Other Stripe Company",
                "subscription_stripe_enabled": True,
                "subscription_stripe_secret_key": "sk_test_other",
                "subscription_stripe_webhook_secret": "whsec_other_company",
            }
        )
        event = self._intent_event("payment_intent.succeeded", status="succeeded")
        response = self._post(event, secret="whsec_other_company")
        self.assertEqual(response.status_code, 200)
        self.assertRecordValues(self._stripe_events(), [{"result": "unmatched"}])
        self.assertNotEqual(self._stripe_events().company_id, self.company)
        self.assertEqual(self.attempt.state, "processing")

    def _post_raw(self, payload):
        """Post ``payload`` (str) with a valid signature of the company."""
        headers = {
            "Content-Type": "application/json",
            "Stripe-Signature": self._signature(payload, self.webhook_secret),
        }
        return self.url_open(WEBHOOK_URL, data=payload.encode(), headers=headers)

    def test_malformed_signed_events_answer_400(self):
        good = self._intent_event("payment_intent.succeeded", status="succeeded")
        bodies = {
            "not JSON": "{not json",
            "a list": json.dumps([good]),
            "missing id": json.dumps({k: v for k, v in good.items() if k != "id"}),
            "missing type": json.dumps({k: v for k, v in good.items() if k != "type"}),
            "string data.object": json.dumps({**good, "data": {"object": "pi_pending"}}),
            "no data": json.dumps({**good, "data": None}),
            "string metadata": json.dumps(
                {**good, "data": {"object": {"id": "pi_pending", "metadata": "x"}}}
            ),
            "string last_payment_error": json.dumps(
                self._intent_event(
                    "payment_intent.payment_failed",
                    status="requires_payment_method",
                    last_payment_error="declined",
                )
            ),
        }
        for label, payload in bodies.items():
            with self.subTest(label):
                with self.assertLogs(CONTROLLER_LOGGER, "WARNING") as logs:
                    response = self._post_raw(payload)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.text, "malformed event")
                self.assertIn("malformed event", logs.output[0])
                self.env.invalidate_all()
                self.assertEqual(self.attempt.state, "processing")
                self.assertFalse(self._stripe_events())
