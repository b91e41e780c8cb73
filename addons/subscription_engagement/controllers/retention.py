# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Portal: save offers in the cancellation flow, and the feedback form.

The cancellation page of subscription_core asks for the reason and the
feedback; when offers match, its confirmation shows them first. Taking one
posts the offer id, which the model checks against the offers that match the
subscription and reason again (``_get_retention_offers``): an offer that was
not shown cannot be taken, whatever the browser sends.
"""

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.subscription_core.controllers.portal import SubscriptionPortal

from ..models.subscription_feedback import MAX_FEEDBACK_LENGTH


class RetentionPortal(SubscriptionPortal):
    def _get_subscription_portal_messages(self):
        messages = super()._get_subscription_portal_messages()
        messages.update(
            {
                "offer_accepted": request.env._(
                    "Thank you for staying with us: your offer has been applied."
                ),
                "feedback_sent": request.env._("Thank you for your feedback!"),
            }
        )
        return messages

    def _get_portal_cancel_reason(self, reason_id):
        """A voluntary cancellation reason from the browser, or an empty record."""
        reason_id = self._parse_portal_id(reason_id)
        Reason = request.env["subscription.cancel.reason"].sudo()
        if not reason_id:
            return Reason
        return Reason.search([("id", "=", reason_id), ("kind", "=", "voluntary")])

    # ------------------------------------------------------------
    # Cancellation: offers before the confirmation
    # ------------------------------------------------------------

    @http.route()
    def portal_subscription_cancel(self, subscription_id, access_token=None, **post):
        """On the confirmation of the cancellation form, show the matching
        save offers first (unless the customer just declined them)."""
        if request.httprequest.method == "POST":
            subscription_sudo = self._get_subscription_checked(subscription_id, access_token)
            if subscription_sudo and "cancel" in self._get_subscription_portal_actions(
                subscription_sudo
            ):
                reason = self._get_portal_cancel_reason(post.get("reason_id"))
                offers = reason and subscription_sudo._get_retention_offers(reason)
                if offers and not post.get("offers_declined"):
                    return self._render_retention_offers(
                        subscription_sudo, access_token, reason, offers, post
                    )
                if offers:
                    # Declined: the cancellation event keeps the offers shown.
                    request.update_context(retention_offers_shown=offers.ids)
        return super().portal_subscription_cancel(
            subscription_id, access_token=access_token, **post
        )

    def _render_retention_offers(self, subscription_sudo, access_token, reason, offers, post):
        values = self._prepare_subscription_common_values(subscription_sudo, access_token)
        values.update(
            {
                "subscription_step": request.env._("Cancel"),
                "reason": reason,
                "offers": offers,
                "offer_summaries": {
                    offer.id: self._get_offer_summary(subscription_sudo, offer) for offer in offers
                },
                "form": {
                    "feedback": (post.get("feedback") or "").strip(),
                    "when": "now" if post.get("when") == "now" else "period_end",
                },
            }
        )
        return request.render(
            "subscription_engagement.subscription_portal_retention_offers", values
        )

    def _get_offer_summary(self, subscription_sudo, offer):
        """One sentence saying what the offer does for this subscription."""
        env = request.env
        if offer.kind == "discount":
            percent = f"{offer.discount_percent:g}"
            return env._(
                "%(percent)s%% off your next %(count)s invoices.",
                percent=percent,
                count=offer.discount_periods,
            )
        if offer.kind == "pause":
            return env._(
                "Pause your subscription for %(count)s %(cycle)s period(s): no service, "
                "nothing to pay, then it resumes by itself.",
                count=offer.pause_periods,
                cycle=subscription_sudo.cycle_id.name,
            )
        return env._(
            "Switch to %(tier)s from the end of the current period.",
            tier=offer.downgrade_tier_id.name,
        )

    @http.route(
        "/my/subscriptions/<int:subscription_id>/cancel/offer",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_accept_offer(self, subscription_id, access_token=None, **post):
        subscription_sudo = self._get_subscription_or_refuse(subscription_id, access_token)
        try:
            self._check_subscription_portal_action(subscription_sudo, "cancel")
            reason = self._get_portal_cancel_reason(post.get("reason_id"))
            if not reason:
                raise UserError(request.env._("Please tell us why you are cancelling."))
            offer_id = self._parse_portal_id(post.get("offer_id"))
            if not offer_id:
                raise UserError(request.env._("This offer is not available."))
            with request.env.cr.savepoint():
                subscription_sudo.action_accept_offer(
                    offer_id, reason.id, feedback=(post.get("feedback") or "").strip() or None
                )
        except (UserError, ValidationError, ValueError) as error:
            return self._render_subscription_page(
                subscription_sudo, access_token, error=self._error_message(error)
            )
        return request.redirect(
            self._get_subscription_portal_url(
                subscription_sudo, access_token, message="offer_accepted"
            )
        )

    # ------------------------------------------------------------
    # Feedback form
    # ------------------------------------------------------------

    @http.route(
        "/my/subscriptions/<int:subscription_id>/feedback",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_subscription_feedback(self, subscription_id, access_token=None, **post):
        subscription_sudo = self._get_subscription_or_refuse(subscription_id, access_token)
        error = None
        text = (post.get("text") or "").strip()
        if request.httprequest.method == "POST":
            try:
                if not text:
                    raise UserError(request.env._("Please write your feedback."))
                if len(text) > MAX_FEEDBACK_LENGTH:
                    raise UserError(
                        request.env._(
                            "Feedback is limited to %(max)s characters.", max=MAX_FEEDBACK_LENGTH
                        )
                    )
                with request.env.cr.savepoint():
                    request.env["subscription.feedback"].sudo().create(
                        {
                            "kind": "portal",
                            "text": text,
                            "subscription_id": subscription_sudo.id,
                            "partner_id": self._get_feedback_partner(subscription_sudo).id,
                        }
                    )
            except (UserError, ValidationError) as exc:
                error = self._error_message(exc)
            else:
                return request.redirect(
                    self._get_subscription_portal_url(
                        subscription_sudo, access_token, message="feedback_sent"
                    )
                )
        values = self._prepare_subscription_common_values(subscription_sudo, access_token)
        values.update(
            {
                "subscription_step": request.env._("Feedback"),
                "form": {"text": text},
                "error": error,
                "max_length": MAX_FEEDBACK_LENGTH,
            }
        )
        return request.render("subscription_engagement.subscription_portal_feedback", values)

    def _get_feedback_partner(self, subscription_sudo):
        """Who writes: the signed-in contact of the customer, else the
        subscription's customer (a visitor with the access token)."""
        partner = request.env.user.partner_id
        if (
            not request.env.user._is_public()
            and partner.commercial_partner_id == subscription_sudo.commercial_partner_id
        ):
            return partner
        return subscription_sudo.partner_id
