"""Schemathesis over the API's OpenAPI schema: generated and mutated requests never get a 500.

Every operation runs with a bounded number of examples, signed in as the route expects (admin,
customer, runtime keys), on both databases. An error answer is always the contract's envelope.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from clawscale.db import session_scope
from clawscale.domain.accounts.customers import register, start_session
from clawscale.settings import Settings
from tests.admin_auth import admin_headers

SETTINGS = Settings(_env_file=None)
EXAMPLES_PER_OPERATION = 12
HTML_ANSWERS = ("/api/public/subscription-checkout",)


@pytest.fixture
def credentials(session, db):
    admin = admin_headers(session)
    with session_scope(db) as writer:
        account = register(writer, SETTINGS, "Fuzz", "fuzz@example.com", "correct horse")
        customer = start_session(writer, SETTINGS, account.identity).token
    return {
        "/api/admin": admin,
        "/api/customer": {"Authorization": f"Bearer {customer}"},
        "/api/auth": {"Authorization": f"Bearer {customer}"},
        "/api/outbound": {"Authorization": f"Bearer {SETTINGS.CLAWSCALE_OUTBOUND_API_KEY}"},
        "/api/internal": {"Authorization": f"Bearer {SETTINGS.CLAWSCALE_IDENTITY_API_KEY}"},
    }


def headers_for(path, credentials):
    return next((headers for prefix, headers in credentials.items() if path.startswith(prefix)), {})


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def check_operation(operation, credentials):
    @given(case=operation.as_strategy())
    @FUZZ_SETTINGS
    def no_server_error(case):
        response = case.call(headers=headers_for(case.path, credentials), allow_redirects=False)
        assert response.status_code != 500, f"{case.method} {case.formatted_path}: {response.text}"
        if response.status_code >= 400 and not case.path.startswith(HTML_ANSWERS):
            body = response.json()
            assert body["ok"] is False
            assert isinstance(body["error"], str)

    no_server_error()


def test_no_request_gets_a_server_error(api_url, client, credentials):
    schema = schemathesis.openapi.from_url(f"{api_url}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        check_operation(operation, credentials)
