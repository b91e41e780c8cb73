# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""JSON-RPC helpers for HttpCase tests that check each role's access."""

import json

from odoo.tools import mute_logger

DENIED = "denied"


class RpcDenied(Exception):
    """The JSON-RPC endpoint answered an error (``args[0]`` is its name)."""


class JsonRpcMixin:
    """Call models over ``/web/dataset/call_kw`` as a given user, after
    logging in, as the web client does. ``self.passwords`` maps each login
    to its password."""

    def _rpc(self, user, model, method, *args, **kwargs):
        """Call ``model.method(*args, **kwargs)`` over JSON-RPC as ``user``.

        :raise RpcDenied: with the error class name on an error answer
        """
        if getattr(self, "_rpc_login", None) != user.login:
            self.authenticate(user.login, self.passwords[user.login])
            self._rpc_login = user.login
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        }
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/web/dataset/call_kw/{model}/{method}",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        if "error" in answer:
            raise RpcDenied(answer["error"]["data"]["name"])
        return answer["result"]

    def _read_ids(self, user, model, domain):
        """Ids ``user`` reads with ``search_read(domain)``, or ``DENIED``."""
        try:
            return {row["id"] for row in self._rpc(user, model, "search_read", domain, ["id"])}
        except RpcDenied as exc:
            self.assertEqual(exc.args[0], "odoo.exceptions.AccessError")
            return DENIED

    def _read_fields(self, user, records, fnames):
        """``read`` of ``fnames`` on ``records`` as ``user``, or ``DENIED``."""
        try:
            rows = self._rpc(user, records._name, "read", records.ids, fnames)
        except RpcDenied as exc:
            self.assertEqual(exc.args[0], "odoo.exceptions.AccessError")
            return DENIED
        return {row["id"]: {f: row[f] for f in fnames} for row in rows}
