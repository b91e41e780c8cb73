# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Outgoing request guard (pure Python, no Odoo import).

Webhook endpoints are typed in by staff, so a URL could aim the Odoo server
at itself, at the private network it sits in or at a cloud metadata service
(server-side request forgery). This module says whether a destination is
public:

- :func:`check_url` looks at the URL alone (no DNS): the scheme, names that
  always mean this machine (``localhost``, ``*.localhost``) or a metadata
  service, and IP literals in every spelling a resolver accepts (dotted,
  decimal ``2130706433``, hexadecimal ``0x7f.1``, octal ``0177.0.0.1``,
  IPv6, IPv4-mapped IPv6 ``[::ffff:127.0.0.1]``).
- :func:`check_resolved` checks the addresses a name resolves to: every one
  of them must be public.
- :func:`resolve_and_check` does both around ``socket.getaddrinfo``.

A destination is refused when its address is loopback, private, link-local,
unspecified, multicast, reserved, shared (carrier-grade NAT), documentation
or benchmark space, or a known cloud metadata address, also when it is
embedded in an IPv6 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4,
Teredo). An allow-list (host names, IP addresses or networks such as
``10.0.0.0/8``) lifts the refusal for chosen destinations.
"""

import ipaddress
import re
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")

# Metadata services that answer on a public-looking address, or that must be
# named even though the generic rules already catch them.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean...
        "169.254.170.2",  # AWS ECS task metadata
        "168.63.129.16",  # Azure wire server (a public address)
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (classic)
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::23",  # AWS time sync / DNS over IPv6
    )
)
METADATA_HOSTS = frozenset(
    (
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    )
)
LOCAL_HOSTS = frozenset(("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"))

# 64:ff9b::/96, the NAT64 well-known prefix: the last 32 bits are an IPv4
# address reached through the translator.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
# Public ranges that the ``ipaddress`` module does not report as global on
# every Python version, or reports as global although they are not routable.
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "::/96",  # IPv4-compatible (deprecated)
        "100::/64",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
# One part of an inet_aton-style IPv4 literal: decimal, 0x-hex or 0-octal.
_IPV4_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$")


class UnsafeDestination(ValueError):
    """The destination is refused; ``str(exc)`` says why, in English."""


def parse_ipv4_literal(host):
    """Return the IPv4 address that ``host`` spells for a resolver, or None.

    Accepts what the C library's ``inet_aton`` accepts: one to four parts,
    each decimal, hexadecimal (``0x``) or octal (leading ``0``); the last part
    fills the remaining bytes (``127.1`` is 127.0.0.1, ``2130706433`` too).
    """
    parts = host.split(".")
    if host.endswith(".") and len(parts) > 1:
        parts = parts[:-1]  # a trailing root dot
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.match(part) for part in parts):
        return None
    values = []
    for part in parts:
        if part[:2].lower() == "0x":
            values.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *head, last = values
    if any(value > 255 for value in head) or last >= 256 ** (4 - len(head)):
        return None
    number = 0
    for value in head:
        number = number * 256 + value
    number = number * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(number)


def parse_ip_literal(host):
    """Return the IP address that ``host`` is a literal of, or None."""
    host = (host or "").strip().strip("[]")
    if "%" in host:  # IPv6 zone id: fe80::1%eth0
        host = host.split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return parse_ipv4_literal(host)


def _embedded_ipv4(address):
    """Return the IPv4 address carried inside an IPv6 ``address``, or None."""
    if address.version != 6:
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in _NAT64 or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(address):
    """Return why ``address`` (str or ip_address) is not public, or None."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%", 1)[0])
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        problem = address_problem(embedded)
        return f"{problem} (inside an IPv6 address)" if problem else None
    checks = (
        ("is_loopback", "a loopback address"),
        ("is_unspecified", "an unspecified address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    )
    for attribute, label in checks:
        if getattr(address, attribute):
            return label
    if any(address in network for network in _NOT_PUBLIC) or not address.is_global:
        return "a non-public address"
    return None


def parse_allowed_hosts(text):
    """Return the allow-list given as comma-separated text.

    :return: ``(names, networks)``: a set of lower-case host names (and IP
        literals as typed) and a tuple of ``ip_network``
    """
    names, networks = set(), []
    for entry in (text or "").replace("\n", ",").split(","):
        entry = entry.strip().lower().rstrip(".")
        if not entry:
            continue
        names.add(entry.strip("[]"))
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            literal = parse_ip_literal(entry)
            if literal is not None:
                networks.append(ipaddress.ip_network(literal))
    return names, tuple(networks)


def _normalize_host(host):
    return (host or "").strip().lower().rstrip(".")


def _is_allowed(host, address, allowed):
    names, networks = allowed
    if host in names:
        return True
    return address is not None and any(
        address.version == network.version and address in network for network in networks
    )


def check_url(url, allowed=((), ())):
    """Check ``url`` without resolving it.

    :param allowed: the result of :func:`parse_allowed_hosts`
    :return: the host name to resolve (lower case), or the IP literal
    :raise UnsafeDestination: with the reason
    """
    try:
        parts = urlsplit((url or "").strip())
        host = parts.hostname
        port = parts.port  # raises ValueError when out of range
    except ValueError as exc:
        raise UnsafeDestination(f"malformed URL ({exc})") from exc
    if parts.scheme not in ALLOWED_SCHEMES or not host:
        raise UnsafeDestination("not an absolute http:// or https:// URL")
    if port == 0:
        raise UnsafeDestination("port 0 is not a destination")
    host = _normalize_host(host)
    address = parse_ip_literal(host)
    if _is_allowed(host, address, allowed):
        return host
    if address is not None:
        problem = address_problem(address)
        if problem:
            raise UnsafeDestination(f"{host} is {problem}")
        return host
    if host in LOCAL_HOSTS or host.endswith(".localhost"):
        raise UnsafeDestination(f"{host} is this machine")
    if host in METADATA_HOSTS:
        raise UnsafeDestination(f"{host} is a cloud metadata service")
    return host


def check_resolved(host, addresses, allowed=((), ())):
    """Check every address ``host`` resolved to; all must be public.

    :param addresses: iterable of IP addresses (str or ip_address)
    :raise UnsafeDestination: when one of them is not public, or there is none
    """
    host = _normalize_host(host)
    addresses = [
        ipaddress.ip_address(str(a).split("%", 1)[0]) if isinstance(a, str) else a
        for a in addresses
    ]
    if not addresses:
        raise UnsafeDestination(f"{host} does not resolve to any address")
    if host in allowed[0]:
        return
    for address in addresses:
        if _is_allowed(host, address, allowed):
            continue
        problem = address_problem(address)
        if problem:
            raise UnsafeDestination(f"{host} resolves to {address}, {problem}")


def resolve_and_check(url, allowed=((), ()), resolver=socket.getaddrinfo):
    """Check ``url``, resolve its host and check every address.

    :param resolver: ``socket.getaddrinfo`` or a function of the same shape
    :return: the list of addresses (``ip_address``) the host resolved to
    :raise UnsafeDestination: when the URL or one address is refused, or the
        name does not resolve
    """
    host = check_url(url, allowed)
    port = urlsplit(url.strip()).port or (443 if url.strip().lower().startswith("https") else 80)
    try:
        infos = resolver(host, port, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeDestination(f"{host} could not be resolved ({exc})") from exc
    addresses = list(
        dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos)
    )
    check_resolved(host, addresses, allowed)
    return addresses
