# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Customer portal, the pages: home counter, list and detail of subscriptions,
and the access check every subscription route goes through.

Every route reads the subscription through ``_document_check_access`` (record
rules for logged-in customers, the access token otherwise) and then acts in sudo
mode on that one record only. A refused page answers with Odoo's own error
pages: 404 when the subscription does not exist, 403 when it belongs to someone
else or the token is wrong; a visitor who is not signed in and has no token is
sent to the login page and back.
"""

import werkzeug.exceptions
from werkzeug.urls import url_encode

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.osv import expression

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

ONGOING_STATES = ("trial", "active", "past_due", "paused", "suspended")
ENDED_STATES = ("cancelled", "expired")


class SubscriptionPortalPages(CustomerPortal):
    """Read-only pages. The self-service routes are in ``portal_actions``;
    ``portal.SubscriptionPortal`` is the class to inherit."""

    _subscription_history_key = "my_subscriptions_history"

    # ------------------------------------------------------------
    # Home page counter
    # ------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "subscription_count" in counters:
            Subscription = request.env["subscription.subscription"]
            values["subscription_count"] = (
                Subscription.search_count(
                    self._prepare_subscriptions_domain(request.env.user.partner_id)
                )
                if Subscription.has_access("read")
                else 0
            )
        return values

    # ------------------------------------------------------------
    # List
    # ------------------------------------------------------------

    def _prepare_subscriptions_domain(self, partner):
        """Subscriptions of the partner's commercial entity (record rules apply on top)."""
        return [("commercial_partner_id", "=", partner.commercial_partner_id.id)]

    def _get_subscription_searchbar_sortings(self):
        return {
            "newest": {"label": request.env._("Newest"), "order": "id desc"},
            "name": {"label": request.env._("Reference"), "order": "name asc, id desc"},
            "renewal": {
                "label": request.env._("Next Renewal"),
                "order": "current_period_end asc, id desc",
            },
            "state": {"label": request.env._("Status"), "order": "state asc, id desc"},
        }

    def _get_subscription_searchbar_filters(self):
        return {
            "all": {"label": request.env._("All"), "domain": []},
            "active": {
                "label": request.env._("Ongoing"),
                "domain": [("state", "in", ONGOING_STATES)],
            },
            "ended": {"label": request.env._("Ended"), "domain": [("state", "in", ENDED_STATES)]},
        }

    def _get_subscription_list_fields(self):
        """Fields read for the list page: only what the table displays."""
        return [
            "name",
            "state",
            "tier_id",
            "cycle_id",
            "quantity",
            "recurring_amount",
            "currency_id",
            "current_period_end",
            "cancel_at_period_end",
        ]

    def _prepare_subscriptions_portal_rendering_values(
        self, page=1, sortby=None, filterby=None, **_kwargs
    ):
        Subscription = request.env["subscription.subscription"]
        values = self._prepare_portal_layout_values()
        searchbar_sortings = self._get_subscription_searchbar_sortings()
        searchbar_filters = self._get_subscription_searchbar_filters()
        if sortby not in searchbar_sortings:
            sortby = "newest"
        if filterby not in searchbar_filters:
            filterby = "all"
        domain = expression.AND(
            [
                self._prepare_subscriptions_domain(request.env.user.partner_id),
                searchbar_filters[filterby]["domain"],
            ]
        )
        url = "/my/subscriptions"
        pager_values = portal_pager(
            url=url,
            total=Subscription.search_count(domain),
            page=page,
            step=self._items_per_page,
            url_args={"sortby": sortby, "filterby": filterby},
        )
        # search_read: one query for the rows, one per many2one model for the
        # names, whatever the number of subscriptions on the page.
        subscriptions = Subscription.search_read(
            domain,
            self._get_subscription_list_fields(),
            order=searchbar_sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager_values["offset"],
        )
        currency_ids = {sub["currency_id"][0] for sub in subscriptions if sub["currency_id"]}
        # Browsing the ids together lets the monetary widget fetch them in one query.
        currencies = request.env["res.currency"].browse(currency_ids)
        values.update(
            {
                "subscriptions": subscriptions,
                "currencies": {currency.id: currency for currency in currencies},
                "state_labels": self._get_subscription_state_labels(),
                "page_name": "subscription",
                "pager": pager_values,
                "default_url": url,
                "searchbar_sortings": searchbar_sortings,
                "sortby": sortby,
                "searchbar_filters": searchbar_filters,
                "filterby": filterby,
            }
        )
        return values

    @http.route(
        ["/my/subscriptions", "/my/subscriptions/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_subscriptions(self, **kwargs):
        values = self._prepare_subscriptions_portal_rendering_values(**kwargs)
        request.session[self._subscription_history_key] = [
            sub["id"] for sub in values["subscriptions"]
        ][:100]
        return request.render("subscription_core.portal_my_subscriptions", values)

    # ------------------------------------------------------------
    # Detail
    # ------------------------------------------------------------

    @http.route(
        "/my/subscriptions/<int:subscription_id>",
        type="http",
        auth="public",
        website=True,
    )
    def portal_subscription_page(self, subscription_id, access_token=None, message=None, **_kwargs):
        subscription_sudo = self._get_subscription_or_refuse(subscription_id, access_token)
        return self._render_subscription_page(subscription_sudo, access_token, message=message)

    def _render_subscription_page(self, subscription_sudo, access_token, message=None, error=None):
        values = self._prepare_subscription_page_values(
            subscription_sudo, access_token, message=message, error=error
        )
        return request.render("subscription_core.subscription_portal_template", values)

    def _prepare_subscription_page_values(
        self, subscription_sudo, access_token, message=None, error=None
    ):
        """Rendering values of the detail page; extend to show more."""
        events = (
            request.env["subscription.event"]
            .sudo()
            .search(
                [("subscription_id", "=", subscription_sudo.id)],
                order="effective_date desc, id desc",
                limit=50,
            )
        )
        values = self._prepare_subscription_common_values(subscription_sudo, access_token)
        values.update(
            {
                "events": events,
                "actions": self._get_subscription_portal_actions(subscription_sudo),
                "success": self._get_subscription_portal_messages().get(message),
                "error": error,
                "today": fields.Date.context_today(subscription_sudo),
            }
        )
        return self._get_page_view_values(
            subscription_sudo, access_token, values, self._subscription_history_key, False
        )

    def _prepare_subscription_common_values(self, subscription_sudo, access_token):
        return {
            "page_name": "subscription",
            "subscription": subscription_sudo,
            "access_token": access_token,
            "state_labels": self._get_subscription_state_labels(),
            "portal_url": lambda suffix="", **params: self._get_subscription_portal_url(
                subscription_sudo, access_token, suffix, **params
            ),
            "res_company": subscription_sudo.company_id,
        }

    def _get_subscription_portal_messages(self):
        """Texts of the confirmations shown after a redirect (``?message=<key>``)."""
        return {
            "plan_changed": request.env._("Your plan has been changed."),
            "change_scheduled": request.env._(
                "Your plan change is scheduled for the end of the current period."
            ),
            "paused": request.env._("Your subscription is paused."),
            "resumed": request.env._("Your subscription has been resumed."),
            "reactivated": request.env._("Your subscription will continue. Welcome back!"),
            "cancel_scheduled": request.env._(
                "Your subscription will end at the end of the current period."
            ),
            "cancelled": request.env._("Your subscription has been cancelled."),
            "change_undone": request.env._(
                "The scheduled plan change has been withdrawn: your current plan continues."
            ),
        }

    def _get_subscription_portal_actions(self, subscription_sudo):
        """Return the self-service actions offered for this subscription.

        The keys are ``change``, ``pause``, ``resume``, ``cancel``,
        ``reactivate`` (undo a scheduled cancellation) and ``undo_change``
        (drop a plan change scheduled for the end of the period). Each
        self-service route refuses an action that is not in this set, so
        overriding it is enough to offer more or fewer. The model still
        validates every action.
        """
        state = subscription_sudo.state
        if state in ENDED_STATES or state == "draft":
            return set()
        actions = set()
        if subscription_sudo.has_pending_change:
            actions.add("undo_change")
        if subscription_sudo.cancel_at_period_end:
            return actions | {"reactivate"}
        if state in ("trial", "active"):
            actions |= {"change", "cancel"}
        if state == "active":
            actions.add("pause")
        if state == "paused":
            actions |= {"resume", "cancel"}
        if state == "past_due":
            actions.add("cancel")
        return actions

    # ------------------------------------------------------------
    # Access and helpers
    # ------------------------------------------------------------

    def _get_subscription_checked(self, subscription_id, access_token):
        """Return the subscription in sudo mode if the current user may read it
        or ``access_token`` matches, else an empty value.

        ``_document_check_access`` returns the record as the superuser; we keep
        the current user (in sudo mode) so that the event ledger and the chatter
        record who acted.
        """
        try:
            document = self._document_check_access(
                "subscription.subscription", subscription_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return None
        return request.env["subscription.subscription"].sudo().browse(document.id)

    def _get_subscription_or_refuse(self, subscription_id, access_token):
        """Return the subscription (sudo) as ``_get_subscription_checked`` does,
        or end the request the way Odoo answers for a document one may not see:

        - the subscription does not exist: Odoo's 404 page;
        - a visitor who is not signed in and has no token: the login page,
          then back to the subscription;
        - otherwise (another customer's subscription, a wrong token): Odoo's
          403 page.

        :raise werkzeug.exceptions.HTTPException: when refused.
        """
        subscription_sudo = self._get_subscription_checked(subscription_id, access_token)
        if subscription_sudo:
            return subscription_sudo
        if not request.env["subscription.subscription"].sudo().browse(subscription_id).exists():
            raise werkzeug.exceptions.NotFound()
        if request.env.user._is_public() and not access_token:
            werkzeug.exceptions.abort(
                request.redirect_query(
                    "/web/login", {"redirect": f"/my/subscriptions/{subscription_id}"}
                )
            )
        raise werkzeug.exceptions.Forbidden()

    def _get_subscription_portal_url(
        self, subscription_sudo, access_token=None, suffix="", **params
    ):
        if access_token:
            params["access_token"] = access_token
        url = f"/my/subscriptions/{subscription_sudo.id}{suffix}"
        return f"{url}?{url_encode(params)}" if params else url

    def _get_subscription_state_labels(self):
        field = request.env["subscription.subscription"].fields_get(["state"], ["selection"])
        return dict(field["state"]["selection"])

    @staticmethod
    def _parse_portal_id(value):
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
