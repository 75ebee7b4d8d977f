"""The archivist's pages: search, items and their downloads, the inbox.

Each page lives in its own module (archivist_search, ...);
this one joins them into the area's router.
"""

from __future__ import annotations

from fastapi import APIRouter

from bureau.web.routes import archivist_search

router = APIRouter()
router.include_router(archivist_search.router)
