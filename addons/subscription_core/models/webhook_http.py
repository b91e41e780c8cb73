# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""HTTP sessions for webhook requests that refuse non-public peers.

The URL is checked before the request (``tools/netguard.py``); the session
built here checks again the address each direct connection actually reached,
so that a DNS answer changed in between (DNS rebinding) is refused too.
"""

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from ..tools import netguard


class _PeerCheckMixin:
    """Check the address a connection actually reached, before anything is
    sent: a name may resolve to another address between the check done
    before the request and the connection itself (DNS rebinding)."""

    peer_guard = None  # callable(host, address) -> reason (str) or None

    def _new_conn(self):
        sock = super()._new_conn()
        try:
            address = sock.getpeername()[0]
        except OSError:
            address = None
        problem = self.peer_guard(self.host, address) if address else "the peer address is unknown"
        if problem:
            sock.close()
            raise NewConnectionError(self, f"Destination refused: {problem}")
        return sock


def guarded_session(allowed):
    """Return a ``requests`` session whose direct connections are refused
    when they reach a non-public address that ``allowed`` does not list
    (connections through a proxy configured in the environment are the
    proxy's business)."""

    def peer_guard(host, address):
        try:
            netguard.check_resolved(host, [address], allowed)
        except netguard.UnsafeDestination as exc:
            return str(exc)
        return None

    attrs = {"peer_guard": staticmethod(peer_guard)}
    http_conn = type("GuardedHTTPConnection", (_PeerCheckMixin, HTTPConnection), attrs)
    https_conn = type("GuardedHTTPSConnection", (_PeerCheckMixin, HTTPSConnection), attrs)
    adapter = HTTPAdapter()
    adapter.poolmanager.pool_classes_by_scheme = {
        "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
