# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import consteq, hmac

_UNSUBSCRIBE_SCOPE = "subscription_engagement.unsubscribe"


class ResPartner(models.Model):
    """The customer's choice about marketing-type subscription messages
    (check-ins, win-back, NPS invitations). Transactional messages (receipts,
    reminders, dunning, confirmations) ignore it."""

    _inherit = "res.partner"

    subscription_marketing_opt_out = fields.Boolean(
        string="No Subscription Marketing",
        help="The customer asked not to receive marketing-type subscription messages "
        "(check-ins, win-back offers, surveys). Confirmations, reminders and invoices "
        "still go out.",
    )

    def _subscription_marketing_allowed(self):
        """Whether marketing-type subscription messages may go to this
        partner: not when it, or the company it belongs to, opted out, nor
        when its address is on Odoo's blacklist."""
        self.ensure_one()
        return not (
            self.subscription_marketing_opt_out
            or self.commercial_partner_id.subscription_marketing_opt_out
            or self.is_blacklisted
        )

    def _subscription_unsubscribe_token(self):
        """Signature of the unsubscribe link (HMAC with the database secret)."""
        self.ensure_one()
        return hmac(self.env(su=True), _UNSUBSCRIBE_SCOPE, self.id)

    def _subscription_check_unsubscribe_token(self, token):
        self.ensure_one()
        return bool(token) and consteq(str(token), self._subscription_unsubscribe_token())

    def _subscription_unsubscribe_url(self):
        """Absolute signed link that opts this partner out of marketing-type
        subscription messages (used in those templates)."""
        self.ensure_one()
        token = self._subscription_unsubscribe_token()
        return f"{self.get_base_url()}/subscription/unsubscribe/{self.id}/{token}"

    def _subscription_set_marketing_opt_out(self, opt_out):
        """Record the customer's choice on the account (the commercial
        partner) and post it in its chatter."""
        account = self.commercial_partner_id
        partners = (self | account).filtered(
            lambda p: p.subscription_marketing_opt_out != bool(opt_out)
        )
        if not partners:
            return
        partners.sudo().write({"subscription_marketing_opt_out": bool(opt_out)})
        body = (
            self.env._("Opted out of marketing-type subscription messages.")
            if opt_out
            else self.env._("Opted in to marketing-type subscription messages.")
        )
        account.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
