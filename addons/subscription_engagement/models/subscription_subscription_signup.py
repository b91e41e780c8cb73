# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import email_normalize

from ..tools import signup
from ..tools.signup import SignupInputError

_logger = logging.getLogger(__name__)


class SubscriptionSubscription(models.Model):
    """The public sign-up page's service: check the form against the catalog,
    then create the partner, the portal user and the subscription."""

    _inherit = "subscription.subscription"

    signup_ip = fields.Char(
        string="Sign-up Address",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="subscription_core.group_subscription_manager",
        help="Network address the sign-up page was submitted from (rate limit).",
    )

    # === SIGN-UP: CATALOG ===#

    @api.model
    def _signup_tiers(self):
        """Tiers offered on /subscribe: published, active, of the current
        company (or shared), in rank order."""
        return (
            self.env["subscription.tier"]
            .sudo()
            .search(
                [("published", "=", True), ("company_id", "in", (False, self.env.company.id))],
                order="sequence, id",
            )
        )

    @api.model
    def _signup_currency(self, country=None):
        """The currency of the sign-up: the visitor's ``country``'s when the
        published catalog has prices in it, else the company's."""
        company_currency = self.env.company.currency_id
        currency = country.currency_id if country else None
        if not currency or currency == company_currency or not currency.active:
            return company_currency
        priced = (
            self.env["subscription.price"]
            .sudo()
            .search_count(
                [
                    ("currency_id", "=", currency.id),
                    ("tier_id", "in", self._signup_tiers().ids),
                ],
                limit=1,
            )
        )
        return currency if priced else company_currency

    @api.model
    def _signup_price(self, item, cycle, currency):
        """The catalog price of a tier or add-on for ``cycle`` in ``currency``."""
        field = "tier_id" if item._name == "subscription.tier" else "addon_id"
        return (
            self.env["subscription.price"]
            .sudo()
            .search(
                [
                    (field, "=", item.id),
                    ("cycle_id", "=", cycle.id),
                    ("currency_id", "=", currency.id),
                ],
                limit=1,
            )
        )

    @api.model
    def _signup_offer(self, currency=None):
        """What the page shows: for each tier its priced cycles and allowed
        add-ons, in ``currency`` (default the company's). Tiers without any
        price in it are left out."""
        currency = currency or self._signup_currency()
        offer = []
        for tier in self._signup_tiers():
            prices = tier.price_ids.filtered(lambda p: p.currency_id == currency).sorted(
                lambda p: (p.cycle_id.sequence, p.cycle_id.id)
            )
            if not prices:
                continue
            cycles = prices.cycle_id
            addons = tier.addon_ids.filtered(
                lambda a, cycles=cycles: any(
                    p.currency_id == currency and p.cycle_id in cycles for p in a.price_ids
                )
            )
            offer.append({"tier": tier, "prices": prices, "addons": addons})
        return offer

    # === SIGN-UP: CHECKS ===#

    @api.model
    def _signup_max_seats(self):
        param = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("subscription_engagement.signup_max_seats")
        )
        return int(param) if param and param.isdigit() else signup.DEFAULT_MAX_SEATS

    @api.model
    def _signup_rate_limit(self):
        param = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("subscription_engagement.signup_rate_limit")
        )
        return int(param) if param and param.isdigit() else signup.DEFAULT_RATE_LIMIT

    @api.model
    def _signup_is_rate_limited(self, address):
        """Whether ``address`` made as many sign-ups in the last hour as the
        limit allows (system parameter ``subscription_engagement.signup_rate_limit``)."""
        if not address:
            return False
        since = fields.Datetime.now() - timedelta(hours=1)
        count = (
            self.sudo()
            .with_context(active_test=False)
            .search_count(
                [
                    ("signup_ip", "=", address),
                    ("create_date", ">=", since),
                    ("source", "=", "signup"),
                ]
            )
        )
        return signup.is_rate_limited(count, self._signup_rate_limit())

    @api.model
    def _signup_validate(self, data, logged_in=False, currency=None):
        """Check the posted form ``data`` against the catalog in ``currency``
        (default the company's; never taken from the form) and return the
        clean values (records and strings). Raises ``SignupInputError``
        naming the input at fault; reads only."""
        currency = currency or self._signup_currency()
        offer = self._signup_offer(currency)
        tiers = self.env["subscription.tier"].union(*(o["tier"] for o in offer))
        tier = tiers.filtered(lambda t: t.id == signup.parse_id(data.get("tier_id"), "tier_id"))
        if not tier:
            raise SignupInputError("tier_id", "invalid")
        cycle = (
            self.env["subscription.cycle"]
            .sudo()
            .browse(signup.parse_id(data.get("cycle_id"), "cycle_id"))
            .exists()
        )
        if not cycle or not self._signup_price(tier, cycle, currency):
            raise SignupInputError("cycle_id", "invalid")
        quantity = signup.parse_seats(data.get("quantity"), self._signup_max_seats())
        addons = self.env["subscription.addon"].sudo()
        for addon_id in signup.parse_ids(data.get("addon_ids"), "addon_ids"):
            addon = tier.addon_ids.filtered(lambda a, addon_id=addon_id: a.id == addon_id)
            if not addon or not self._signup_price(addon, cycle, currency):
                raise SignupInputError("addon_ids", "invalid")
            addons |= addon
        values = {
            "tier": tier,
            "cycle": cycle,
            "quantity": quantity,
            "addons": addons,
            "currency": currency,
        }
        if logged_in:
            return values
        email = email_normalize(data.get("email") or "", strict=True)
        if not email:
            raise SignupInputError("email", "invalid")
        values.update(
            name=signup.clean_name(data.get("name"), "name"),
            email=email,
            company_name=signup.clean_name(
                data.get("company_name"), "company_name", required=False
            ),
        )
        return values

    @api.model
    def _signup_email_has_user(self, email):
        """Whether a user (active or not) already signs in with, or has,
        this email address."""
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        return bool(
            Users.search_count(
                ["|", ("login", "=ilike", email), ("email_normalized", "=", email)], limit=1
            )
        )

    # === SIGN-UP: CREATION ===#

    @api.model
    def _signup_partner(self, values):
        """Reuse the contact with this email that has no user yet, else
        create it (as a contact of a new company when a company name is
        given). Returns ``(contact, customer, created)``: the subscription
        goes to the customer (the contact's commercial partner)."""
        Partner = self.env["res.partner"].sudo()
        contact = Partner.search(
            [("email_normalized", "=", values["email"]), ("user_ids", "=", False)],
            order="id",
            limit=1,
        )
        if contact:
            return contact, contact.commercial_partner_id, False
        company = Partner
        if values.get("company_name"):
            company = Partner.create({"name": values["company_name"], "is_company": True})
        contact = Partner.create(
            {
                "name": values["name"],
                "email": values["email"],
                "parent_id": company.id or False,
                "lang": self.env.lang,
            }
        )
        return contact, contact.commercial_partner_id, True

    @api.model
    def _signup_portal_user(self, contact, values):
        """A portal user for ``contact`` through auth_signup, invited by mail
        to choose a password (Odoo's 'set password' template: a sign-up
        link, never a password)."""
        user = (
            self.env["res.users"]
            .sudo()
            ._create_user_from_template(
                {"login": values["email"], "partner_id": contact.id, "email": values["email"]}
            )
        )
        # What auth_signup's action_reset_password does for a new user, but
        # queued with the other mails instead of sent inside the request.
        contact.signup_prepare(signup_type="signup")
        template = self.env.ref("auth_signup.set_password_email")
        template.sudo().send_mail(
            user.id,
            email_values={
                "email_to": user.email,
                "email_cc": False,
                "recipient_ids": [],
                "partner_ids": [],
                "message_type": "user_notification",
                "scheduled_date": False,
            },
        )
        return user

    @api.model
    def _prepare_signup_values(self, customer, values, address=None):
        return {
            "partner_id": customer.id,
            "company_id": self.env.company.id,
            "currency_id": values["currency"].id,
            "tier_id": values["tier"].id,
            "cycle_id": values["cycle"].id,
            "quantity": values["quantity"],
            "source": "signup",
            "signup_ip": address or False,
            "addon_line_ids": [
                fields.Command.create({"addon_id": addon.id, "quantity": 1})
                for addon in values["addons"]
            ],
        }

    @api.model
    def _signup_create(self, values, partner=None, address=None):
        """Create what a sign-up makes, all or nothing: the customer (or
        ``partner``, a signed-in visitor's), its portal user and the
        subscription; a tier with a trial starts it now. Returns
        ``(subscription, created_partner)``."""
        with self.env.cr.savepoint():
            created = False
            if partner:
                customer = partner.commercial_partner_id
            else:
                contact, customer, created = self._signup_partner(values)
                self._signup_portal_user(contact, values)
            subscription = self.sudo().create(
                self._prepare_signup_values(customer, values, address)
            )
            if values["tier"].trial_days > 0:
                subscription.action_start()
            else:
                subscription._signup_prepare_first_payment()
        _logger.info(
            "Sign-up: %s for partner %s (%s).", subscription.name, customer.id, subscription.state
        )
        return subscription, created
