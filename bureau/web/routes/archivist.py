"""The archivist's pages: search, items and their downloads, the inbox.

Each page lives in its own module (archivist_search, archivist_items, archivist_inbox);
this one joins them into the area's router.
"""

from __future__ import annotations

from fastapi import APIRouter

from bureau.web.routes import archivist_inbox, archivist_items, archivist_search

router = APIRouter()
router.include_router(archivist_search.router)
router.include_router(archivist_items.router)
router.include_router(archivist_inbox.router)
