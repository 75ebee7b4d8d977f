"""The secretary's pages: generating one document from a form (generating.py)."""

from __future__ import annotations

from fastapi import APIRouter

from bureau.web.routes import generating

router = APIRouter()
router.include_router(generating.router)
