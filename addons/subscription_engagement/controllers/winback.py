# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The one-click reactivation link of the win-back message.

The link carries the subscription, the offer, an expiry and an HMAC of the
three (database secret): it works without signing in, for that one
subscription, until it expires. Opening it shows one button (mail scanners
that follow links must not reactivate anything); pressing it reactivates.
"""

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request


class WinbackController(http.Controller):
    @http.route(
        "/subscription/winback/<int:subscription_id>",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
    )
    def subscription_winback(self, subscription_id, offer=None, expires=None, token=None, **_kw):
        subscription_sudo = (
            request.env["subscription.subscription"].sudo().browse(subscription_id).exists()
        )
        status = (
            subscription_sudo._winback_check_link(offer, expires, token)
            if subscription_sudo
            else "invalid"
        )
        values = {"status": status, "subscription": subscription_sudo, "error": None}
        if status == "ok" and (
            subscription_sudo.state not in ("cancelled", "expired")
            or subscription_sudo.winback_successor_id
        ):
            status = values["status"] = "done"
        if status == "ok":
            offer_sudo = subscription_sudo._winback_offer_after_reactivation(
                request.env["subscription.retention.offer"].sudo().browse(int(offer or 0)).exists()
            )
            values.update(
                {"offer": offer_sudo, "offer_id": offer, "expires": expires, "token": token}
            )
            if request.httprequest.method == "POST":
                try:
                    with request.env.cr.savepoint():
                        running = subscription_sudo._winback_reactivate(offer_sudo.id)
                except (UserError, ValidationError) as error:
                    values["error"] = error.args[0] if error.args else str(error)
                else:
                    return request.redirect(
                        running.get_portal_url(query_string="&message=reactivated")
                    )
        return request.render("subscription_engagement.subscription_winback_page", values)
