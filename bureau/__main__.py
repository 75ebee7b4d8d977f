"""The `bureau` command's entry point: `bureau ...` and `python -m bureau ...`.

Warnings raised by libraries (pyHanko's import alone prints a CryptographyDeprecationWarning)
are for developers, not for the people at the terminal. They are silenced here, before
anything else is imported, and shown again with `--debug`. Code that imports `bureau.cli`
directly (the tests, in-process) sees them as usual.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--debug" not in args:
        warnings.simplefilter("ignore")
    from bureau import cli

    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
