"""`python -m bot` is the same as the `supportbot` command."""

import sys

from bot.cli import main

sys.exit(main())
