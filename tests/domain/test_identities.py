"""External identity normalisation and find-or-create, on SQLite and PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, delete, func, select

from clawscale.addresses import digits_only, plus_and_digits
from clawscale.domain.accounts.identities import (
    IdentityKey,
    find_or_create_external_identity,
    identity_type_for_provider,
    normalise_identity,
    normalise_label,
    trimmed,
)
from clawscale.domain.errors import Invalid
from clawscale.models import Channel, Customer, ExternalIdentity

WHATSAPP_KINDS = ["whatsapp", "whatsapp_business", "whatsapp_evolution"]
OTHER_PROVIDERS = ["wechat_ecloud", "wechat_personal", "telegram", "slack"]
WHITESPACE = st.text(alphabet=" \t\r\n", max_size=3)
EXTERNAL_IDS = st.text(alphabet="AbZz09_@.:- ", min_size=1, max_size=24).map(str.strip).filter(bool)
PHONE_PUNCTUATION = ["", "", " ", "-", ".", "(", ")", "/", "\t"]


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def customer(session: Session) -> Customer:
    row = Customer(display_name="Ada")
    session.add(row)
    session.commit()
    return row


@pytest.fixture
def channel(session: Session) -> Channel:
    row = Channel(kind="whatsapp_evolution", scope="shared", name="WhatsApp")
    session.add(row)
    session.commit()
    return row


# --- one rule at a time --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [("WhatsApp", "whatsapp"), ("  LINQ\t", "linq"), ("wa_ID ", "wa_id"), ("", "")],
)
def test_labels_are_trimmed_and_lower_cased(label, expected):
    assert normalise_label(label) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("+1 (415) 555-0100", "14155550100"), ("4915 1234.567@s.whatsapp.net", "49151234567")],
)
def test_wa_ids_keep_only_their_digits(value, expected):
    assert digits_only(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("+1 (415) 555-0100", "+14155550100"), ("1-415-555-0100", "+14155550100"), ("+ -", "")],
)
def test_linq_phone_numbers_are_plus_and_digits(value, expected):
    assert plus_and_digits(value) == expected


def test_other_values_are_trimmed_but_otherwise_verbatim():
    assert trimmed("  wxid_AbC-1 2 \n") == "wxid_AbC-1 2"


@pytest.mark.parametrize(
    ("provider", "identity_type"),
    [
        ("linq", "phone_number"),
        (" LINQ ", "phone_number"),
        *((kind, "wa_id") for kind in WHATSAPP_KINDS),
        ("WhatsApp_Evolution", "wa_id"),
        *((provider, "external_id") for provider in OTHER_PROVIDERS),
    ],
)
def test_identity_type_follows_the_provider(provider, identity_type):
    assert identity_type_for_provider(provider) == identity_type


@pytest.mark.parametrize(
    ("provider", "identity_type", "value", "expected"),
    [
        (" WhatsApp ", "WA_ID", "+49 151 2345", IdentityKey("whatsapp", "wa_id", "491512345")),
        ("linq", "Phone_Number", "(415) 555", IdentityKey("linq", "phone_number", "+415555")),
        ("linq", "external_id", " Ab-1 ", IdentityKey("linq", "external_id", "Ab-1")),
        ("whatsapp", "external_id", "+4 9", IdentityKey("whatsapp", "external_id", "+4 9")),
        ("Telegram", "wa_id", " 12-3 ", IdentityKey("telegram", "wa_id", "12-3")),
    ],
)
def test_the_value_rule_depends_on_provider_and_type(provider, identity_type, value, expected):
    assert normalise_identity(provider, identity_type, value) == expected


@pytest.mark.parametrize(
    ("provider", "identity_type", "value"),
    [
        ("whatsapp", "wa_id", " + - "),
        ("linq", "phone_number", "(+)"),
        ("telegram", "external_id", " \t "),
        (" ", "external_id", "42"),
        ("telegram", "", "42"),
        ("telegram", "external_id", "x" * 256),
        ("p" * 41, "external_id", "42"),
    ],
)
def test_empty_or_oversized_identities_are_invalid(provider, identity_type, value):
    with pytest.raises(Invalid) as caught:
        normalise_identity(provider, identity_type, value)
    assert caught.value.code == "invalid_identity"


# --- every spelling is one identity --------------------------------------------------------


@st.composite
def respelled(draw: st.DrawFn, text: str) -> str:
    """`text` with random letter case and surrounding whitespace."""
    cased = "".join(char.upper() if draw(st.booleans()) else char for char in text)
    return draw(WHITESPACE) + cased + draw(WHITESPACE)


@st.composite
def punctuated(draw: st.DrawFn, digits: str) -> str:
    """The digits of a phone number or wa_id written with spaces and punctuation."""
    parts = [draw(st.sampled_from(PHONE_PUNCTUATION)) + digit for digit in digits]
    return draw(WHITESPACE) + draw(st.sampled_from(["", "+", "+ "])) + "".join(parts)


@st.composite
def identity_spellings(draw: st.DrawFn) -> tuple[IdentityKey, list[tuple[str, str, str]]]:
    """One identity's normalised key and several ways a provider might spell it."""
    provider = draw(st.sampled_from([*WHATSAPP_KINDS, "linq", *OTHER_PROVIDERS]))
    identity_type = identity_type_for_provider(provider)
    if identity_type == "external_id":
        value = draw(EXTERNAL_IDS)

        spell_value = st.builds(lambda pad, tail: pad + value + tail, WHITESPACE, WHITESPACE)
    else:
        digits = draw(st.text(alphabet="0123456789", min_size=1, max_size=15))
        value = "+" + digits if provider == "linq" else digits
        spell_value = punctuated(digits)
    spellings = draw(
        st.lists(
            st.tuples(respelled(provider), respelled(identity_type), spell_value),
            min_size=2,
            max_size=5,
        )
    )
    return IdentityKey(provider, identity_type, value), spellings


