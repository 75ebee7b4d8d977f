"""The archivist's pages: search, items and their downloads, the inbox."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
