# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Constants of the direct Stripe integration."""

from datetime import timedelta

STRIPE_WEBHOOK_ROUTE = "/subscription_billing/stripe/webhook"
# Events the webhook acts on (the ones to subscribe to in the Stripe dashboard),
# each with the method of ``subscription.stripe.event`` that handles it.
STRIPE_EVENT_HANDLERS = {
    "payment_intent.succeeded": "_stripe_handle_payment_intent_succeeded",
    "payment_intent.payment_failed": "_stripe_handle_payment_intent_failed",
    "charge.refunded": "_stripe_handle_charge_refunded",
    "charge.dispute.created": "_stripe_handle_dispute_created",
    "payment_method.automatically_updated": "_stripe_handle_payment_method_updated",
    "payment_method.updated": "_stripe_handle_payment_method_updated",
    "customer.source.updated": "_stripe_handle_payment_method_updated",
}
# PaymentIntent statuses that mean "the money may still come": the webhook
# tells the final outcome.
STRIPE_PENDING_STATUSES = ("processing", "requires_action", "requires_capture")
# Keys of a Stripe object kept in the event log (no card or billing details).
SUMMARY_KEYS = (
    "id",
    "object",
    "status",
    "amount",
    "amount_refunded",
    "currency",
    "customer",
    "payment_intent",
    "charge",
    "reason",
    "metadata",
)
# Stripe keeps idempotency keys for 24 hours; after that (with a margin), an
# attempt whose outcome is unknown is looked up by the key in the metadata of
# its PaymentIntent instead of being re-sent.
STRIPE_IDEMPOTENCY_WINDOW = timedelta(hours=23)
