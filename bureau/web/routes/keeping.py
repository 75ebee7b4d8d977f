"""The archivist's and administrator's keeping pages: retention, holds, reviews, disposal
lists and backups."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
