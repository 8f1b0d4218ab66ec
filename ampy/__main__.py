"""``python -m ampy``."""

import sys

from .cli import main

sys.exit(main())