@given(identity_spellings())
@settings(max_examples=200)
def test_every_spelling_normalises_to_one_key(case):
    key, spellings = case
    assert {normalise_identity(*spelling) for spelling in spellings} == {key}


@given(identity_spellings())
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_every_spelling_is_stored_as_one_row(session, customer, case):
    key, spellings = case
    session.exec(delete(ExternalIdentity))
    session.commit()
    rows = [
        find_or_create_external_identity(session, *spelling, customer_id=customer.id)
        for spelling in spellings
    ]
    session.commit()
    assert {row.id for row in rows} == {rows[0].id}
    stored = session.exec(select(ExternalIdentity)).all()
    assert [(row.provider, row.identity_type, row.identity_value) for row in stored] == [
        (key.provider, key.identity_type, key.value)
    ]


# --- find or create ------------------------------------------------------------------------


def test_first_contact_creates_the_identity(session, customer, channel):
    row = find_or_create_external_identity(
        session,
        "WhatsApp_Evolution",
        "wa_id",
        "+49 151 2345",
        customer_id=customer.id,
        channel_id=channel.id,
    )
    session.commit()
    assert (row.provider, row.identity_type, row.identity_value) == (
        "whatsapp_evolution",
        "wa_id",
        "491512345",
    )
    assert row.customer_id == customer.id
    assert row.first_seen_channel_id == channel.id
    assert row.first_seen_at == row.last_seen_at


def test_a_later_contact_finds_it_and_updates_last_seen(session, customer, channel):
    first = find_or_create_external_identity(
        session, "linq", "phone_number", "+1 415 555 0100", customer_id=customer.id
    )
    session.commit()
    first_seen, last_seen = first.first_seen_at, first.last_seen_at
    again = find_or_create_external_identity(
        session,
        "LINQ",
        "phone_number",
        "1-415-555-0100",
        customer_id="ck_ignored",
        channel_id=channel.id,
    )
    session.commit()
    assert again.id == first.id
    assert again.customer_id == customer.id
    assert again.first_seen_channel_id is None
    assert again.first_seen_at == first_seen
    assert again.last_seen_at > last_seen


def test_the_customer_factory_runs_only_for_a_new_identity(session):
    created: list[Customer] = []

    def new_customer(db: Session) -> Customer:
        row = Customer(display_name="first contact")
        db.add(row)
        created.append(row)
        return row

    first = find_or_create_external_identity(
        session, "telegram", "external_id", "42", customer_factory=new_customer
    )
    again = find_or_create_external_identity(
        session, "telegram", "external_id", " 42 ", customer_factory=new_customer
    )
    session.commit()
    assert [row.id for row in created] == [first.customer_id]
    assert again.id == first.id
    assert _count(session, Customer) == 1


@pytest.mark.parametrize(
    "owner",
    [{}, {"customer_id": "ck_x", "customer_factory": lambda db: Customer()}],
    ids=["neither", "both"],
)
def test_exactly_one_owner_must_be_given(session, owner):
    with pytest.raises(TypeError):
        find_or_create_external_identity(session, "telegram", "external_id", "42", **owner)


def test_an_invalid_identity_stores_nothing(session, customer):
    with pytest.raises(Invalid):
        find_or_create_external_identity(
            session, "whatsapp", "wa_id", "n/a", customer_id=customer.id
        )
    session.commit()
    assert _count(session, ExternalIdentity) == 0


def test_integrity_errors_other_than_the_race_are_raised(session):
    with pytest.raises(IntegrityError):
        find_or_create_external_identity(
            session, "telegram", "external_id", "42", customer_id="ck_none"
        )


def test_concurrent_first_contact_lands_on_one_row(db, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("row-level concurrency is exercised on PostgreSQL")
    threads = 8
    barrier = threading.Barrier(threads)

    def new_customer(session: Session) -> Customer:
        row = Customer(display_name="racer")
        session.add(row)
        return row

    def first_contact(spelling: str) -> tuple[str, str]:
        with Session(db, expire_on_commit=False) as session:
            barrier.wait()
            row = find_or_create_external_identity(
                session, "whatsapp", "wa_id", spelling, customer_factory=new_customer
            )
            session.commit()
            return row.id, row.customer_id

    spellings = (["+49 (151) 02345", "4915102345", " 49-151-023-45 "] * threads)[:threads]
    with ThreadPoolExecutor(threads) as pool:
        results = set(pool.map(first_contact, spellings))
    with Session(db) as session:
        assert _count(session, ExternalIdentity) == 1
        assert _count(session, Customer) == 1
        stored = session.exec(select(ExternalIdentity)).one()
    assert results == {(stored.id, stored.customer_id)}
