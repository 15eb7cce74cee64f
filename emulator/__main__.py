"""``python -m emulator --port 8081``."""
import sys

from .standalone import main

sys.exit(main())
