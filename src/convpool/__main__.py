"""``python -m convpool``: the same as the ``convpool`` command."""

import sys

from .cli import main

sys.exit(main())
