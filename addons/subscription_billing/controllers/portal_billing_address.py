# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Update the billing address (the invoiced partner's address) from the
subscription page.

The form follows Odoo's ``/my/account`` pattern: mandatory and optional
fields, a validation that returns ``(error, error_message)``, the form shown
again with the messages and nothing written on any error. Only a signed-in
contact of the customer may change it (Odoo's 403 page otherwise); the POST
is protected by Odoo's CSRF check. Posted invoices keep the address they
were issued with in their PDF once it is generated; later invoices use the
new one.
"""

from odoo import http
from odoo.http import request

from .portal_payment_method import SubscriptionPaymentMethodPortal

# The longest value accepted in a text field (the res.partner columns are
# unbounded: a pasted page must not end up on every invoice).
MAX_ADDRESS_LENGTH = 128


class SubscriptionBillingAddressPortal(SubscriptionPaymentMethodPortal):
    @http.route(
        "/my/subscriptions/<int:subscription_id>/billing_address",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_subscription_billing_address(self, subscription_id, **post):
        subscription_sudo = self._get_subscription_for_contact(subscription_id)
        partner_sudo = subscription_sudo.partner_id
        error, error_message = {}, []
        if request.httprequest.method == "POST":
            error, error_message = self._billing_address_form_validate(post)
            if not error:
                partner_sudo.write(self._prepare_billing_address_values(post))
                subscription_sudo.message_post(
                    body=request.env._(
                        "Billing address changed by %(user)s.", user=request.env.user.name
                    )
                )
                return request.redirect(
                    self._get_subscription_portal_url(
                        subscription_sudo, message="billing_address_updated"
                    )
                )
        values = self._prepare_subscription_common_values(subscription_sudo, None)
        values.update(
            {
                "subscription_step": request.env._("Billing address"),
                "partner": partner_sudo,
                "form": post if request.httprequest.method == "POST" else {},
                "countries": request.env["res.country"].sudo().search([]),
                "states": request.env["res.country.state"].sudo().search([]),
                "error": error,
                "error_message": error_message,
            }
        )
        return request.render("subscription_billing.subscription_portal_billing_address", values)

    def _get_billing_address_mandatory_fields(self):
        return ["street", "city", "country_id"]

    def _get_billing_address_optional_fields(self):
        return ["street2", "zipcode", "state_id"]

    def _billing_address_form_validate(self, data):
        """Check the posted address like ``/my/account`` does.

        :return: ``(error, error_message)``: the invalid field names (value
            ``'missing'`` or ``'error'``) and the messages to show.
        """
        _ = request.env._
        error, error_message = {}, []
        mandatory = self._get_billing_address_mandatory_fields()
        optional = self._get_billing_address_optional_fields()
        unknown = [key for key in data if key not in mandatory + optional + ["csrf_token"]]
        if unknown:
            error["common"] = "unknown"
            error_message.append(_("Unknown field: %(fields)s", fields=", ".join(sorted(unknown))))
        country = self._billing_address_record("res.country", data.get("country_id"))
        state = self._billing_address_record("res.country.state", data.get("state_id"))
        for field in mandatory:
            if not str(data.get(field) or "").strip():
                error[field] = "missing"
        if data.get("country_id") and not country:
            error["country_id"] = "error"
            error_message.append(_("Please choose a country from the list."))
        if country:
            if country.state_required and not state:
                error["state_id"] = "missing"
            if country.zip_required and not str(data.get("zipcode") or "").strip():
                error["zipcode"] = "missing"
        if data.get("state_id") and (not state or state.country_id != country):
            error["state_id"] = "error"
            error_message.append(_("Please choose a state of the chosen country."))
        too_long = [
            field
            for field in ("street", "street2", "city", "zipcode")
            if len(str(data.get(field) or "")) > MAX_ADDRESS_LENGTH
        ]
        if too_long:
            error.update(dict.fromkeys(too_long, "error"))
            error_message.append(
                _(
                    "Each line of the address is limited to %(max)s characters.",
                    max=MAX_ADDRESS_LENGTH,
                )
            )
        if "missing" in error.values():
            error_message.append(_("Some required fields are empty."))
        return error, error_message

    def _prepare_billing_address_values(self, data):
        """``res.partner`` values of a validated form."""
        country = self._billing_address_record("res.country", data.get("country_id"))
        state = self._billing_address_record("res.country.state", data.get("state_id"))
        return {
            "street": data["street"].strip(),
            "street2": (data.get("street2") or "").strip() or False,
            "zip": (data.get("zipcode") or "").strip() or False,
            "city": data["city"].strip(),
            "country_id": country.id,
            "state_id": state.id or False,
        }

    def _billing_address_record(self, model, value):
        record_id = self._parse_portal_id(value)
        if not record_id:
            return request.env[model]
        return request.env[model].sudo().browse(record_id).exists()

    def _get_subscription_portal_messages(self):
        messages = super()._get_subscription_portal_messages()
        messages["billing_address_updated"] = request.env._(
            "Your billing address has been updated. It will be used for your next invoices."
        )
        return messages
