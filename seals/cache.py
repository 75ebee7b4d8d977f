"""The per-user cache of things sealing derives and reuses: stamp-font subsets, seal pictures.

Everything in it can be made again from its inputs, so it lives outside the data home:
`$XDG_CACHE_HOME/bureau-seals/<kind>` (default `~/.cache`), else a private folder in the
temporary directory when the home directory is not writable.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from archive.errors import OperationFailed


def cache_dir(kind: str) -> Path:
    """The writable cache folder for `kind` ("fonts", "pictures"), created if need be."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for candidate in (Path(base), Path(tempfile.gettempdir()) / f"bureau-{os.getuid()}"):
        target = candidate / "bureau-seals" / kind
        try:
            target.mkdir(parents=True, exist_ok=True)
            if os.access(target, os.W_OK):
                return target
        except OSError:
            continue
    raise OperationFailed(f"no writable cache directory for the seal {kind} (set XDG_CACHE_HOME)")
