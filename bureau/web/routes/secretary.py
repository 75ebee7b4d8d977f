"""The secretary's pages: generating one document from a form (generating.py) and a
batch from an uploaded sheet (batching.py)."""

from __future__ import annotations

from fastapi import APIRouter

from bureau.web.routes import batching, generating

router = APIRouter()
router.include_router(generating.router)
router.include_router(batching.router)
