"""The runtime's internal bridge calls over real HTTP, on SQLite and PostgreSQL."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from clawscale.domain.runtime.bridge import clawscale_user_id
from clawscale.models import (
    Agent,
    AgentBinding,
    Channel,
    Conversation,
    Customer,
    DeliveryRoute,
    EndUser,
)

KEY = "dev-identity-api-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
TENANT = "coke"
BUSINESS_KEY = "coke:conversation:1"
BINDINGS = "/api/internal/coke-bindings"
DELIVERY = "/api/internal/coke-delivery"
PROVISION = "/api/internal/coke-users/provision"
SNAPSHOT_TABLES = (Customer, EndUser, Conversation, DeliveryRoute, AgentBinding)


@dataclass
class World:
    """A customer, and an unbound end user with one conversation on a channel."""

    customer: Customer
    other_customer: Customer
    channel: Channel
    end_user: EndUser
    conversation: Conversation


@pytest.fixture
def world(session: Session) -> World:
    customer = Customer(display_name="Ada")
    other_customer = Customer(display_name="Grace")
    channel = Channel(kind="wechat_personal", name="WeChat")
    session.add_all([customer, other_customer, channel])
    session.flush()
    end_user = EndUser(channel_id=channel.id, external_id="wxid_alice")
    session.add(end_user)
    session.flush()
    conversation = Conversation(channel_id=channel.id, end_user_id=end_user.id)
    session.add(conversation)
    session.commit()
    return World(customer, other_customer, channel, end_user, conversation)


@pytest.fixture
def default_agent(session: Session) -> Agent:
    agent = Agent(slug="coke", name="Coke", endpoint="http://127.0.0.1:1/agent", is_default=True)
    session.add(agent)
    session.commit()
    return agent


def binding_body(world: World) -> dict[str, object]:
    return {
        "tenant_id": TENANT,
        "channel_id": world.channel.id,
        "external_id": "wxid_alice",
        "customer_id": world.customer.id,
    }


def delivery_body(world: World) -> dict[str, object]:
    return {
        "tenant_id": TENANT,
        "conversation_id": world.conversation.id,
        "account_id": world.customer.id,
        "business_conversation_key": BUSINESS_KEY,
        "channel_id": world.channel.id,
        "end_user_id": world.end_user.id,
        "external_end_user_id": "wxid_alice",
    }


def provision_body(world: World) -> dict[str, object]:
    return {"customer_id": world.customer.id, "display_name": "Ada Lovelace"}


ROUTES: dict[str, tuple[str, Callable[[World], dict[str, object]]]] = {
    "bindings": (BINDINGS, binding_body),
    "delivery": (DELIVERY, delivery_body),
    "provision": (PROVISION, provision_body),
}


def snapshot(session: Session) -> dict[str, list[dict[str, object]]]:
    """Every row of the tables the bridge writes, read afresh."""
    session.expire_all()
    return {
        model.__name__: sorted(
            (row.model_dump(warnings=False) for row in session.exec(select(model))), key=repr
        )
        for model in SNAPSHOT_TABLES
    }


def reload(session: Session, row):
    session.refresh(row)
    return row


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["ok"] is False
    assert response.json()["error"] == code


def post(client, path: str, body: object):
    return client.post(path, json=body, headers=AUTH)


# --- POST /api/internal/coke-bindings ------------------------------------------------------


def test_binding_binds_the_end_user_and_its_conversations(client, session, world):
    response = post(client, BINDINGS, binding_body(world))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "ok": True,
        "data": {
            "clawscale_user_id": clawscale_user_id(TENANT, world.customer.id),
            "end_user_id": world.end_user.id,
            "coke_account_id": world.customer.id,
        },
    }
    assert reload(session, world.end_user).customer_id == world.customer.id
    assert reload(session, world.conversation).customer_id == world.customer.id


@pytest.mark.parametrize(
    "aliases", [("customer_id",), ("coke_account_id",), ("customer_id", "coke_account_id")]
)
def test_binding_names_the_account_by_either_alias(client, session, world, aliases):
    body = binding_body(world)
    del body["customer_id"]
    body.update(dict.fromkeys(aliases, world.customer.id))
    response = post(client, BINDINGS, body)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["coke_account_id"] == world.customer.id


def test_binding_again_is_idempotent(client, session, world):
    first = post(client, BINDINGS, binding_body(world))
    before = snapshot(session)
    again = post(client, BINDINGS, {**binding_body(world), "unknown_field": [1, 2]})
    assert again.status_code == 200
    assert again.json() == first.json()
    assert snapshot(session) == before


@pytest.mark.parametrize(
    "change",
    [{"external_id": "wxid_nobody"}, {"channel_id": "ch_nowhere"}, {"external_id": "WXID_ALICE"}],
)
def test_binding_an_unknown_end_user_is_404(client, session, world, change):
    before = snapshot(session)
    response = post(client, BINDINGS, {**binding_body(world), **change})
    assert_error(response, 404, "end_user_not_found")
    assert snapshot(session) == before


def test_binding_to_an_unknown_account_is_404(client, session, world):
    before = snapshot(session)
    response = post(client, BINDINGS, {**binding_body(world), "customer_id": "ck_nobody"})
    assert_error(response, 404, "coke_account_not_found")
    assert snapshot(session) == before


@pytest.mark.parametrize("bound", ["end_user", "conversation"])
def test_binding_what_another_account_holds_is_409(client, session, world, bound):
    row = getattr(world, bound)
    row.customer_id = world.other_customer.id
    session.add(row)
    session.commit()
    before = snapshot(session)
    response = post(client, BINDINGS, binding_body(world))
    assert_error(response, 409, "end_user_already_bound")
    assert snapshot(session) == before


# --- POST /api/internal/coke-delivery ------------------------------------------------------


def test_delivery_binds_the_conversation_and_upserts_the_route(client, session, world):
    response = post(client, DELIVERY, delivery_body(world))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "ok": True,
        "data": {
            "tenant_id": TENANT,
            "account_id": world.customer.id,
            "business_conversation_key": BUSINESS_KEY,
            "channel_id": world.channel.id,
            "end_user_id": world.end_user.id,
            "external_end_user_id": "wxid_alice",
            "is_active": True,
        },
    }
    conversation = reload(session, world.conversation)
    assert (conversation.customer_id, conversation.business_conversation_key) == (
        world.customer.id,
        BUSINESS_KEY,
    )
    route = session.get_one(DeliveryRoute, (world.customer.id, BUSINESS_KEY))
    assert (route.channel_id, route.end_user_id, route.external_end_user_id, route.is_active) == (
        world.channel.id,
        world.end_user.id,
        "wxid_alice",
        True,
    )


def test_delivery_again_is_idempotent(client, session, world):
    first = post(client, DELIVERY, delivery_body(world))
    before = snapshot(session)
    again = post(client, DELIVERY, {**delivery_body(world), "product_notification_id": "n1"})
    assert again.status_code == 200
    assert again.json() == first.json()
    assert snapshot(session) == before


def test_delivery_again_reactivates_an_inactive_route(client, session, world):
    post(client, DELIVERY, delivery_body(world))
    route = session.get_one(DeliveryRoute, (world.customer.id, BUSINESS_KEY))
    route.is_active = False
    session.add(route)
    session.commit()
    response = post(client, DELIVERY, delivery_body(world))
    assert response.json()["data"]["is_active"] is True
    assert reload(session, route).is_active


def test_delivery_for_another_end_user_moves_the_route(client, session, world):
    post(client, DELIVERY, delivery_body(world))
    bob = EndUser(channel_id=world.channel.id, external_id="wxid_bob")
    session.add(bob)
    session.flush()
    bobs = Conversation(channel_id=world.channel.id, end_user_id=bob.id)
    session.add(bobs)
    session.commit()
    body = {
        **delivery_body(world),
        "conversation_id": bobs.id,
        "end_user_id": bob.id,
        "external_end_user_id": "wxid_bob",
    }
    response = post(client, DELIVERY, body)
    assert response.status_code == 200, response.text
    route = reload(session, session.get_one(DeliveryRoute, (world.customer.id, BUSINESS_KEY)))
    assert (route.end_user_id, route.external_end_user_id) == (bob.id, "wxid_bob")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"conversation_id": "cv_nowhere"}, 404, "conversation_not_found"),
        ({"account_id": "ck_nobody"}, 404, "coke_account_not_found"),
        ({"channel_id": "ch_elsewhere"}, 409, "conversation_identity_mismatch"),
        ({"end_user_id": "eu_someone"}, 409, "conversation_identity_mismatch"),
        ({"external_end_user_id": "wxid_mallory"}, 409, "external_end_user_mismatch"),
        ({"tenant_id": "acme"}, 404, "tenant_not_found"),
    ],
)
def test_delivery_refuses_what_does_not_match(client, session, world, change, status, code):
    before = snapshot(session)
    response = post(client, DELIVERY, {**delivery_body(world), **change})
    assert_error(response, status, code)
    assert snapshot(session) == before


@pytest.mark.parametrize(
    ("row", "field", "value"),
    [
        ("conversation", "customer_id", "other"),
        ("conversation", "business_conversation_key", "coke:conversation:2"),
        ("end_user", "customer_id", "other"),
    ],
)
def test_delivery_of_a_conversation_bound_elsewhere_is_409(
    client, session, world, row, field, value
):
    bound = getattr(world, row)
    setattr(bound, field, world.other_customer.id if value == "other" else value)
    session.add(bound)
    session.commit()
    before = snapshot(session)
    response = post(client, DELIVERY, delivery_body(world))
    assert_error(response, 409, "conversation_binding_conflict")
    assert snapshot(session) == before


def test_delivery_after_binding_the_end_user_succeeds(client, session, world):
    assert post(client, BINDINGS, binding_body(world)).status_code == 200
    assert post(client, DELIVERY, delivery_body(world)).status_code == 200


# --- POST /api/internal/coke-users/provision -----------------------------------------------


@pytest.mark.parametrize(
    "aliases",
    [
        ("customer_id",),
        ("account_id",),
        ("coke_account_id",),
        ("customer_id", "account_id", "coke_account_id"),
    ],
)
def test_provision_answers_the_gateway_user(client, session, world, default_agent, aliases):
    body = dict.fromkeys(aliases, world.customer.id)
    response = post(client, PROVISION, body)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "ok": True,
        "data": {
            "tenant_id": TENANT,
            "clawscale_user_id": clawscale_user_id(TENANT, world.customer.id),
        },
    }
    assert reload(session, world.customer).display_name == "Ada"


def test_provision_renames_the_customer_and_is_idempotent(client, session, world, default_agent):
    first = post(client, PROVISION, provision_body(world))
    assert reload(session, world.customer).display_name == "Ada Lovelace"
    before = snapshot(session)
    again = post(client, PROVISION, {**provision_body(world), "display_name": "  "})
    assert again.json() == first.json()
    assert snapshot(session) == before


def test_provision_and_binding_agree_on_the_user_id(client, world, default_agent):
    provisioned = post(client, PROVISION, provision_body(world)).json()["data"]
    bound = post(client, BINDINGS, binding_body(world)).json()["data"]
    assert provisioned["clawscale_user_id"] == bound["clawscale_user_id"]


def test_provision_is_ready_with_the_customer_s_own_agent_binding(client, session, world):
    agent = Agent(slug="special", name="Special", endpoint="http://127.0.0.1:1/special")
    session.add(agent)
    session.flush()
    session.add(AgentBinding(customer_id=world.customer.id, agent_id=agent.id))
    session.commit()
    assert post(client, PROVISION, provision_body(world)).status_code == 200


def test_provision_without_any_agent_is_503(client, session, world):
    before = snapshot(session)
    assert_error(post(client, PROVISION, provision_body(world)), 503, "provision_not_ready")
    assert snapshot(session) == before


def test_provision_of_a_suspended_customer_is_503(client, session, world, default_agent):
    world.customer.suspended = True
    session.add(world.customer)
    session.commit()
    before = snapshot(session)
    assert_error(post(client, PROVISION, provision_body(world)), 503, "provision_not_ready")
    assert snapshot(session) == before


def test_provision_of_an_unknown_account_is_404(client, session, world, default_agent):
    response = post(client, PROVISION, {"account_id": "ck_nobody"})
    assert_error(response, 404, "coke_account_not_found")


def test_provision_checks_a_tenant_when_one_is_sent(client, world, default_agent):
    assert (
        post(client, PROVISION, {**provision_body(world), "tenant_id": TENANT}).status_code == 200
    )
    response = post(client, PROVISION, {**provision_body(world), "tenant_id": "acme"})
    assert_error(response, 404, "tenant_not_found")


# --- what every route shares ---------------------------------------------------------------


@pytest.mark.parametrize("route", ["bindings", "delivery"])
def test_another_tenant_is_404(client, session, world, route):
    path, body = ROUTES[route]
    before = snapshot(session)
    assert_error(post(client, path, {**body(world), "tenant_id": "acme"}), 404, "tenant_not_found")
    assert snapshot(session) == before


@pytest.mark.parametrize("route", ROUTES)
def test_the_tenant_comes_from_the_settings(client, world, default_agent, use_settings, route):
    use_settings(COKE_PLATFORM_TENANT_ID="acme")
    path, body = ROUTES[route]
    response = post(client, path, {**body(world), "tenant_id": "acme"})
    assert response.status_code == 200, response.text
    if route != "bindings":
        assert response.json()["data"]["tenant_id"] == "acme"
    assert_error(post(client, path, {**body(world), "tenant_id": TENANT}), 404, "tenant_not_found")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": "Bearer"},
        {"Authorization": KEY},
        {"Authorization": f"Basic {KEY}"},
        {"Authorization": f"Bearer {KEY}x"},
    ],
    ids=["missing", "wrong", "empty", "no-scheme", "basic", "longer"],
)
def test_a_missing_or_wrong_key_is_401(client, session, world, default_agent, route, headers):
    path, body = ROUTES[route]
    before = snapshot(session)
    assert_error(client.post(path, json=body(world), headers=headers), 401, "unauthorized")
    assert_error(client.post(path, json={}, headers=headers), 401, "unauthorized")
    assert snapshot(session) == before


@pytest.mark.parametrize("route", ROUTES)
def test_an_unset_key_rejects_everything(client, session, world, use_settings, route):
    use_settings(CLAWSCALE_IDENTITY_API_KEY="")
    path, body = ROUTES[route]
    before = snapshot(session)
    for headers in (AUTH, {"Authorization": "Bearer"}, {}):
        assert_error(client.post(path, json=body(world), headers=headers), 401, "unauthorized")
    assert snapshot(session) == before


def _bad_bodies(valid: dict[str, object]) -> dict[str, object]:
    first_field = next(iter(valid))
    return {
        "empty object": {},
        "missing field": {key: value for key, value in valid.items() if key != first_field},
        "numbers": dict.fromkeys(valid, 42),
        "nulls": dict.fromkeys(valid, None),
        "blank strings": dict.fromkeys(valid, "   "),
        "lists": {key: [value] for key, value in valid.items()},
        "array": [valid],
        "string": "hello",
        "oversized field": {**valid, first_field: "x" * 300},
        "1 MB field": {**valid, first_field: "x" * 1_000_000},
    }


def assert_rejected(response) -> None:
    assert response.status_code in (400, 413), response.text
    assert response.json()["ok"] is False
    assert response.json()["error"] in ("invalid_body", "payload_too_large")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kind", list(_bad_bodies({"x": 1})))
def test_a_bad_body_is_400_and_changes_nothing(client, session, world, default_agent, route, kind):
    path, valid_body = ROUTES[route]
    before = snapshot(session)
    assert_rejected(post(client, path, _bad_bodies(valid_body(world))[kind]))
    assert snapshot(session) == before


@pytest.mark.parametrize("route", ROUTES)
def test_a_body_that_is_not_json_is_400(client, session, world, default_agent, route):
    path, valid_body = ROUTES[route]
    before = snapshot(session)
    json_header = {**AUTH, "Content-Type": "application/json"}
    assert_rejected(client.post(path, content=b"{not json", headers=json_header))
    assert_rejected(client.post(path, content=b"", headers=json_header))
    form = {key: str(value) for key, value in valid_body(world).items()}
    assert_rejected(client.post(path, data=form, headers=AUTH))
    assert snapshot(session) == before


@pytest.mark.parametrize("route", ["bindings", "provision"])
@pytest.mark.parametrize(
    "change",
    [{"coke_account_id": "ck_someone_else"}, {"customer_id": None}],
    ids=["disagreeing", "none"],
)
def test_the_account_aliases_must_name_one_account(
    client, session, world, default_agent, route, change
):
    path, valid_body = ROUTES[route]
    before = snapshot(session)
    response = post(client, path, {**valid_body(world), **change})
    assert_error(response, 400, "invalid_body")
    assert snapshot(session) == before
