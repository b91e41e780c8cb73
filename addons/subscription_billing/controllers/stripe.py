# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Stripe webhook endpoint of the direct Stripe integration.

Nothing is read or changed before the ``Stripe-Signature`` header has been
verified against the webhook signing secret of a company that enabled Stripe;
the event is then processed once (``subscription.stripe.event``) as the
superuser, inside the request's transaction: an error while processing it
answers 500 and Stripe sends the event again later. A correctly signed body
that is not a well-formed event (not JSON, not an object, no ``id`` or
``type``, ``data.object`` not an object) answers 400 and is logged: sending it
again would not help.
"""

import logging

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..const import STRIPE_WEBHOOK_ROUTE
from ..tools.stripe_events import MalformedEvent

_logger = logging.getLogger(__name__)

ANSWERS = {
    "processed": "processed",
    "duplicate": "already processed",
    "ignored": "ignored",
}


class SubscriptionStripeController(http.Controller):
    @http.route(
        STRIPE_WEBHOOK_ROUTE,
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def subscription_stripe_webhook(self):
        payload = request.httprequest.get_data()
        signature = request.httprequest.headers.get("Stripe-Signature")
        Event = request.env["subscription.stripe.event"].with_user(SUPERUSER_ID)
        try:
            company, event = Event._stripe_construct_event(payload, signature)
        except MalformedEvent as error:
            _logger.warning(
                "Stripe webhook refused: malformed event (%s), from %s",
                error,
                request.httprequest.remote_addr,
            )
            return self._subscription_stripe_answer("malformed event", 400)
        if not company:
            _logger.warning(
                "Stripe webhook refused: %s signature (from %s)",
                "invalid" if signature else "missing",
                request.httprequest.remote_addr,
            )
            return self._subscription_stripe_answer("invalid signature", 400)
        try:
            outcome = Event.with_company(company)._stripe_process_event(event, company)
        except MalformedEvent as error:
            _logger.warning("Stripe event %s refused: malformed event (%s)", event.get("id"), error)
            return self._subscription_stripe_answer("malformed event", 400)
        _logger.info("Stripe event %s (%s): %s", event.get("id"), event.get("type"), outcome)
        return self._subscription_stripe_answer(ANSWERS[outcome], 200)

    def _subscription_stripe_answer(self, text, status):
        return request.make_response(
            text, headers=[("Content-Type", "text/plain; charset=utf-8")], status=status
        )
