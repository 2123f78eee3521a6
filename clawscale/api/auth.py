"""The `/api/auth` namespace (see CONTRACT.md); its routes arrive with their issues."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/auth")
