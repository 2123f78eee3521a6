"""Routes that answer with records declare their answer's model (`response_model`), so what a
client sees is what a `...Public` model lists, never a row's every column."""

TYPED_PREFIXES = (
    "/api/admin/agents",
    "/api/admin/deliveries",
    "/api/admin/customers",
    "/api/admin/channels",
    "/api/internal/",
    "/api/auth/",
    "/api/customer/",
    "/api/webhooks/",
)
NOT_JSON = {
    "/api/auth/handoff",
    "/api/auth/signed-out",
    "GET /api/webhooks/{kind}/{channel_id}/{token}",
}
"""Answers under those prefixes that are not JSON: redirects, and Meta's plain-text challenge."""


def success_schema(operation: dict) -> dict:
    answer = operation["responses"].get("200") or operation["responses"]["201"]
    return answer["content"]["application/json"]["schema"]


def test_record_routes_declare_their_answer(api_app):
    paths = api_app.openapi()["paths"]
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, methods in paths.items()
        if path.startswith(TYPED_PREFIXES) and path not in NOT_JSON
        for method, operation in methods.items()
        if f"{method.upper()} {path}" not in NOT_JSON
    ]
    assert len(operations) >= 30
    untyped = [name for name, operation in operations if "$ref" not in success_schema(operation)]
    assert untyped == []


def test_the_openapi_document_names_the_public_models(api_app):
    schemas = api_app.openapi()["components"]["schemas"]
    for name in ("AgentPublic", "DeliveryPublic", "ChannelPublic", "CustomerRow"):
        assert name in schemas
    assert "token_encrypted" not in schemas["AgentPublic"]["properties"]
    assert "lease_owner" not in schemas["DeliveryPublic"]["properties"]
    assert "secrets_encrypted" not in schemas["ChannelPublic"]["properties"]
