# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import hmac
import time
from datetime import timedelta

from werkzeug.urls import url_encode

from odoo import _, api, fields, models
from odoo.tools.misc import hmac as odoo_hmac

from ..tools import retention

WINBACK_SCOPE = "subscription_engagement.winback"


class SubscriptionSubscription(models.Model):
    """Win-back: a message some days after a subscription ends, with an
    optional offer and a signed, expiring one-click reactivation link."""

    _inherit = "subscription.subscription"

    ended_on = fields.Date(
        string="Ended On",
        compute="_compute_ended_on",
        store=True,
        index="btree_not_null",
        help="First day without service of a cancelled or expired subscription; "
        "the win-back rule counts its delay from this day.",
    )

    @api.depends("state", "cancel_date", "date_end")
    def _compute_ended_on(self):
        for sub in self:
            if sub.state == "cancelled":
                sub.ended_on = sub.cancel_date
            elif sub.state == "expired":
                sub.ended_on = sub.date_end
            else:
                sub.ended_on = False

    # === OFFER ===#

    def _winback_offer(self):
        """The first win-back offer matching this ended subscription, if it
        may still take one (the company's window)."""
        self.ensure_one()
        Offer = self.env["subscription.retention.offer"].sudo()
        if not self._retention_window_open():
            return Offer
        offers = Offer.search(
            [
                ("winback", "=", True),
                "|",
                ("company_id", "=", False),
                ("company_id", "=", self.company_id.id),
            ]
        )
        return offers.filtered(lambda offer: offer._matches(self, winback=True))[:1]

    # === SIGNED LINK ===#

    def _winback_token(self, offer_id, expires):
        self.ensure_one()
        return odoo_hmac(
            self.env(su=True), WINBACK_SCOPE, retention.link_message(self.id, offer_id, expires)
        )

    def _winback_link_params(self, offer=None):
        """Query parameters of the reactivation link: the offer, the expiry
        (now + the company's validity, POSIX seconds) and the signature."""
        self.ensure_one()
        days = self.company_id.subscription_winback_link_days or 30
        expires = int(time.time() + timedelta(days=days).total_seconds())
        offer_id = offer.id if offer else 0
        return {
            "offer": offer_id,
            "expires": expires,
            "token": self._winback_token(offer_id, expires),
        }

    def _winback_url(self, offer=None):
        """The one-click reactivation link of the win-back message."""
        self.ensure_one()
        query = url_encode(self._winback_link_params(offer))
        return f"{self.get_base_url()}/subscription/winback/{self.id}?{query}"

    def _winback_check_link(self, offer_id, expires, token):
        """Whether the link's signature is this subscription's and it has
        not expired. Returns ``'ok'``, ``'expired'`` or ``'invalid'``."""
        self.ensure_one()
        try:
            offer_id, expires = int(offer_id or 0), int(expires)
        except (TypeError, ValueError):
            return "invalid"
        expected = self._winback_token(offer_id, expires)
        if not token or not hmac.compare_digest(expected, str(token)):
            return "invalid"
        if retention.link_expired(expires, time.time()):
            return "expired"
        return "ok"

    def _winback_reactivate(self, offer_id=0):
        """Reactivate from the win-back link (already checked), then apply
        the link's offer if it still matches."""
        self.ensure_one()
        sub = self.with_company(self.company_id)
        sub.action_reactivate()
        offer = sub.env["subscription.retention.offer"].sudo().browse(int(offer_id or 0)).exists()
        if offer and offer == sub._winback_offer_after_reactivation(offer):
            sub._apply_retention_offer(offer, source="winback")
        sub.message_post(body=_("Reactivated by the customer from the win-back link."))
        return True

    def _winback_offer_after_reactivation(self, offer):
        """The link's ``offer`` if it is still a win-back offer for this
        subscription within the window, else an empty record."""
        if offer._matches(self, winback=True) and self._retention_window_open():
            return offer
        return offer.browse()
