"""``python -m convpool.checker PATH``: the same as ``convpool check PATH``."""

import sys

from .run import main

sys.exit(main())
