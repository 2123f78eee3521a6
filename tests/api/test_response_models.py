"""Routes that answer with records declare their answer's model (`response_model`), so what a
client sees is what a `...Public` model lists, never a row's every column."""

from clawscale.api.admin_shared_channels import SharedChannelPublic
from clawscale.channels.registry import SHARED_KINDS, build_shared_adapters, every_secret_name
from clawscale.settings import Settings

REDIRECTS = {
    "/api/auth/handoff",
    "/api/auth/signed-out",
    "/api/public/subscription-checkout",
    "/api/customer/google-calendar-import/callback/google",
}
"""Routes that answer with a redirect (or, for a bad link, a page in words)."""


def json_answer(operation: dict) -> dict | None:
    answer = operation["responses"].get("200") or operation["responses"]["201"]
    return answer.get("content", {}).get("application/json")


def test_every_json_answer_is_a_declared_model(api_app):
    paths = api_app.openapi()["paths"]
    answers = {
        f"{method.upper()} {path}": json_answer(operation)
        for path, methods in paths.items()
        if path not in REDIRECTS
        for method, operation in methods.items()
    }
    assert len(answers) >= 50
    not_json = sorted(name for name, answer in answers.items() if answer is None)
    assert not_json == [
        "GET /api/public/subscription-checkout/cancelled",
        "GET /api/public/subscription-checkout/success",
        "GET /api/webchat/{channel_id}/stream",
        "GET /api/webhooks/{kind}/{channel_id}/{token}",
    ]
    untyped = [
        name for name, answer in answers.items() if answer and "$ref" not in answer["schema"]
    ]
    assert untyped == []


def test_the_openapi_document_names_the_public_models(api_app):
    schemas = api_app.openapi()["components"]["schemas"]
    for name in ("AgentPublic", "DeliveryPublic", "ChannelPublic", "CustomerRow", "Health"):
        assert name in schemas
    assert "token_encrypted" not in schemas["AgentPublic"]["properties"]
    assert "lease_owner" not in schemas["DeliveryPublic"]["properties"]
    assert "secrets_encrypted" not in schemas["ChannelPublic"]["properties"]
    assert "secrets_encrypted" not in schemas["SharedChannelPublic"]["properties"]


def test_shared_channels_show_a_flag_for_every_secret_a_kind_may_hold():
    flags = {name for name in SharedChannelPublic.model_fields if name.startswith("has_")}
    assert flags == {f"has_{name}" for name in every_secret_name()}


def test_every_shared_kind_is_built_with_its_base_url():
    built = build_shared_adapters(Settings())
    assert {type(adapter) for adapter in built.values()} == set(SHARED_KINDS)
