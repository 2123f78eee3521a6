"""`GET /metrics`: Prometheus metrics, only for a caller with `Bearer METRICS_API_KEY`."""

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from clawscale.api.security import require_api_key
from clawscale.metrics import exposition

router = APIRouter(include_in_schema=False)


@router.get("/metrics", dependencies=[Depends(require_api_key("METRICS_API_KEY"))])
def metrics(request: Request) -> Response:
    """The process's counters and the database's queue figures, in the text format."""
    return Response(exposition(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
