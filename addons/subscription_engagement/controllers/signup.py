# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The public sign-up page: /subscribe lists the published tiers and takes
the form; the catalog decides every price, the browser only picks ids."""

import logging
from urllib.parse import urlencode

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.account_payment.controllers.payment import PaymentPortal

from ..tools.signup import SignupInputError

_logger = logging.getLogger(__name__)

#: Name of the hidden field a human leaves empty.
HONEYPOT_FIELD = "website_url"


class SubscriptionSignup(http.Controller):
    def _signup_error_messages(self):
        env = request.env
        return {
            "tier_id": env._("Please choose one of the plans shown on this page."),
            "cycle_id": env._("Please choose a billing cycle offered for this plan."),
            "addon_ids": env._("Please choose add-ons offered for this plan."),
            ("quantity", "not_a_number"): env._("The number of seats must be a whole number."),
            ("quantity", "too_small"): env._("At least one seat is needed."),
            ("quantity", "too_large"): env._(
                "For more than %(max)s seats, please contact us.",
                max=env["subscription.subscription"]._signup_max_seats(),
            ),
            "name": env._("Please enter your name (at most 128 characters)."),
            "company_name": env._("The company name is too long (at most 128 characters)."),
            "email": env._("Please enter a valid email address."),
        }

    def _signup_visitor_country(self):
        """The visitor's country: a signed-in customer's, else the one of
        the network address (Odoo's GeoIP, when its database is set up)."""
        user = request.env.user
        if not user._is_public() and user.partner_id.country_id:
            return user.partner_id.country_id
        code = request.geoip.country_code
        if not code:
            return None
        return request.env["res.country"].sudo().search([("code", "=", code)], limit=1) or None

    def _signup_visitor_currency(self):
        return request.env["subscription.subscription"]._signup_currency(
            self._signup_visitor_country()
        )

    def _signup_render(self, tier_code=None, values=None, error=None, status=200):
        Subscription = request.env["subscription.subscription"]
        currency = self._signup_visitor_currency()
        offer = Subscription._signup_offer(currency)
        selected = next(
            (o["tier"] for o in offer if tier_code and o["tier"].code == tier_code),
            offer[0]["tier"] if offer else None,
        )
        return request.render(
            "subscription_engagement.signup_page",
            {
                "offer": offer,
                "selected_tier": selected,
                "currency": currency,
                "form": values or {},
                "error": error,
                "honeypot_field": HONEYPOT_FIELD,
                "logged_in": not request.env.user._is_public(),
                "max_seats": Subscription._signup_max_seats(),
                "cycles": request.env["subscription.cycle"]
                .sudo()
                .union(*(o["prices"].cycle_id for o in offer))
                .sorted(lambda c: (c.sequence, c.id)),
                "all_addons": request.env["subscription.addon"]
                .sudo()
                .union(*(o["addons"] for o in offer)),
            },
            status=status,
        )

    @http.route(
        ["/subscribe", "/subscribe/<string:tier_code>"],
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=True,
    )
    def subscribe_page(self, tier_code=None, **_kwargs):
        return self._signup_render(tier_code)

    @http.route(
        "/subscribe/submit",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def subscribe_submit(self, **post):
        post["addon_ids"] = request.httprequest.form.getlist("addon_ids")
        env = request.env
        Subscription = env["subscription.subscription"].sudo()
        if post.get(HONEYPOT_FIELD):
            # A robot filled the hidden field: answer like a refusal, create nothing.
            _logger.info("Sign-up refused: honeypot filled.")
            return self._signup_render(
                values=post, error=env._("Your sign-up could not be processed."), status=400
            )
        address = request.httprequest.remote_addr
        if Subscription._signup_is_rate_limited(address):
            return self._signup_render(
                values=post,
                error=env._("Too many sign-ups from your network: please try again later."),
                status=429,
            )
        ir_http = env["ir.http"]
        if hasattr(ir_http, "_verify_request_recaptcha_token"):
            try:
                ir_http._verify_request_recaptcha_token("subscription_signup")
            except (UserError, ValidationError) as error:
                return self._signup_render(values=post, error=str(error), status=400)
        logged_in = not env.user._is_public()
        try:
            values = Subscription._signup_validate(
                post, logged_in=logged_in, currency=self._signup_visitor_currency()
            )
        except SignupInputError as error:
            messages = self._signup_error_messages()
            message = messages.get((error.field, str(error))) or messages.get(error.field)
            return self._signup_render(values=post, error=message, status=400)
        if not logged_in and Subscription._signup_email_has_user(values["email"]):
            # No second partner or user; the same neutral message for everyone.
            query = urlencode(
                {
                    "redirect": f"/subscribe/{values['tier'].code}",
                    "message": env._("Please sign in to subscribe."),
                }
            )
            return request.redirect(f"/web/login?{query}")
        subscription, created_partner = Subscription._signup_create(
            values, partner=env.user.partner_id if logged_in else None, address=address
        )
        if subscription.state == "draft":
            invoice = subscription._signup_first_invoice()
            return request.redirect(invoice.get_portal_url(query_string="&payment=True"))
        if logged_in or created_partner:
            return request.redirect(subscription.get_portal_url())
        # A contact that existed before: the links go to its own inbox.
        return request.render("subscription_engagement.signup_check_inbox", {})


class SubscriptionSignupPayment(PaymentPortal):
    """The first invoice of a sign-up is paid with tokenization (the card is
    saved for the next periods) and the payment lands on the subscription."""

    @staticmethod
    def _signup_subscription_of_invoice(invoice_id):
        invoice = request.env["account.move"].sudo().browse(int(invoice_id or 0)).exists()
        subscription = invoice.subscription_id if invoice else None
        if subscription and subscription._signup_awaits_payment():
            return subscription
        return None

    @http.route()
    def invoice_transaction(self, invoice_id, access_token, **kwargs):
        subscription = self._signup_subscription_of_invoice(invoice_id)
        if subscription:
            kwargs["tokenization_requested"] = True
            kwargs["landing_route"] = subscription.get_portal_url()
        return super().invoice_transaction(invoice_id, access_token, **kwargs)
