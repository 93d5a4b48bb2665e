"""``python -m convpool.cli``: the same as the ``convpool`` command."""

import sys

from . import main

sys.exit(main())
