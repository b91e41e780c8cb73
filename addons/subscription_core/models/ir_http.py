# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import re

from werkzeug.exceptions import BadRequest
from werkzeug.urls import url_encode

from odoo import models
from odoo.http import Response, request

_logger = logging.getLogger(__name__)

# The self-service forms of a subscription's portal page (any addon's).
SUBSCRIPTION_FORM_PATH = re.compile(r"^/my/subscriptions/(\d+)/[\w/]+$")


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _handle_error(cls, exception):
        """Explain an expired self-service form of the subscription portal.

        Odoo refuses a POST whose CSRF token is missing or no longer valid
        (the page stayed open too long, or the customer signed in again in
        another tab) with a bare "400 Bad Request". For the subscription
        forms the customer gets a page saying that nothing was changed, with
        a link back to the subscription. The refusal itself is Odoo's and
        stays as it is (status 400, nothing written).
        """
        response = super()._handle_error(exception)
        match = cls._subscription_expired_form_match(exception)
        if not match:
            return response
        back_url = f"/my/subscriptions/{match.group(1)}"
        access_token = request.httprequest.form.get("access_token")
        if access_token:
            back_url = f"{back_url}?{url_encode({'access_token': access_token})}"
        try:
            html = request.env["ir.ui.view"]._render_template(
                "subscription_core.portal_form_expired", {"back_url": back_url}
            )
        except Exception:
            # An error page must not fail: keep Odoo's own answer.
            _logger.exception("Could not render the expired form page")
            return response
        response = Response(html, status=400, content_type="text/html;charset=utf-8")
        cls._post_dispatch(response)
        return response

    @classmethod
    def _subscription_expired_form_match(cls, exception):
        """The path match when ``exception`` is a CSRF refusal of a
        subscription form shown to a web page visitor, else None."""
        if not isinstance(exception, BadRequest) or not getattr(request, "is_frontend", False):
            return None
        httprequest = request.httprequest
        if httprequest.method != "POST":
            return None
        match = SUBSCRIPTION_FORM_PATH.match(httprequest.path)
        if not match or request.validate_csrf(httprequest.form.get("csrf_token")):
            return None
        return match
