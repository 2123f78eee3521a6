"""The client-address rule behind trusted proxies, on its own (clawscale.client_address)."""

import pytest
from pydantic import ValidationError

from clawscale.client_address import client_address, parse_address, parse_networks
from clawscale.settings import Settings

TRUSTED = parse_networks("127.0.0.1, 10.0.0.0/8, fd00::/8")


def test_an_untrusted_peer_is_the_client_whatever_it_forwards():
    assert client_address("198.51.100.7", ["6.6.6.6"], TRUSTED) == "198.51.100.7"
    assert client_address("198.51.100.7", ["for=6.6.6.6"], TRUSTED, "forwarded") == ("198.51.100.7")


def test_no_trusted_proxies_means_the_peer():
    assert client_address("127.0.0.1", ["6.6.6.6"], ()) == "127.0.0.1"


def test_the_walk_skips_trusted_hops_from_the_right():
    chain = ["6.6.6.6, 203.0.113.9", "10.1.2.3"]
    assert client_address("127.0.0.1", chain, TRUSTED) == "203.0.113.9"


def test_a_chain_of_trusted_hops_only_gives_its_leftmost():
    assert client_address("127.0.0.1", ["10.0.0.2, 10.0.0.1"], TRUSTED) == "10.0.0.2"
    assert client_address("127.0.0.1", [], TRUSTED) == "127.0.0.1"


def test_forwarded_elements_with_ports_quotes_and_ipv6():
    header = 'for=6.6.6.6;proto=http, for="[2001:db8::7]:443";by=10.0.0.1, for=10.0.0.9'
    assert client_address("127.0.0.1", [header], TRUSTED, "forwarded") == "2001:db8::7"


def test_a_hop_that_is_no_address_stops_at_the_nearest_known_hop():
    assert client_address("127.0.0.1", ["6.6.6.6, unknown, 10.0.0.4"], TRUSTED) == "10.0.0.4"
    assert client_address("127.0.0.1", ["by=10.0.0.1"], TRUSTED, "forwarded") == "127.0.0.1"


@pytest.mark.parametrize(
    ("written", "address"),
    [
        ("203.0.113.9:5123", "203.0.113.9"),
        ("[2001:db8::1]:80", "2001:db8::1"),
        ('"2001:DB8::1"', "2001:db8::1"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
    ],
)
def test_addresses_as_proxies_write_them(written, address):
    assert str(parse_address(written)) == address


@pytest.mark.parametrize("value", ["unknown", "_hidden", "", "[2001:db8::1"])
def test_names_that_are_no_address(value):
    assert parse_address(value) is None


def test_trusted_proxies_must_be_addresses_or_networks():
    assert parse_networks(" , ") == ()
    with pytest.raises(ValueError, match="not an address"):
        parse_networks("10.0.0.0/8, proxy.example")


def test_the_setting_refuses_an_entry_that_is_no_address():
    with pytest.raises(ValidationError, match="proxy-host"):
        Settings(_env_file=None, TRUSTED_PROXIES="10.0.0.0/8, proxy-host")
    settings = Settings(_env_file=None, TRUSTED_PROXIES="10.0.0.0/8, 192.0.2.10")
    assert [str(network) for network in settings.trusted_proxy_networks] == [
        "10.0.0.0/8",
        "192.0.2.10/32",
    ]
