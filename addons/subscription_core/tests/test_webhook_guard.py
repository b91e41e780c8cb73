# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import socket
import threading
from datetime import datetime
from unittest.mock import patch

import requests

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import common as odoo_test_common
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from . import test_webhook
from .common import SubscriptionCommon

PARAM = "subscription_core.webhook_allowed_hosts"
NOW = datetime(2026, 3, 10, 12, 0, 0)


def _resolving_to(*addresses):
    """A ``socket.getaddrinfo`` stand-in answering ``addresses``."""

    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port),
            )
            for address in addresses
        ]

    return getaddrinfo


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestWebhookGuard(SubscriptionCommon):
    """Webhooks reach public hosts only, unless a system parameter allows
    a host; the stored answer is a short excerpt for administrators."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = test_webhook._RecordingServer()
        thread = threading.Thread(
            target=cls.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        thread.start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        cls.Param = cls.env["ir.config_parameter"]
        cls.Webhook = cls.env["subscription.webhook"]
        cls.Delivery = cls.env["subscription.webhook.delivery"]

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.status = 200
        self.server.answer = b'{"ok": true}'
        self.Param.set_param(PARAM, "")

    def _deliver_one(self, webhook):
        sub = self._started_subscription()
        event = sub._log_event("renewed", mrr_before=sub.mrr_company)
        self.Delivery._cron_deliver()
        return self.Delivery.search([("webhook_id", "=", webhook.id), ("event_id", "=", event.id)])

    def test_loopback_refused_at_save(self):
        count = self.Webhook.with_context(active_test=False).search_count([])
        port = self.server.server_address[1]
        for url in (
            self.server.url,
            f"http://localhost:{port}/hooks",
            f"http://2130706433:{port}/hooks",
            f"http://0x7f.1:{port}/hooks",
            f"http://[::ffff:127.0.0.1]:{port}/hooks",
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/",
            "http://metadata.google.internal/",
            "https://10.0.0.8/hook",
            "https://192.168.1.20/hook",
        ):
            with (
                self.subTest(url=url),
                self.assertRaisesRegex(ValidationError, PARAM),
                self.env.cr.savepoint(),
            ):
                self.Webhook.create({"name": "Internal", "url": url})
        webhook = self.Webhook.create({"name": "Public", "url": "https://example.com/hook"})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            webhook.url = "http://127.0.0.1/hook"
        self.assertEqual(webhook.url, "https://example.com/hook")
        self.assertEqual(self.Webhook.with_context(active_test=False).search_count([]), count + 1)

    def test_allowed_with_the_parameter(self):
        self.Param.set_param(PARAM, "hooks.internal, 127.0.0.1")
        webhook = self.Webhook.create({"name": "Local", "url": self.server.url})
        delivery = self._deliver_one(webhook)
        self.assertEqual(delivery.state, "success")
        self.assertIn(delivery.uuid, self._received_ids())
        # a network entry allows its addresses, in every spelling (the
        # test harness only lets requests to 127.0.0.1 out: saved, not sent)
        self.Param.set_param(PARAM, "127.0.0.0/8")
        port = self.server.server_address[1]
        webhook.url = f"http://2130706433:{port}/hooks"
        webhook.url = self.server.url
        delivery = self._deliver_one(webhook)
        self.assertEqual((delivery.state, delivery.error), ("success", False))
        self.assertIn(delivery.uuid, self._received_ids())

    def _received_ids(self):
        return [request["headers"]["X-Subscription-Delivery"] for request in self.server.requests]

    def test_loopback_refused_at_send(self):
        """Saved while allowed, then the allowance is withdrawn: nothing is sent."""
        self.Param.set_param(PARAM, "127.0.0.1")
        webhook = self.Webhook.create({"name": "Local", "url": self.server.url})
        self.Param.set_param(PARAM, "")
        delivery = self._deliver_one(webhook)
        self.assertRecordValues(
            delivery, [{"state": "failed", "response_status": 0, "attempt_count": 1}]
        )
        self.assertIn("Destination refused: 127.0.0.1 is a loopback address", delivery.error)
        self.assertFalse(self.server.requests)
        # the staff test button is refused the same way
        result = webhook.action_send_test()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("Destination refused", result["params"]["message"])
        self.assertFalse(self.server.requests)

    def test_name_resolving_to_private_address_refused_at_send(self):
        """A public-looking name checked again after DNS resolution (every
        address must be public)."""
        webhook = self.Webhook.create({"name": "Rebind", "url": "https://hooks.example.com/x"})
        for addresses in (("127.0.0.1",), ("93.184.216.34", "10.0.0.1"), ("169.254.169.254",)):
            with (
                self.subTest(addresses=addresses),
                patch("socket.getaddrinfo", _resolving_to(*addresses)),
                patch("requests.Session.post") as post,
            ):
                result = self.Delivery._post(webhook, b"{}", "subscription.ping", "ref")
                post.assert_not_called()
            self.assertFalse(result["success"])
            self.assertIn("Destination refused: hooks.example.com resolves to", result["error"])
        # allowed by name: sent, whatever the address
        self.Param.set_param(PARAM, "hooks.example.com")
        with (
            patch("socket.getaddrinfo", _resolving_to("10.0.0.1")),
            patch(
                "requests.Session.post", side_effect=requests.ConnectionError("not sent")
            ) as post,
        ):
            result = self.Delivery._post(webhook, b"{}", "subscription.ping", "ref")
        post.assert_called_once()
        self.assertIn("not sent", result["error"])

    def test_rebinding_between_check_and_connection_is_refused(self):
        """The name resolves to a public address for the check, then to
        loopback for the connection: the connection is refused before the
        request is written."""
        port = self.server.server_address[1]
        webhook = self.Webhook.create(
            {"name": "Rebind", "url": f"http://rebind.example.com:{port}/hooks"}
        )
        real_getaddrinfo = socket.getaddrinfo
        answers = iter(["93.184.216.34"])  # the first answer only, then loopback

        def getaddrinfo(host, port, *args, **kwargs):
            if host == "rebind.example.com":
                return _resolving_to(next(answers, "127.0.0.1"))(host, port)
            return real_getaddrinfo(host, port, *args, **kwargs)

        # Odoo's test harness refuses requests to other hosts than 127.0.0.1
        # before they connect; lift it here: the name resolves to loopback.
        with (
            patch("socket.getaddrinfo", getaddrinfo),
            patch.object(requests.sessions.Session, "send", odoo_test_common._super_send),
        ):
            result = self.Delivery._post(webhook, b"{}", "subscription.ping", "ref")
        self.assertFalse(result["success"])
        self.assertIn(
            "Destination refused: rebind.example.com resolves to 127.0.0.1", result["error"]
        )
        self.assertFalse(self.server.requests)

    def test_unresolvable_name_is_a_failure(self):
        webhook = self.Webhook.create({"name": "Gone", "url": "https://gone.example.com/x"})

        def fail(*args, **kwargs):
            raise socket.gaierror(-2, "Name or service not known")

        with patch("socket.getaddrinfo", fail), patch("requests.Session.post") as post:
            result = self.Delivery._post(webhook, b"{}", "subscription.ping", "ref")
        post.assert_not_called()
        self.assertFalse(result["success"])
        self.assertIn("could not be resolved", result["error"])

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_response_excerpt_for_administrators_only(self):
        self.Param.set_param(PARAM, "127.0.0.1")
        self.server.status = 500
        self.server.answer = b"x" * 5000
        webhook = self.Webhook.create({"name": "Local", "url": self.server.url})
        delivery = self._deliver_one(webhook)
        self.assertEqual(delivery.state, "failed")
        self.assertEqual(delivery.response_body, "x" * 1000)
        self.assertEqual(
            delivery.with_user(self.sub_manager).read(["response_body"])[0]["response_body"],
            "x" * 1000,
        )
        as_user = delivery.with_user(self.sub_user)
        self.assertEqual(as_user.read(["state"])[0]["state"], "failed")
        with self.assertRaises(AccessError):
            as_user.read(["response_body"])
        with self.assertRaises(AccessError):
            as_user.search([("response_body", "ilike", "x")])
        self.assertNotIn("response_body", as_user.fields_get())
        arch = as_user.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn('name="response_body"', arch)
        arch = delivery.with_user(self.sub_manager).get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="response_body"', arch)
