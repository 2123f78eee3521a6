"""`GET /metrics`: Prometheus metrics, only for a caller with `Bearer METRICS_API_KEY`."""

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from clawscale.api.security import require_api_key

router = APIRouter(include_in_schema=False)


@router.get("/metrics", dependencies=[Depends(require_api_key("METRICS_API_KEY"))])
def metrics(request: Request) -> Response:
    """The process's counters and the database's queue figures, in the text format."""
    body = generate_latest(REGISTRY) + generate_latest(request.app.state.metrics_registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
