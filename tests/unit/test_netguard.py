# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import ipaddress
import socket

import pytest
from subscription_core_tools import netguard

REFUSED_URLS = [
    "http://127.0.0.1/hook",
    "http://127.0.0.1:8069/web",
    "http://127.1/",
    "http://2130706433/",  # decimal 127.0.0.1
    "http://0x7f.1/",  # hexadecimal
    "http://0x7f000001/",
    "http://0177.0.0.1/",  # octal
    "http://017700000001/",
    "http://0/",  # 0.0.0.0
    "http://0.0.0.0:8080/",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://api.localhost/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[fe80::1%25eth0]/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.170.2/v2/credentials",
    "http://168.63.129.16/",  # Azure wire server, a public address
    "http://100.100.100.200/",  # Alibaba metadata, shared space
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://10.0.0.5/",
    "http://172.16.3.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://192.0.2.10/",  # documentation
    "http://198.18.0.1/",  # benchmark
    "http://224.0.0.1/",  # multicast
    "http://[ff02::1]/",
    "http://240.0.0.1/",  # reserved
    "http://255.255.255.255/",
    "https://[fc00::1]:8443/",
    "ftp://example.com/",
    "example.com/hook",
    "https://",
    "javascript:alert(1)",
    "http://example.com:99999/",
    "http://example.com:0/",
]

ACCEPTED_URLS = [
    "https://example.com/hook",
    "http://93.184.216.34/",
    "https://8.8.8.8:8443/x",
    "https://[2606:4700:4700::1111]/",
    "https://hooks.example.org./x",
    "https://1.example.com/",  # a name, not a literal
    "https://0x.example.com/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_check_url_refuses(url):
    with pytest.raises(netguard.UnsafeDestination):
        netguard.check_url(url)


@pytest.mark.parametrize("url", ACCEPTED_URLS)
def test_check_url_accepts_public(url):
    assert netguard.check_url(url)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1.2", "10.1.0.2"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7F.0.0.0x1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("4294967295", "255.255.255.255"),
        ("4294967296", None),
        ("256.1.1.1", None),
        ("1.2.3.4.5", None),
        ("08.1.1.1", None),  # 8 is not an octal digit
        ("example.com", None),
        ("1.example", None),
        ("", None),
    ],
)
def test_parse_ipv4_literal(host, expected):
    result = netguard.parse_ipv4_literal(host)
    assert (str(result) if result is not None else None) == expected


def test_ipv4_literals_agree_with_the_c_library():
    for host in ("127.1", "2130706433", "0x7f.1", "0177.0.0.1", "10.1.2", "0"):
        assert str(netguard.parse_ipv4_literal(host)) == socket.inet_ntoa(socket.inet_aton(host))


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "::1", "::ffff:10.0.0.1", "fd00:ec2::254", "169.254.169.254", "0.0.0.0"],
)
def test_address_problem_names_the_reason(address):
    assert netguard.address_problem(address)
    assert netguard.address_problem(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert netguard.address_problem(address) is None


def test_allow_list_names_and_networks():
    allowed = netguard.parse_allowed_hosts(" 127.0.0.1 , Hooks.Internal., 10.0.0.0/8,[::1],\n")
    assert allowed[0] == {"127.0.0.1", "hooks.internal", "10.0.0.0/8", "::1"}
    assert netguard.check_url("http://127.0.0.1:8080/x", allowed) == "127.0.0.1"
    assert netguard.check_url("http://[::1]:8080/x", allowed) == "::1"
    assert netguard.check_url("http://10.2.3.4/x", allowed) == "10.2.3.4"
    # the same address spelled another way is covered by the network entry
    assert netguard.check_url("http://2130706433/x", allowed) == "2130706433"
    netguard.check_resolved("hooks.internal", ["192.168.1.2"], allowed)
    netguard.check_resolved("svc.example", ["10.9.9.9"], allowed)
    with pytest.raises(netguard.UnsafeDestination):
        netguard.check_url("http://192.168.0.1/x", allowed)
    with pytest.raises(netguard.UnsafeDestination):
        netguard.check_resolved("svc.example", ["10.9.9.9", "192.168.0.1"], allowed)


def test_empty_allow_list():
    assert netguard.parse_allowed_hosts(None) == (set(), ())
    assert netguard.parse_allowed_hosts(" , ") == (set(), ())


def _resolver(addresses):
    def resolve(host, port, family=0, type_=0):
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port),
            )
            for a in addresses
        ]

    return resolve


def test_resolve_and_check_every_address_must_be_public():
    url = "https://hooks.example.com/x"
    assert netguard.resolve_and_check(url, resolver=_resolver(["93.184.216.34"])) == [
        ipaddress.ip_address("93.184.216.34")
    ]
    # DNS rebinding style answers: one public, one private address
    with pytest.raises(netguard.UnsafeDestination, match="127.0.0.1"):
        netguard.resolve_and_check(url, resolver=_resolver(["93.184.216.34", "127.0.0.1"]))
    with pytest.raises(netguard.UnsafeDestination, match="metadata"):
        netguard.resolve_and_check(url, resolver=_resolver(["169.254.169.254"]))
    with pytest.raises(netguard.UnsafeDestination, match="IPv6"):
        netguard.resolve_and_check(url, resolver=_resolver(["::ffff:192.168.0.1"]))
    with pytest.raises(netguard.UnsafeDestination, match="does not resolve"):
        netguard.resolve_and_check(url, resolver=_resolver([]))


def test_resolve_and_check_passes_the_port():
    seen = []

    def resolve(host, port, family=0, type_=0):
        seen.append((host, port))
        return _resolver(["93.184.216.34"])(host, port)

    netguard.resolve_and_check("https://Hooks.Example.com/x", resolver=resolve)
    netguard.resolve_and_check("http://hooks.example.com:8080/x", resolver=resolve)
    assert seen == [("hooks.example.com", 443), ("hooks.example.com", 8080)]


def test_resolution_failure_is_refused():
    def resolve(*args):
        raise socket.gaierror(-2, "Name or service not known")

    with pytest.raises(netguard.UnsafeDestination, match="could not be resolved"):
        netguard.resolve_and_check("https://nowhere.invalid/", resolver=resolve)


def test_allowed_name_skips_the_address_check():
    allowed = netguard.parse_allowed_hosts("localhost")
    addresses = netguard.resolve_and_check(
        "http://localhost:8069/hook", allowed, resolver=_resolver(["127.0.0.1", "::1"])
    )
    assert len(addresses) == 2
