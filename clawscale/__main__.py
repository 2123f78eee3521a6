"""Entry point for `python -m clawscale`."""

import sys

from clawscale.cli import main

sys.exit(main())
