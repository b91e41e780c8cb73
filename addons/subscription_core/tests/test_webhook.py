# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import socket
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

import requests
from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, freeze_time, tagged
from odoo.tools import mute_logger

from odoo.addons.subscription_core.tools import signature

from .common import SubscriptionCommon

NOW = datetime(2026, 3, 10, 12, 0, 0)


class _RecordingServer(ThreadingHTTPServer):
    """Local HTTP endpoint: records every request, answers ``self.status``."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.requests = []
        self.status = 200
        self.answer = b'{"ok": true}'

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"


class _RecordingHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append(
            {"path": self.path, "headers": dict(self.headers), "body": body}
        )
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.answer)))
        self.end_headers()
        self.wfile.write(self.server.answer)

    def log_message(self, *args):  # keep the test log clean
        pass


def _unix(value):
    return int((value - datetime(1970, 1, 1)).total_seconds())


@tagged("post_install", "-at_install")
class TestWebhook(SubscriptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = _RecordingServer()
        thread = threading.Thread(
            target=cls.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        thread.start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        # The test endpoint listens on loopback, refused unless allowed.
        cls.env["ir.config_parameter"].set_param(
            "subscription_core.webhook_allowed_hosts", "127.0.0.1"
        )
        cls.Webhook = cls.env["subscription.webhook"]
        cls.Delivery = cls.env["subscription.webhook.delivery"]
        cls.cron = cls.env.ref("subscription_core.ir_cron_subscription_webhook_deliver")

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.status = 200
        self.sub = self._started_subscription()
        self.webhook = self.Webhook.create({"name": "Provisioning", "url": self.server.url})

    def _renew(self, sub=None, event_type="renewed"):
        sub = sub or self.sub
        return sub._log_event(event_type, mrr_before=sub.mrr_company)

    def _deliver(self):
        return self.Delivery._cron_deliver()

    # ------------------------------------------------------------------
    # Enqueueing
    # ------------------------------------------------------------------

    def test_event_queues_a_delivery_and_triggers_the_cron(self):
        triggers_before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        with freeze_time(NOW):
            event = self._renew()
            self._renew(event_type="quantity_changed")
        deliveries = self.Delivery.search([("webhook_id", "=", self.webhook.id)], order="id")
        self.assertEqual(len(deliveries), 2)
        delivery = deliveries[0]
        self.assertRecordValues(
            delivery,
            [
                {
                    "event_id": event.id,
                    "subscription_id": self.sub.id,
                    "company_id": self.company.id,
                    "event_type": "renewed",
                    "state": "pending",
                    "attempt_count": 0,
                    "next_attempt_at": NOW,
                }
            ],
        )
        payload = json.loads(delivery.payload)
        self.assertEqual(payload["id"], delivery.uuid)
        self.assertEqual(payload["type"], "subscription.renewed")
        self.assertEqual(payload["created"], "2026-03-10T12:00:00Z")
        self.assertEqual(payload["data"]["event"]["id"], event.id)
        self.assertEqual(payload["data"]["event"]["type"], "renewed")
        sub_data = payload["data"]["subscription"]
        self.assertEqual(sub_data["id"], self.sub.id)
        self.assertEqual(sub_data["name"], self.sub.name)
        self.assertEqual(sub_data["state"], self.sub.state)
        self.assertEqual(
            sub_data["partner"],
            {"id": self.customer.id, "name": "Customer A", "email": "a@example.com"},
        )
        self.assertEqual(
            sub_data["tier"], {"id": self.tier_basic.id, "code": "basic", "name": "Basic"}
        )
        self.assertEqual(sub_data["cycle"], {"id": self.monthly.id, "name": self.monthly.name})
        self.assertEqual(sub_data["quantity"], 1)
        self.assertEqual(sub_data["recurring_amount"], self.sub.recurring_amount)
        self.assertEqual(sub_data["currency"], self.sub.currency_id.name)
        self.assertEqual(
            sub_data["current_period_start"], self.sub.current_period_start.isoformat()
        )
        self.assertEqual(sub_data["current_period_end"], self.sub.current_period_end.isoformat())
        self.assertIs(sub_data["cancel_at_period_end"], False)
        # one trigger for the whole transaction, not one per event
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        self.assertEqual(triggers, triggers_before + 1)

    def test_event_type_filter_and_company(self):
        cancel_only = self.Webhook.create(
            {
                "name": "Churn",
                "url": self.server.url,
                "event_types": " cancelled , expired,cancelled",
            }
        )
        self.assertEqual(cancel_only.event_types, "cancelled,expired")
        other_company = self.env["res.company"].create({"name": "Other Co (webhook test)"})
        self.Webhook.create(
            {"name": "Elsewhere", "url": self.server.url, "company_id": other_company.id}
        )
        renewed = self._renew()
        self.assertEqual(
            self.Delivery.search([("event_id", "=", renewed.id)]).webhook_id, self.webhook
        )
        cancelled = self._renew(event_type="cancelled")
        self.assertEqual(
            self.Delivery.search([("event_id", "=", cancelled.id)]).webhook_id,
            self.webhook | cancel_only,
        )

    def test_archived_webhook_gets_nothing(self):
        self.webhook.active = False
        self._renew()
        self.Webhook.with_context(active_test=False)._enqueue_events(self.sub.event_ids)
        self.assertFalse(self.Delivery.search_count([("webhook_id", "=", self.webhook.id)]))

    def test_invalid_configuration_is_refused(self):
        Webhook = self.Webhook.with_context(active_test=False)
        count = Webhook.search_count([])
        for url in (
            "ftp://example.com/hook",
            "example.com/hook",
            "https://",
            "javascript:alert(1)",
        ):
            with self.subTest(url=url), self.assertRaises(ValidationError), self.env.cr.savepoint():
                Webhook.create({"name": "Bad", "url": url})
        with self.assertRaisesRegex(ValidationError, "renewd"), self.env.cr.savepoint():
            Webhook.create({"name": "Bad", "url": self.server.url, "event_types": "renewed,renewd"})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Webhook.create({"name": "Bad", "url": self.server.url, "timeout": 0})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.webhook.event_types = "subscription.renewed"
        self.assertEqual(Webhook.search_count([]), count)
        self.assertFalse(self.webhook.event_types)
        self.webhook.event_types = "renewed, cancelled"
        self.assertEqual(self.webhook.event_types, "renewed,cancelled")

    def test_event_delivered_once_per_webhook(self):
        event = self._renew()
        delivery = self.Delivery.search([("event_id", "=", event.id)])
        self.assertEqual(len(delivery), 1)
        vals = self.Delivery._prepare_delivery_values(self.webhook, event, {})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.Delivery.create(vals)

    def test_no_webhook_costs_one_query(self):
        self.Webhook.search([]).action_archive()
        events = (
            self.env["subscription.event"]
            .sudo()
            .create([{"subscription_id": self.sub.id, "event_type": "renewed"} for _i in range(50)])
        )
        with self.assertQueryCount(1):
            deliveries = self.Webhook.sudo()._enqueue_events(events)
        self.assertFalse(deliveries)
        self.assertFalse(self.Delivery.search_count([("event_id", "in", events.ids)]))

    def test_enqueue_cost_does_not_grow_with_events(self):
        subs = [self.sub] + [
            self._started_subscription(partner=self.other_customer) for _i in range(3)
        ]
        self.webhook.active = False
        Event = self.env["subscription.event"].sudo()
        small = Event.create([{"subscription_id": self.sub.id, "event_type": "renewed"}])
        big = Event.create(
            [{"subscription_id": sub.id, "event_type": "renewed"} for sub in subs * 10]
        )
        self.webhook.active = True
        counts = []
        for events in (small, big):
            self.env.invalidate_all()
            self.env.flush_all()
            before = self.cr.sql_log_count
            self.Webhook.sudo()._enqueue_events(events)
            self.env.flush_all()
            counts.append(self.cr.sql_log_count - before)
        self.assertEqual(self.Delivery.search_count([("event_id", "in", (small | big).ids)]), 41)
        self.assertLessEqual(counts[1], counts[0] + 2, f"queries for 1 event / 40 events: {counts}")

    def test_many_events_batch(self):
        subs = self.sub | self._started_subscription(partner=self.other_customer)
        events = (
            self.env["subscription.event"]
            .sudo()
            .create(
                [
                    {"subscription_id": sub.id, "event_type": "renewed"}
                    for sub in subs
                    for _i in range(25)
                ]
            )
        )
        self.assertEqual(self.Delivery.search_count([("event_id", "in", events.ids)]), 50)

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def test_delivery_is_signed_and_sent(self):
        with freeze_time(NOW):
            event = self._renew()
            sent = self._deliver()
        delivery = self.Delivery.search([("event_id", "=", event.id)])
        self.assertEqual(sent, delivery)
        self.assertEqual(len(self.server.requests), 1)
        request = self.server.requests[0]
        self.assertEqual(request["path"], "/hooks")
        self.assertEqual(request["body"], delivery.payload.encode())
        headers = request["headers"]
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(headers["User-Agent"], "Odoo-Subscriptions-Webhook/1.0")
        self.assertEqual(headers["X-Subscription-Event"], "subscription.renewed")
        self.assertEqual(headers["X-Subscription-Delivery"], delivery.uuid)
        sig = headers["X-Subscription-Signature"]
        self.assertTrue(sig.startswith(f"t={_unix(NOW)},v1="))
        self.assertTrue(signature.verify(self.webhook.secret, sig, request["body"], now=_unix(NOW)))
        self.assertFalse(signature.verify("another secret", sig, request["body"], now=_unix(NOW)))
        self.assertFalse(
            signature.verify(self.webhook.secret, sig, request["body"] + b" ", now=_unix(NOW))
        )
        self.assertRecordValues(
            delivery,
            [
                {
                    "state": "success",
                    "attempt_count": 1,
                    "response_status": 200,
                    "response_body": '{"ok": true}',
                    "error": False,
                    "next_attempt_at": False,
                    "first_attempt_at": NOW,
                    "last_attempt_at": NOW,
                }
            ],
        )
        self.assertEqual(self.webhook.delivery_success_count, 1)
        # a second run sends nothing more
        self._deliver()
        self.assertEqual(len(self.server.requests), 1)

    def test_server_error_backs_off_then_succeeds(self):
        self.server.status = 500
        with freeze_time(NOW):
            event = self._renew()
            self._deliver()
        delivery = self.Delivery.search([("event_id", "=", event.id)])
        self.assertRecordValues(
            delivery,
            [
                {
                    "state": "failed",
                    "attempt_count": 1,
                    "response_status": 500,
                    "next_attempt_at": NOW + timedelta(seconds=60),
                    "first_attempt_at": NOW,
                }
            ],
        )
        self.assertIn("500", delivery.error)
        self.assertEqual(self.webhook.delivery_failed_count, 1)
        # the retry is scheduled with a cron trigger
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count(
                [("cron_id", "=", self.cron.id), ("call_at", "=", NOW + timedelta(seconds=60))]
            )
        )
        # not due yet
        with freeze_time(NOW + timedelta(seconds=30)):
            self._deliver()
        self.assertEqual(len(self.server.requests), 1)
        # second failure: twice the delay
        with freeze_time(NOW + timedelta(seconds=61)):
            self._deliver()
        self.assertEqual(delivery.attempt_count, 2)
        self.assertEqual(delivery.next_attempt_at, NOW + timedelta(seconds=61 + 120))
        self.server.status = 204
        with freeze_time(NOW + timedelta(minutes=10)):
            self._deliver()
        self.assertRecordValues(
            delivery,
            [
                {
                    "state": "success",
                    "attempt_count": 3,
                    "response_status": 204,
                    "error": False,
                    "first_attempt_at": NOW,
                    "next_attempt_at": False,
                }
            ],
        )
        self.assertEqual(len(self.server.requests), 3)
        # every attempt is signed again with its own timestamp
        ts = [r["headers"]["X-Subscription-Signature"].split(",")[0] for r in self.server.requests]
        self.assertEqual(ts, [f"t={_unix(NOW)}", f"t={_unix(NOW) + 61}", f"t={_unix(NOW) + 600}"])

    def test_redirect_is_a_failure(self):
        self.server.status = 302
        event = self._renew()
        self._deliver()
        self.assertEqual(self.Delivery.search([("event_id", "=", event.id)]).state, "failed")

    def test_connection_refused(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.webhook.url = f"http://127.0.0.1:{port}/closed"
        event = self._renew()
        self._deliver()
        delivery = self.Delivery.search([("event_id", "=", event.id)])
        self.assertEqual(delivery.state, "failed")
        self.assertEqual(delivery.response_status, 0)
        self.assertIn("ConnectionError", delivery.error)

    def test_timeout(self):
        event = self._renew()
        path = "requests.Session.post"
        with patch(path, side_effect=requests.exceptions.ReadTimeout("read timed out")) as post:
            self._deliver()
        self.assertEqual(post.call_args.kwargs["timeout"], 10)
        delivery = self.Delivery.search([("event_id", "=", event.id)])
        self.assertEqual(delivery.state, "failed")
        self.assertIn("ReadTimeout", delivery.error)

    def test_gives_up_after_72_hours(self):
        self.server.status = 503
        with freeze_time(NOW):
            event = self._renew()
            self._deliver()
        delivery = self.Delivery.search([("event_id", "=", event.id)])
        with freeze_time(NOW + timedelta(hours=71)):
            self._deliver()
        self.assertEqual(delivery.state, "failed")
        with freeze_time(NOW + timedelta(hours=72)):
            self._deliver()
        self.assertRecordValues(
            delivery,
            [
                {
                    "state": "dead",
                    "attempt_count": 3,
                    "next_attempt_at": False,
                    "first_attempt_at": NOW,
                }
            ],
        )
        with freeze_time(NOW + timedelta(hours=100)):
            self._deliver()
        self.assertEqual(len(self.server.requests), 3)

    def test_one_bad_delivery_does_not_block_the_others(self):
        first, second = self._renew(), self._renew(event_type="quantity_changed")
        deliveries = self.Delivery.search([("event_id", "in", (first | second).ids)], order="id")
        original = type(self.Delivery)._prepare_attempt_values

        def broken(delivery, result):
            if delivery == deliveries[0]:
                return {"attempt_count": "not a number"}
            return original(delivery, result)

        with (
            patch.object(type(self.Delivery), "_prepare_attempt_values", broken),
            mute_logger("odoo.addons.subscription_core.models.subscription_webhook_delivery"),
        ):
            self._deliver()
        self.assertEqual(deliveries.mapped("state"), ["failed", "success"])
        self.assertEqual(deliveries[0].attempt_count, 1)
        self.assertGreater(deliveries[0].next_attempt_at, fields.Datetime.now())

    def test_nul_characters_in_answer_are_stored(self):
        self.server.answer = b"ok\x00done"
        self.addCleanup(setattr, self.server, "answer", b'{"ok": true}')
        event = self._renew()
        self._deliver()
        delivery = self.Delivery.search([("event_id", "=", event.id)])
        self.assertEqual(delivery.state, "success")
        self.assertEqual(delivery.response_body, "ok\ufffddone")

    def test_archived_webhook_deliveries_wait(self):
        event = self._renew()
        self.webhook.active = False
        self._deliver()
        delivery = self.Delivery.search([("event_id", "=", event.id)])
        self.assertEqual(delivery.state, "pending")
        self.assertFalse(self.server.requests)
        self.webhook.active = True
        self._deliver()
        self.assertEqual(delivery.state, "success")

    def test_cron_batches_and_reports_progress(self):
        for event_type in ("renewed", "quantity_changed", "paused", "resumed"):
            self._renew(event_type=event_type)
        self.assertEqual(len(self.Delivery._cron_deliver(batch_size=2)), 2)
        self.assertEqual(len(self.server.requests), 2)
        # out of time: one request (progress is guaranteed), the rest stays due
        self.assertEqual(len(self.Delivery._cron_deliver(time_budget=0)), 1)
        self.assertEqual(len(self.server.requests), 3)
        # the scheduled action itself, through the cron runner API
        self.cron.method_direct_trigger()
        self.assertEqual(len(self.server.requests), 4)
        self.assertEqual(set(self.webhook.delivery_ids.mapped("state")), {"success"})

    # ------------------------------------------------------------------
    # Staff actions and access
    # ------------------------------------------------------------------

    def test_retry_and_cancel(self):
        self.server.status = 500
        with freeze_time(NOW):
            event = self._renew()
            self._deliver()
        delivery = self.Delivery.search([("event_id", "=", event.id)])
        manager_delivery = delivery.with_user(self.sub_manager)
        with freeze_time(NOW + timedelta(seconds=5)):
            manager_delivery.action_retry()
            self.assertEqual(delivery.next_attempt_at, NOW + timedelta(seconds=5))
            self.server.status = 200
            self._deliver()
        self.assertEqual(delivery.state, "success")
        with self.assertRaises(UserError):
            manager_delivery.action_retry()
        manager_delivery.action_cancel()
        self.assertEqual(delivery.state, "success", "a delivered request cannot be cancelled")

        other = self.Delivery.search([("event_id", "=", self._renew(event_type="paused").id)])
        other.with_user(self.sub_manager).action_cancel()
        self.assertEqual(other.state, "cancelled")
        self._deliver()
        self.assertEqual(other.state, "cancelled")
        with freeze_time(NOW + timedelta(days=10)):
            other.with_user(self.sub_manager).action_retry()
            self.assertRecordValues(other, [{"state": "pending", "first_attempt_at": False}])
            self._deliver()
        self.assertEqual(other.state, "success")

    def test_secret_only_shown_to_managers(self):
        for user, visible in ((self.sub_user, False), (self.sub_manager, True)):
            arch = self.Webhook.with_user(user).get_views([(False, "form")])["views"]["form"][
                "arch"
            ]
            self.assertEqual('name="secret"' in arch, visible, user.login)
            self.assertEqual("action_regenerate_secret" in arch, visible, user.login)

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_access_rights(self):
        event = self._renew()
        delivery = self.Delivery.search([("event_id", "=", event.id)])
        user_webhook = self.webhook.with_user(self.sub_user)
        self.assertEqual(user_webhook.name, "Provisioning")
        with self.assertRaises(AccessError):
            user_webhook.read(["secret"])
        with self.assertRaises(AccessError):
            user_webhook.name = "Hijacked"
        with self.assertRaises(AccessError):
            delivery.with_user(self.sub_user).action_retry()
        self.assertEqual(delivery.with_user(self.sub_user).state, "pending")
        with self.assertRaises(AccessError):
            self.webhook.with_user(self.internal_user).read(["name"])

        manager_webhook = self.webhook.with_user(self.sub_manager)
        old_secret = self.webhook.secret
        manager_webhook.action_regenerate_secret()
        self.assertNotEqual(manager_webhook.secret, old_secret)
        self.assertGreaterEqual(len(manager_webhook.secret), 43)
        with self.assertRaises(AccessError):
            delivery.with_user(self.sub_manager).unlink()
        with self.assertRaises(UserError):
            manager_webhook.unlink()  # deliveries still to send
        self.assertEqual(manager_webhook.delivery_count, 1)
        action = manager_webhook.with_context(
            search_default_filter_failed=1
        ).action_view_deliveries()
        self.assertEqual(action["domain"], [("webhook_id", "=", self.webhook.id)])
        self.assertEqual(action["context"], {"search_default_filter_failed": 1})

    def test_send_test(self):
        result = self.webhook.with_user(self.sub_manager).action_send_test()
        self.assertEqual(result["params"]["type"], "success")
        request = self.server.requests[-1]
        self.assertEqual(json.loads(request["body"])["type"], "subscription.ping")
        self.assertTrue(
            signature.verify(
                self.webhook.secret,
                request["headers"]["X-Subscription-Signature"],
                request["body"],
                now=_unix(fields.Datetime.now()),
            )
        )
        self.server.status = 404
        result = self.webhook.action_send_test()
        self.assertEqual(result["params"]["type"], "danger")


@tagged("post_install", "-at_install")
class TestWebhookViews(SubscriptionCommon, HttpCase):
    """The webhook and delivery forms render in the web client."""

    def test_webhook_and_delivery_forms(self):
        webhook = self.env["subscription.webhook"].create(
            {"name": "UI hook", "url": "https://example.com/hook", "event_types": "renewed"}
        )
        sub = self._started_subscription()
        sub._log_event("renewed", mrr_before=sub.mrr_company)
        self.assertEqual(webhook.delivery_count, 1)
        code = """
            (async () => {
                const wait = async (selector) => {
                    for (let i = 0; i < 200; i++) {
                        const el = document.querySelector(selector);
                        if (el) { return el; }
                        await new Promise((resolve) => setTimeout(resolve, 50));
                    }
                    throw new Error(`Element not found: ${selector}`);
                };
                await wait('.o_form_view div[name="secret"] input[type="password"]');
                await wait('.o_form_view button[name="action_regenerate_secret"]');
                await wait('.o_form_view div[name="secret"] .o_clipboard_button');
                (await wait('.o_form_view .oe_stat_button[name="action_view_deliveries"]')).click();
                (await wait('.o_list_view .o_data_row .o_data_cell')).click();
                await wait('.o_form_view div[name="payload_display"] .ace_editor');
                await wait('.o_form_view button[name="action_retry"]');
                console.log('test successful');
            })()
        """
        self.browser_js(
            f"/odoo/action-subscription_core.subscription_webhook_action/{webhook.id}",
            code,
            login="sub_manager",
            timeout=120,
        )
