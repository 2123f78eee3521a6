"""The gateway API alone, as `reflex_api_transformer` puts it in front of Reflex's backend, for
granian (`tests.scale.api_only:app`): what a test needs of a backend that is not about Reflex,
without evaluating every page at start-up."""

from clawscale.api.app import build_api
from clawscale.db import get_engine

app = build_api(get_engine())
