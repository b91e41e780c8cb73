# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Marketing opt-out: the portal preference and the signed unsubscribe link
of marketing-type subscription messages. Transactional messages cannot be
switched off here."""

from odoo import http
from odoo.http import request


class SubscriptionOptOutController(http.Controller):
    @http.route(
        "/my/subscriptions/preferences",
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_subscription_preferences(self, **post):
        partner = request.env.user.partner_id
        saved = False
        if request.httprequest.method == "POST":
            partner._subscription_set_marketing_opt_out(not post.get("marketing"))
            saved = True
        return request.render(
            "subscription_engagement.portal_subscription_preferences",
            {
                "page_name": "subscription_preferences",
                "partner": partner,
                "marketing_allowed": partner._subscription_marketing_allowed(),
                "saved": saved,
            },
        )

    @http.route(
        "/subscription/unsubscribe/<int:partner_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
    )
    def subscription_unsubscribe(self, partner_id, token, **_post):
        """GET shows a confirmation button (link scanners only GET), POST
        opts out. A wrong token or partner gets the same 'invalid link' page."""
        partner_sudo = request.env["res.partner"].sudo().browse(partner_id).exists()
        if not partner_sudo or not partner_sudo._subscription_check_unsubscribe_token(token):
            return request.render(
                "subscription_engagement.subscription_unsubscribe_page",
                {"invalid": True},
                status=403,
            )
        done = False
        if request.httprequest.method == "POST":
            partner_sudo._subscription_set_marketing_opt_out(True)
            done = True
        return request.render(
            "subscription_engagement.subscription_unsubscribe_page",
            {"invalid": False, "done": done, "partner": partner_sudo, "token": token},
        )
