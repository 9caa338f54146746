"""``python -m sharecube``: the same as the ``sharecube`` command (see :mod:`sharecube.cli`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from sharecube.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
