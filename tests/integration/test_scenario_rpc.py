# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Suite-wide scenarios over Odoo's external API, as an integrator runs them.

The calls go over the wire to the test server (pytest-odoo's ``--odoo-http``):
JSON-RPC on ``/jsonrpc`` and XML-RPC on ``/xmlrpc/2/``, both ending in
``odoo.service.model.execute_kw`` with a login and a password. The HttpCase
registry is in test mode, so every request runs inside the test transaction
and is rolled back with it. The renewal engine is not callable over RPC (its
method is private): the scheduler's job is run in-process, under a frozen
clock, as the cron worker would run it.
"""

import json
import xmlrpc.client
from contextlib import contextmanager
from datetime import date, datetime
from unittest.mock import patch

from freezegun.api import FakeDate, FakeDatetime

from odoo import Command
from odoo.exceptions import AccessError
from odoo.service import model as service_model
from odoo.tests import HttpCase, freeze_time, get_db_name
from odoo.tools import mute_logger

from odoo.addons.base.controllers.rpc import OdooMarshaller

CRON_XMLID = "subscription_core.ir_cron_subscription_process_due"
SUB = "subscription.subscription"
# What a refusal may look like: an access error, or a user error for the
# ledger's own "cannot be changed" guard. Never a crash (faultCode 1).
XMLRPC_ACCESS_ERROR = 4
XMLRPC_USER_ERROR = 2
REFUSALS = {"odoo.exceptions.AccessError", "odoo.exceptions.UserError"}


class RpcError(Exception):
    """An error answer of the JSON-RPC endpoint."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class JsonRpcClient:
    """A minimal external JSON-RPC client, like an integrator's."""

    def __init__(self, case, login, password):
        self.case = case
        self.db = get_db_name()
        self.password = password
        self._id = 0
        self.uid = self._call("common", "authenticate", [self.db, login, password, {}])
        case.assertTrue(self.uid, f"{login} cannot authenticate over JSON-RPC")

    def _call(self, service, method, args):
        self._id += 1
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": self._id,
            "params": {"service": service, "method": method, "args": args},
        }
        response = self.case.url_open(
            "/jsonrpc", data=json.dumps(payload), headers={"Content-Type": "application/json"}
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            data = body["error"].get("data", {})
            raise RpcError(data.get("name", ""), data.get("message", body["error"]["message"]))
        return body["result"]

    def __call__(self, model, method, *args, **kwargs):
        return self._call(
            "object",
            "execute_kw",
            [self.db, self.uid, self.password, model, method, list(args), kwargs],
        )


class TestScenarioRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        group_ids = [
            cls.env.ref(xmlid).id
            for xmlid in (
                "base.group_user",
                "base.group_partner_manager",
                "product.group_product_manager",
                "subscription_core.group_subscription_manager",
            )
        ]
        cls.integrator = Users.create(
            {
                "name": "API Integrator",
                "login": "scenario_api",
                "password": "scenario_api_pw",
                "email": "api@example.com",
                "groups_id": [Command.set(group_ids)],
            }
        )
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.password = "scenario_admin_pw"
        cls.portal_company = cls.env["res.partner"].create(
            {"name": "Portal Customer Inc.", "is_company": True}
        )
        cls.portal_partner = cls.env["res.partner"].create(
            {"name": "Pat Portal", "email": "pat@example.com", "parent_id": cls.portal_company.id}
        )
        cls.portal_user = Users.create(
            {
                "name": "Pat Portal",
                "login": "scenario_portal",
                "password": "scenario_portal_pw",
                "partner_id": cls.portal_partner.id,
                "groups_id": [Command.set([cls.env.ref("base.group_portal").id])],
            }
        )
        cls.cron = cls.env.ref(CRON_XMLID)

    def setUp(self):
        super().setUp()
        self.api = JsonRpcClient(self, "scenario_api", "scenario_api_pw")

    # -- helpers -------------------------------------------------------------

    def _build_catalog(self, rpc):
        """Monthly cycle, a Starter and a Growth tier (14-day trial), a seat
        add-on and a cancellation reason, all created over RPC."""
        currency_id = rpc("res.company", "read", [self.env.company.id], ["currency_id"])[0][
            "currency_id"
        ][0]
        cycle = rpc(
            "subscription.cycle",
            "create",
            {"name": "RPC Monthly", "interval_unit": "month", "interval_count": 1},
        )
        catalog = {"cycle": cycle, "currency": currency_id}
        for key, model, vals, amount in (
            ("seats", "subscription.addon", {"name": "RPC Seats", "per_unit": True}, 4.0),
            (
                "starter",
                "subscription.tier",
                {"name": "RPC Starter", "code": "rpc-starter", "sequence": 10},
                10.0,
            ),
            (
                "growth",
                "subscription.tier",
                {"name": "RPC Growth", "code": "rpc-growth", "sequence": 20, "trial_days": 14},
                30.0,
            ),
        ):
            product = rpc("product.product", "create", {"name": vals["name"], "type": "service"})
            catalog[key] = rpc(model, "create", {**vals, "product_id": product})
            field = "tier_id" if model == "subscription.tier" else "addon_id"
            rpc(
                "subscription.price",
                "create",
                {
                    field: catalog[key],
                    "cycle_id": cycle,
                    "currency_id": currency_id,
                    "amount": amount,
                },
            )
        rpc(
            "subscription.tier",
            "write",
            [catalog["starter"], catalog["growth"]],
            {"addon_ids": [Command.set([catalog["seats"]])]},
        )
        catalog["reason"] = rpc(
            "subscription.cancel.reason",
            "create",
            {"name": "RPC: not using it", "kind": "voluntary"},
        )
        return catalog

    def _run_cron(self, day):
        """The cron worker runs the renewal engine on ``day``."""
        # RPC requests wrote through their own cursor: drop this cache.
        self.env.invalidate_all()
        with freeze_time(day):
            self.cron.method_direct_trigger()
        self.env.flush_all()

    @contextmanager
    def _frozen_for_xmlrpc(self, day):
        """freeze_time for XML-RPC answers: under freezegun, "today" is a
        FakeDate, which Odoo's XML-RPC marshaller (dispatching on the exact
        type) does not know; a real server returns plain dates. Teach it
        the fakes for the duration only."""
        fakes = {
            FakeDate: OdooMarshaller.dispatch[date],
            FakeDatetime: OdooMarshaller.dispatch[datetime],
        }
        with freeze_time(day), patch.dict(OdooMarshaller.dispatch, fakes):
            yield

    def _read(self, rpc, sub_id, fields):
        return rpc(SUB, "read", [sub_id], fields)[0]

    def _new_started(self, rpc, catalog, partner_id, day="2026-01-31", **vals):
        with freeze_time(day):
            sub_id = rpc(
                SUB,
                "create",
                {
                    "partner_id": partner_id,
                    "tier_id": catalog["starter"],
                    "cycle_id": catalog["cycle"],
                    "date_start": day,
                    **vals,
                },
            )
            self.assertIs(rpc(SUB, "action_start", [sub_id]), True)
        return sub_id

    def assertRpcRefused(self, call, names=REFUSALS):
        with mute_logger("odoo.http"), self.assertRaises(RpcError) as caught:
            call()
        self.assertIn(caught.exception.name, names, caught.exception.message)
        return caught.exception

    def assertXmlRpcRefused(self, call, codes=(XMLRPC_ACCESS_ERROR, XMLRPC_USER_ERROR)):
        with mute_logger("odoo.http"), self.assertRaises(xmlrpc.client.Fault) as caught:
            call()
        self.assertIn(caught.exception.faultCode, codes, caught.exception.faultString)
        return caught.exception

    # -- scenarios -----------------------------------------------------------

    def test_lifecycle_over_jsonrpc(self):
        api = self.api
        catalog = self._build_catalog(api)
        partner_id = api(
            "res.partner", "create", {"name": "RPC Customer", "email": "rpc.customer@example.com"}
        )
        with freeze_time("2026-01-17"):
            sub_id = api(
                SUB,
                "create",
                {
                    "partner_id": partner_id,
                    "tier_id": catalog["growth"],
                    "cycle_id": catalog["cycle"],
                    "quantity": 2,
                    "source": "api",
                },
            )
            self.assertIs(api(SUB, "action_start", [sub_id]), True)
        sub = self._read(
            api,
            sub_id,
            [
                "name",
                "state",
                "source",
                "date_start",
                "trial_end_date",
                "current_period_end",
                "mrr",
                "access_url",
            ],
        )
        self.assertEqual(
            {
                k: sub[k]
                for k in (
                    "state",
                    "source",
                    "date_start",
                    "trial_end_date",
                    "current_period_end",
                    "mrr",
                )
            },
            {
                "state": "trial",
                "source": "api",
                "date_start": "2026-01-17",
                "trial_end_date": "2026-01-31",
                "current_period_end": "2026-01-31",
                "mrr": 0.0,
            },
        )
        self.assertNotEqual(sub["name"], "/", "the reference comes from the sequence")
        self.assertEqual(sub["access_url"], f"/my/subscriptions/{sub_id}")
        self.assertEqual(
            api("res.partner", "read", [partner_id], ["lifecycle_stage"])[0]["lifecycle_stage"],
            "trial",
        )

        self._run_cron(date(2026, 1, 31))
        sub = self._read(
            api,
            sub_id,
            [
                "state",
                "current_period_start",
                "current_period_end",
                "recurring_amount",
                "mrr",
                "next_action_date",
            ],
        )
        self.assertEqual(
            sub,
            {
                "id": sub_id,
                "state": "active",
                "current_period_start": "2026-01-31",
                "current_period_end": "2026-02-28",
                "recurring_amount": 60.0,
                "mrr": 60.0,
                "next_action_date": "2026-02-28",
            },
        )

        # Downgrade at period end, applied by the engine on 28 Feb.
        with freeze_time("2026-02-10"):
            preview = api(SUB, "preview_change", [sub_id], tier_id=catalog["starter"])
            result = api(SUB, "change_plan", [sub_id], tier_id=catalog["starter"])
        self.assertEqual(result, preview)
        self.assertEqual(
            (preview["change_type"], preview["effective"], preview["effective_date"]),
            ("downgrade", "period_end", "2026-02-28"),
        )
        self.assertTrue(self._read(api, sub_id, ["has_pending_change"])["has_pending_change"])
        self._run_cron(date(2026, 2, 28))
        sub = self._read(
            api,
            sub_id,
            ["tier_id", "current_period_start", "current_period_end", "mrr", "has_pending_change"],
        )
        self.assertEqual(sub["tier_id"][0], catalog["starter"])
        self.assertEqual(
            (sub["current_period_start"], sub["current_period_end"]), ("2026-02-28", "2026-03-31")
        )
        self.assertEqual(sub["mrr"], 20.0)
        self.assertFalse(sub["has_pending_change"])

        # Seats add-on now (keys of the add-on mapping are strings in JSON).
        with freeze_time("2026-03-16"):
            result = api(SUB, "change_plan", [sub_id], addons={str(catalog["seats"]): 3})
        self.assertEqual((result["change_type"], result["effective"]), ("upgrade", "now"))
        self.assertEqual(self._read(api, sub_id, ["mrr"])["mrr"], 32.0)

        # Pause with a date as a string, resume by hand.
        with freeze_time("2026-03-20"):
            self.assertIs(api(SUB, "action_pause", [sub_id], until="2026-04-20"), True)
            self.assertEqual(
                self._read(api, sub_id, ["state", "pause_until"]),
                {"id": sub_id, "state": "paused", "pause_until": "2026-04-20"},
            )
        with freeze_time("2026-03-25"):
            api(SUB, "action_resume", [sub_id])
        sub = self._read(api, sub_id, ["state", "current_period_start", "current_period_end"])
        self.assertEqual(
            (sub["state"], sub["current_period_start"], sub["current_period_end"]),
            ("active", "2026-03-25", "2026-04-25"),
        )

        # Cancellation at period end: the reason is a positional argument.
        with freeze_time("2026-04-01"):
            api(SUB, "action_cancel", [sub_id], catalog["reason"], feedback="Moving on")
        self.assertTrue(self._read(api, sub_id, ["cancel_at_period_end"])["cancel_at_period_end"])
        self._run_cron(date(2026, 4, 25))
        sub = self._read(api, sub_id, ["state", "cancel_date", "cancel_reason_id", "mrr"])
        self.assertEqual(
            (sub["state"], sub["cancel_date"], sub["cancel_reason_id"][0], sub["mrr"]),
            ("cancelled", "2026-04-25", catalog["reason"], 0.0),
        )
        partner = api(
            "res.partner",
            "read",
            [partner_id],
            ["lifecycle_stage", "mrr", "churn_date", "subscription_count"],
        )[0]
        self.assertEqual(
            {k: partner[k] for k in ("lifecycle_stage", "mrr", "churn_date")},
            {"lifecycle_stage": "churned", "mrr": 0.0, "churn_date": "2026-04-25"},
        )

        with freeze_time("2026-05-02"):
            api(SUB, "action_reactivate", [sub_id])
        sub = self._read(
            api,
            sub_id,
            ["state", "current_period_start", "current_period_end", "mrr", "mrr_company"],
        )
        self.assertEqual(
            (sub["state"], sub["current_period_start"], sub["current_period_end"]),
            ("active", "2026-05-02", "2026-06-02"),
        )
        self.assertEqual(
            api("res.partner", "read", [partner_id], ["lifecycle_stage", "churn_date"])[0],
            {"id": partner_id, "lifecycle_stage": "active", "churn_date": False},
        )

        # The ledger, as an integrator reads it.
        events = api(
            "subscription.event",
            "search_read",
            [("subscription_id", "=", sub_id)],
            ["event_type", "mrr_before", "mrr_after", "mrr_delta", "effective_date"],
            order="id",
        )
        self.assertEqual(
            [e["event_type"] for e in events],
            [
                "created",
                "trial_started",
                "activated",
                "downgraded",
                "renewed",
                "addon_added",
                "paused",
                "resumed",
                "cancel_scheduled",
                "cancelled",
                "reactivated",
            ],
        )
        self.assertAlmostEqual(sum(e["mrr_delta"] for e in events), sub["mrr_company"], places=2)
        for before, after in zip(events, events[1:], strict=False):
            self.assertAlmostEqual(after["mrr_before"], before["mrr_after"], places=2)
        self.assertEqual(
            [e["effective_date"] for e in events if e["event_type"] in ("activated", "renewed")],
            ["2026-01-31", "2026-02-28"],
        )

    def test_preview_change_is_plain_data_on_the_wire(self):
        api = self.api
        catalog = self._build_catalog(api)
        partner_id = api("res.partner", "create", {"name": "RPC Preview Customer"})
        sub_id = self._new_started(api, catalog, partner_id)
        kwargs = {"tier_id": catalog["growth"], "addons": [[catalog["seats"], 2]]}
        with self._frozen_for_xmlrpc("2026-02-14"):
            preview = api(SUB, "preview_change", [sub_id], **kwargs)
            xml_preview = self.xmlrpc_object.execute_kw(
                get_db_name(),
                self.api.uid,
                "scenario_api_pw",
                SUB,
                "preview_change",
                [[sub_id]],
                kwargs,
            )
        self.assertEqual(json.loads(json.dumps(preview)), preview)
        self.assertEqual(xml_preview, preview, "XML-RPC and JSON-RPC answer the same")
        self.assertLessEqual(
            {
                "effective",
                "effective_date",
                "change_type",
                "credit",
                "charge",
                "net",
                "recurring_amount_before",
                "recurring_amount_after",
                "mrr_before",
                "mrr_after",
                "currency_id",
                "lines",
            },
            set(preview),
            "the keys of the documented contract",
        )
        # Dates travel as ISO strings, amounts as numbers, the currency as an id.
        self.assertEqual(preview["effective_date"], "2026-02-14")
        self.assertEqual((preview["effective"], preview["change_type"]), ("now", "upgrade"))
        self.assertEqual(preview["currency_id"], catalog["currency"])
        for key in (
            "credit",
            "charge",
            "net",
            "recurring_amount_before",
            "recurring_amount_after",
            "mrr_before",
            "mrr_after",
        ):
            self.assertIsInstance(preview[key], float, key)
        self.assertEqual(preview["credit"], 5.0, "14 unused days of 28 on 10.00")
        self.assertEqual(preview["charge"], 19.0, "half of 30.00 + 2 x 4.00")
        self.assertEqual(preview["net"], 14.0)
        self.assertEqual(
            [
                {k: line[k] for k in ("name", "quantity", "price_unit", "subtotal")}
                for line in preview["lines"]
            ],
            [
                {"name": "RPC Growth", "quantity": 1, "price_unit": 30.0, "subtotal": 30.0},
                {"name": "RPC Seats", "quantity": 2, "price_unit": 4.0, "subtotal": 8.0},
            ],
        )
        # Writing nothing: the plan and the ledger are unchanged.
        sub = self._read(api, sub_id, ["tier_id", "event_ids", "addon_line_ids"])
        self.assertEqual(sub["tier_id"][0], catalog["starter"])
        self.assertEqual((len(sub["event_ids"]), sub["addon_line_ids"]), (2, []))
        # Bad input is a clear user error, not a crash.
        with freeze_time("2026-02-14"):
            error = self.assertRpcRefused(
                lambda: api(SUB, "preview_change", [sub_id], quantity=0),
                names={"odoo.exceptions.UserError"},
            )
        self.assertIn("at least 1", error.message)

    def test_private_methods_are_refused(self):
        api = self.api
        catalog = self._build_catalog(api)
        partner_id = api("res.partner", "create", {"name": "RPC Private Customer"})
        sub_id = self._new_started(api, catalog, partner_id)
        calls = [
            ("_cron_process_due", [], {}),
            ("_cron_process_due", [[sub_id]], {}),
            ("_log_event", [[sub_id], "cancelled", 0.0], {}),
            ("_log_events", [[sub_id], "renewed", {}], {}),
        ]
        for method, args, kwargs in calls:
            with self.subTest(method=method, wire="json"):
                error = self.assertRpcRefused(
                    lambda m=method, a=args, k=kwargs: api(SUB, m, *a, **k),
                    names={"odoo.exceptions.AccessError"},
                )
                self.assertIn("Private methods", error.message)
            with self.subTest(method=method, wire="xml"):
                fault = self.assertXmlRpcRefused(
                    lambda m=method, a=args, k=kwargs: self.xmlrpc_object.execute_kw(
                        get_db_name(), self.admin.id, "scenario_admin_pw", SUB, m, a, k
                    ),
                    codes=(XMLRPC_ACCESS_ERROR,),
                )
                self.assertIn("Private methods", fault.faultString)
        # The service layer itself refuses them before any call is made.
        Subscription = self.env[SUB]
        for method in ("_cron_process_due", "_log_event", "_process_due"):
            with self.assertRaisesRegex(AccessError, "Private methods"):
                service_model.get_public_method(Subscription, method)
        for method in (
            "action_start",
            "preview_change",
            "change_plan",
            "action_pause",
            "action_resume",
            "action_cancel",
            "action_reactivate",
        ):
            self.assertTrue(service_model.get_public_method(Subscription, method))
        with (
            freeze_time("2026-03-31"),
            mute_logger("odoo.http"),
            self.assertRaisesRegex(AccessError, "Private methods"),
        ):
            service_model.execute_kw(get_db_name(), self.admin.id, SUB, "_cron_process_due", [])
        # Nothing happened: no renewal although 28 Feb and 31 Mar are due.
        events = api(
            "subscription.event",
            "search_read",
            [("subscription_id", "=", sub_id)],
            ["event_type"],
            order="id",
        )
        self.assertEqual([e["event_type"] for e in events], ["created", "activated"])
        self.assertEqual(
            self._read(api, sub_id, ["current_period_end"])["current_period_end"], "2026-02-28"
        )

    def test_event_ledger_is_read_only_over_rpc(self):
        api = self.api
        catalog = self._build_catalog(api)
        partner_id = api("res.partner", "create", {"name": "RPC Ledger Customer"})
        sub_id = self._new_started(api, catalog, partner_id)
        event_fields = ["event_type", "mrr_before", "mrr_after", "mrr_delta", "note"]
        events = api(
            "subscription.event",
            "search_read",
            [("subscription_id", "=", sub_id)],
            event_fields,
            order="id",
        )
        event_id = events[-1]["id"]

        def admin_call(method, *args, **kwargs):
            return self.xmlrpc_object.execute_kw(
                get_db_name(),
                self.admin.id,
                "scenario_admin_pw",
                "subscription.event",
                method,
                list(args),
                kwargs,
            )

        attempts = {
            "write": ([event_id], {"mrr_after": 999.0, "note": "tampered"}),
            "unlink": ([event_id],),
            "create": ({"subscription_id": sub_id, "event_type": "renewed", "mrr_after": 1.0},),
        }
        for method, args in attempts.items():
            with self.subTest(method=method, who="integrator over JSON-RPC"):
                self.assertRpcRefused(lambda m=method, a=args: api("subscription.event", m, *a))
            with self.subTest(method=method, who="administrator over XML-RPC"):
                self.assertXmlRpcRefused(lambda m=method, a=args: admin_call(m, *a))
        self.assertEqual(
            api(
                "subscription.event",
                "search_read",
                [("subscription_id", "=", sub_id)],
                event_fields,
                order="id",
            ),
            events,
        )
        # A write through the subscription's one2many is refused as well.
        self.assertRpcRefused(
            lambda: api(
                SUB,
                "write",
                [sub_id],
                {"event_ids": [Command.update(event_id, {"mrr_after": 5.0})]},
            )
        )
        self.assertRpcRefused(
            lambda: api(SUB, "write", [sub_id], {"event_ids": [Command.delete(event_id)]})
        )
        self.assertEqual(
            api("subscription.event", "search_count", [("subscription_id", "=", sub_id)]), 2
        )

    def test_portal_user_cannot_write_over_rpc(self):
        api = self.api
        catalog = self._build_catalog(api)
        own_id = self._new_started(api, catalog, self.portal_partner.id, quantity=2)
        other_partner = api("res.partner", "create", {"name": "Somebody Else"})
        other_id = self._new_started(api, catalog, other_partner)
        db, uid = get_db_name(), self.portal_user.id
        self.assertEqual(
            self.xmlrpc_common.authenticate(db, "scenario_portal", "scenario_portal_pw", {}), uid
        )

        def portal(model, method, *args, **kwargs):
            return self.xmlrpc_object.execute_kw(
                db, uid, "scenario_portal_pw", model, method, list(args), kwargs
            )

        # Reading their own subscription is allowed (and only theirs is visible).
        self.assertEqual(portal(SUB, "search", []), [own_id])
        own = portal(SUB, "read", [own_id], ["state", "quantity", "mrr"])[0]
        self.assertEqual((own["state"], own["quantity"], own["mrr"]), ("active", 2, 20.0))
        self.assertXmlRpcRefused(
            lambda: portal(SUB, "read", [other_id], ["state"]), codes=(XMLRPC_ACCESS_ERROR,)
        )
        # Any change over RPC is refused: write, create, lifecycle methods.
        refused = [
            (SUB, "write", [own_id], {"quantity": 50}),
            (SUB, "write", [own_id], {"price_unit": 0.0}),
            (
                SUB,
                "create",
                {
                    "partner_id": self.portal_partner.id,
                    "tier_id": catalog["starter"],
                    "cycle_id": catalog["cycle"],
                },
            ),
            (SUB, "action_cancel", [own_id], catalog["reason"]),
            (SUB, "action_pause", [own_id]),
            (SUB, "unlink", [own_id]),
            ("subscription.tier", "write", [catalog["starter"]], {"trial_days": 90}),
        ]
        with freeze_time("2026-02-10"):
            for model, method, *args in refused:
                with self.subTest(model=model, method=method):
                    fault = self.assertXmlRpcRefused(
                        lambda m=model, f=method, a=args: portal(m, f, *a),
                        codes=(XMLRPC_ACCESS_ERROR,),
                    )
                    self.assertNotIn("Traceback", fault.faultString)
        own = self._read(api, own_id, ["state", "quantity", "price_unit", "cancel_at_period_end"])
        self.assertEqual(
            own,
            {
                "id": own_id,
                "state": "active",
                "quantity": 2,
                "price_unit": 10.0,
                "cancel_at_period_end": False,
            },
        )
        # Same answer on JSON-RPC, with the exception's class name.
        portal_json = JsonRpcClient(self, "scenario_portal", "scenario_portal_pw")
        self.assertRpcRefused(
            lambda: portal_json(SUB, "write", [own_id], {"quantity": 3}),
            names={"odoo.exceptions.AccessError"},
        )
        self.assertEqual(self._read(api, own_id, ["quantity"])["quantity"], 2)
