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

    winback_successor_id = fields.Many2one(
        "subscription.subscription",
        string="Won Back As",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The new subscription the customer started from the win-back link "
        "of this ended fixed-term one.",
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
        """Bring the customer back from the win-back link (already checked):
        ``action_reactivate``, or, when the subscription had a fixed term
        that is over (``action_reactivate`` refuses it), a new subscription
        on the same plan started today. Then apply the link's offer if it
        still matches. Returns the subscription that runs."""
        self.ensure_one()
        sub = self.with_company(self.company_id)
        today = fields.Date.context_today(sub)
        if sub.date_end and sub.date_end <= today:
            running = sub._winback_start_new_subscription()
        else:
            sub.action_reactivate()
            running = sub
        offer = sub.env["subscription.retention.offer"].sudo().browse(int(offer_id or 0)).exists()
        if offer and offer == running._winback_offer_after_reactivation(offer):
            running._apply_retention_offer(offer, source="winback")
        sub.message_post(body=_("Reactivated by the customer from the win-back link."))
        return running

    def _prepare_winback_subscription_values(self):
        """Values of the new subscription a win-back starts for an ended
        fixed-term one: the same customer and plan, no end date."""
        self.ensure_one()
        token = self.payment_token_id.sudo()
        return {
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "user_id": self.user_id.id,
            "kind": self.kind,
            "tier_id": self.tier_id.id,
            "cycle_id": self.cycle_id.id,
            "quantity": self.quantity,
            "addon_line_ids": [
                fields.Command.create({"addon_id": line.addon_id.id, "quantity": line.quantity})
                for line in self.addon_line_ids
            ],
            "billing_mode": self.billing_mode,
            "payment_token_id": token.id if token.active else False,
            "source": "portal",
        }

    def _winback_start_new_subscription(self):
        """Start a new subscription on the plan of this ended one, active at
        once (a returning customer gets no second trial)."""
        self.ensure_one()
        new = self.create(self._prepare_winback_subscription_values())
        self.sudo().winback_successor_id = new
        new.action_start()
        if new.state == "trial":
            new.action_activate()
        new.message_post(
            body=_("Started from the win-back link of %(name)s.", name=self._get_html_link())
        )
        return new

    def _winback_offer_after_reactivation(self, offer):
        """The link's ``offer`` if it is still a win-back offer for this
        subscription within the window, else an empty record."""
        if offer._matches(self, winback=True) and self._retention_window_open():
            return offer
        return offer.browse()
