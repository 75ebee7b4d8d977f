"""The archivist's and administrator's keeping pages: retention, holds, reviews, disposal
lists and backups (each in its own module, joined here into the area's router)."""

from __future__ import annotations

from fastapi import APIRouter

from bureau.web.routes import keeping_backups, keeping_disposal, keeping_retention

router = APIRouter()
router.include_router(keeping_retention.router)
router.include_router(keeping_disposal.router)
router.include_router(keeping_backups.router)
