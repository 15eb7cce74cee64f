"""``python -m bot.devserver --port 8081``."""
import sys

from .standalone import main

sys.exit(main())
