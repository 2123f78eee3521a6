"""`POST /api/outbound`: replies pushed by the agent runtime (see CONTRACT.md)."""

from fastapi import APIRouter

router = APIRouter()
