# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Customer portal: list, detail and self-service pages of subscriptions.

Every route reads the subscription through ``_document_check_access`` (record
rules for logged-in customers, the access token otherwise) and then acts in sudo
mode on that one record only. Only ids, quantities, dates and free text are read
from the browser: prices always come from the catalog.
"""

import re

from werkzeug.urls import url_encode

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.osv import expression

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

ONGOING_STATES = ("trial", "active", "past_due", "paused", "suspended")
ENDED_STATES = ("cancelled", "expired")
ADDON_INPUT = re.compile(r"^addon_(\d+)$")
# Well below PostgreSQL's int4 limit: a typo must give a message, not a crash.
MAX_PORTAL_QUANTITY = 1000000


class SubscriptionPortal(CustomerPortal):
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
        subscription_sudo = self._get_subscription_checked(subscription_id, access_token)
        if not subscription_sudo:
            return request.redirect("/my")
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
        }

    def _get_subscription_portal_actions(self, subscription_sudo):
        """Return the self-service actions offered for this subscription.

        The keys are ``change``, ``pause``, ``resume``, ``cancel`` and
        ``reactivate``. Each self-service route refuses an action that is not
        in this set, so overriding it is enough to offer more or fewer.
        The model still validates every action.
        """
        state = subscription_sudo.state
        if state in ENDED_STATES or state == "draft":
            return set()
        if subscription_sudo.cancel_at_period_end:
            return {"reactivate"}
        actions = set()
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
    # Change plan: form, preview, confirmation
    # ------------------------------------------------------------

    @http.route(
        "/my/subscriptions/<int:subscription_id>/change",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
    )
    def portal_subscription_change(self, subscription_id, access_token=None, **kwargs):
        subscription_sudo = self._get_subscription_checked(subscription_id, access_token)
        if not subscription_sudo:
            return request.redirect("/my")
        if "change" not in self._get_subscription_portal_actions(subscription_sudo):
            return request.redirect(
                self._get_subscription_portal_url(subscription_sudo, access_token)
            )
        # Coming back from the preview page: keep the customer's choices.
        data = kwargs if "tier_id" in kwargs else None
        return self._render_subscription_change(subscription_sudo, access_token, data)

    @http.route(
        "/my/subscriptions/<int:subscription_id>/change/preview",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_change_preview(self, subscription_id, access_token=None, **post):
        subscription_sudo = self._get_subscription_checked(subscription_id, access_token)
        if not subscription_sudo:
            return request.redirect("/my")
        options = self._prepare_subscription_change_options(subscription_sudo)
        try:
            self._check_subscription_portal_action(subscription_sudo, "change")
            choices = self._parse_subscription_change(options, post)
            preview = subscription_sudo.preview_change(**choices)
        except (UserError, ValueError) as error:  # ValidationError is a UserError
            return self._render_subscription_change(
                subscription_sudo,
                access_token,
                post,
                error=self._error_message(error),
                options=options,
            )
        values = self._prepare_subscription_common_values(subscription_sudo, access_token)
        values.update(
            {
                "subscription_step": request.env._("Change plan"),
                "preview": preview,
                "choices": choices,
                "new_tier": options["tiers"].filtered(lambda t: t.id == choices["tier_id"]),
                "new_cycle": options["cycles"].filtered(lambda c: c.id == choices["cycle_id"]),
                "currency": subscription_sudo.currency_id,
                "back_url": self._get_subscription_portal_url(
                    subscription_sudo,
                    access_token,
                    "/change",
                    **self._get_subscription_change_query(choices),
                ),
            }
        )
        return request.render("subscription_core.subscription_portal_change_preview", values)

    @http.route(
        "/my/subscriptions/<int:subscription_id>/change/confirm",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_change_confirm(self, subscription_id, access_token=None, **post):
        subscription_sudo = self._get_subscription_checked(subscription_id, access_token)
        if not subscription_sudo:
            return request.redirect("/my")
        options = self._prepare_subscription_change_options(subscription_sudo)
        try:
            self._check_subscription_portal_action(subscription_sudo, "change")
            choices = self._parse_subscription_change(options, post)
            with request.env.cr.savepoint():
                result = subscription_sudo.change_plan(**choices)
        except (UserError, ValueError) as error:
            return self._render_subscription_change(
                subscription_sudo,
                access_token,
                post,
                error=self._error_message(error),
                options=options,
            )
        scheduled = isinstance(result, dict) and result.get("effective") == "period_end"
        return request.redirect(
            self._get_subscription_portal_url(
                subscription_sudo,
                access_token,
                message="change_scheduled" if scheduled else "plan_changed",
            )
        )

    def _render_subscription_change(
        self, subscription_sudo, access_token, data, error=None, options=None
    ):
        options = options or self._prepare_subscription_change_options(subscription_sudo)
        values = self._prepare_subscription_common_values(subscription_sudo, access_token)
        values.update(options)
        values.update(
            {
                "subscription_step": request.env._("Change plan"),
                "form": self._get_subscription_change_form(subscription_sudo, data),
                "error": error,
            }
        )
        return request.render("subscription_core.subscription_portal_change", values)

    def _prepare_subscription_change_options(self, subscription_sudo):
        """What the customer may choose from, with catalog prices for display.

        Tiers and cycles are those of the subscription's company with a
        catalog price in its currency (the current ones are always listed).

        :return: dict with ``tiers``, ``cycles``, ``addons`` (recordsets, sudo)
            and ``tier_prices``/``addon_prices`` ({id: amount} for the
            subscription's current cycle and currency).
        """
        env = request.env
        company = subscription_sudo.company_id
        cycle = subscription_sudo.cycle_id
        tiers = env["subscription.tier"].sudo().search([("company_id", "in", [False, company.id])])
        addons = tiers.addon_ids.filtered("active")
        prices = (
            env["subscription.price"]
            .sudo()
            .search(
                [
                    "|",
                    ("tier_id", "in", tiers.ids),
                    ("addon_id", "in", addons.ids),
                    ("currency_id", "=", subscription_sudo.currency_id.id),
                ]
            )
        )
        tier_prices = prices.filtered("tier_id")
        tiers = tiers.filtered(lambda t: t in tier_prices.tier_id or t == subscription_sudo.tier_id)
        cycles = (tier_prices.cycle_id.filtered("active") | cycle).sorted()
        current_prices = prices.filtered(lambda p: p.cycle_id == cycle)
        return {
            "tiers": tiers,
            "cycles": cycles,
            "addons": addons.filtered(lambda a: a.tier_ids & tiers),
            "tier_prices": {p.tier_id.id: p.amount for p in current_prices if p.tier_id},
            "addon_prices": {p.addon_id.id: p.amount for p in current_prices if p.addon_id},
        }

    def _get_subscription_change_form(self, subscription_sudo, data=None):
        """Values to fill the change form with: ``data`` (what the customer
        posted) when given, else the current plan."""
        if data is None:
            return {
                "tier_id": subscription_sudo.tier_id.id,
                "cycle_id": subscription_sudo.cycle_id.id,
                "quantity": subscription_sudo.quantity,
                "addons": {
                    line.addon_id.id: line.quantity for line in subscription_sudo.addon_line_ids
                },
            }
        addons = {}
        for key, value in data.items():
            match = ADDON_INPUT.match(key)
            if match:
                addons[int(match.group(1))] = value
        return {
            "tier_id": self._parse_portal_id(data.get("tier_id")),
            "cycle_id": self._parse_portal_id(data.get("cycle_id")),
            "quantity": data.get("quantity", ""),
            "addons": addons,
        }

    def _parse_subscription_change(self, options, data):
        """Turn the posted change form into ``preview_change``/``change_plan``
        arguments.

        Only ids and quantities are read; any price or amount in ``data`` is
        ignored. The add-on set is the whole desired set (what is not posted
        is removed), as the model expects.

        :raise UserError: on any invalid choice.
        """
        tier_id = self._parse_portal_id(data.get("tier_id"))
        tier = options["tiers"].filtered(lambda t: t.id == tier_id)
        if not tier:
            raise UserError(request.env._("Please choose one of the plans offered."))
        cycle_id = self._parse_portal_id(data.get("cycle_id"))
        cycle = options["cycles"].filtered(lambda c: c.id == cycle_id)
        if not cycle:
            raise UserError(request.env._("Please choose one of the billing cycles offered."))
        quantity = self._parse_portal_quantity(data.get("quantity"), request.env._("Seats"))
        offered_addons = {addon.id: addon for addon in options["addons"]}
        addons = {}
        for key, value in data.items():
            match = ADDON_INPUT.match(key)
            if not match:
                continue
            addon = offered_addons.get(int(match.group(1)))
            if not addon:
                raise UserError(request.env._("This add-on is not available."))
            value = str(value).strip()
            if not value:  # an empty quantity field: none
                continue
            quantity_addon = self._parse_portal_quantity(value, addon.name, minimum=0)
            if not quantity_addon:
                continue
            if addon not in tier.addon_ids:
                raise UserError(
                    request.env._(
                        "The add-on %(addon)s is not available with the %(tier)s plan.",
                        addon=addon.name,
                        tier=tier.name,
                    )
                )
            addons[addon.id] = quantity_addon if addon.per_unit else 1
        return {
            "tier_id": tier.id,
            "cycle_id": cycle.id,
            "quantity": quantity,
            "addons": addons,
        }

    def _get_subscription_change_query(self, choices):
        query = {
            "tier_id": choices["tier_id"],
            "cycle_id": choices["cycle_id"],
            "quantity": choices["quantity"],
        }
        query.update({f"addon_{addon_id}": qty for addon_id, qty in choices["addons"].items()})
        return query

    # ------------------------------------------------------------
    # Pause, resume, reactivate, cancel
    # ------------------------------------------------------------

    @http.route(
        "/my/subscriptions/<int:subscription_id>/pause",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_pause(self, subscription_id, access_token=None, until=None, **_post):
        def pause(subscription_sudo):
            try:
                until_date = fields.Date.to_date(until) if until else None
            except ValueError:
                raise UserError(request.env._("Please enter a valid resume date.")) from None
            subscription_sudo.action_pause(until=until_date)

        return self._do_subscription_portal_action(
            subscription_id, access_token, "pause", pause, "paused"
        )

    @http.route(
        "/my/subscriptions/<int:subscription_id>/resume",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_resume(self, subscription_id, access_token=None, **_post):
        return self._do_subscription_portal_action(
            subscription_id,
            access_token,
            "resume",
            lambda subscription_sudo: subscription_sudo.action_resume(),
            "resumed",
        )

    @http.route(
        "/my/subscriptions/<int:subscription_id>/reactivate",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_reactivate(self, subscription_id, access_token=None, **_post):
        return self._do_subscription_portal_action(
            subscription_id,
            access_token,
            "reactivate",
            lambda subscription_sudo: subscription_sudo.action_undo_cancel(),
            "reactivated",
        )

    @http.route(
        "/my/subscriptions/<int:subscription_id>/cancel",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_subscription_cancel(self, subscription_id, access_token=None, **post):
        subscription_sudo = self._get_subscription_checked(subscription_id, access_token)
        if not subscription_sudo:
            return request.redirect("/my")
        if "cancel" not in self._get_subscription_portal_actions(subscription_sudo):
            if request.httprequest.method == "POST":
                return self._render_subscription_page(
                    subscription_sudo, access_token, error=self._action_unavailable_message()
                )
            return request.redirect(
                self._get_subscription_portal_url(subscription_sudo, access_token)
            )
        reasons = (
            request.env["subscription.cancel.reason"].sudo().search([("kind", "=", "voluntary")])
        )
        error = None
        if request.httprequest.method == "POST":
            at_period_end = post.get("when") != "now"
            try:
                reason_id = self._parse_portal_id(post.get("reason_id"))
                reason = reasons.filtered(lambda r: r.id == reason_id)
                if not reason:
                    raise UserError(request.env._("Please tell us why you are cancelling."))
                feedback = (post.get("feedback") or "").strip() or None
                with request.env.cr.savepoint():
                    subscription_sudo.action_cancel(
                        reason.id, feedback=feedback, at_period_end=at_period_end
                    )
            except (UserError, ValueError) as exc:
                error = self._error_message(exc)
            else:
                return request.redirect(
                    self._get_subscription_portal_url(
                        subscription_sudo,
                        access_token,
                        message="cancel_scheduled" if at_period_end else "cancelled",
                    )
                )
        values = self._prepare_subscription_common_values(subscription_sudo, access_token)
        values.update(
            {
                "subscription_step": request.env._("Cancel"),
                "reasons": reasons,
                "form": {
                    "reason_id": self._parse_portal_id(post.get("reason_id")),
                    "feedback": post.get("feedback") or "",
                    "when": "now" if post.get("when") == "now" else "period_end",
                },
                "error": error,
            }
        )
        return request.render("subscription_core.subscription_portal_cancel", values)

    def _do_subscription_portal_action(
        self, subscription_id, access_token, action, callback, message
    ):
        """Check access, check ``action`` is offered, run ``callback`` on the
        sudo'ed record in a savepoint and redirect to the detail page; on a
        business error show it on the detail page, nothing written."""
        subscription_sudo = self._get_subscription_checked(subscription_id, access_token)
        if not subscription_sudo:
            return request.redirect("/my")
        try:
            self._check_subscription_portal_action(subscription_sudo, action)
            with request.env.cr.savepoint():
                callback(subscription_sudo)
        except (UserError, ValueError) as error:
            return self._render_subscription_page(
                subscription_sudo, access_token, error=self._error_message(error)
            )
        return request.redirect(
            self._get_subscription_portal_url(subscription_sudo, access_token, message=message)
        )

    # ------------------------------------------------------------
    # Helpers
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

    def _check_subscription_portal_action(self, subscription_sudo, action):
        if action not in self._get_subscription_portal_actions(subscription_sudo):
            raise UserError(self._action_unavailable_message())

    def _action_unavailable_message(self):
        return request.env._("This action is not available for this subscription.")

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

    @staticmethod
    def _parse_portal_quantity(value, label, minimum=1):
        try:
            number = int(str(value).strip())
        except ValueError:
            raise UserError(
                request.env._("%(label)s: please enter a whole number.", label=label)
            ) from None
        if number < minimum:
            raise UserError(
                request.env._(
                    "%(label)s: the quantity must be at least %(minimum)s.",
                    label=label,
                    minimum=minimum,
                )
            )
        if number > MAX_PORTAL_QUANTITY:
            raise UserError(
                request.env._(
                    "%(label)s: the quantity cannot exceed %(maximum)s.",
                    label=label,
                    maximum=MAX_PORTAL_QUANTITY,
                )
            )
        return number

    @staticmethod
    def _error_message(error):
        if isinstance(error, UserError):
            return error.args[0] if error.args else str(error)
        return str(error)
