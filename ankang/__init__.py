"""The composition root: the ``ankang`` command, the process runner, the demo and the typed ``Services``.

The only package that imports both ``bot/`` and ``web/``; they import domain packages and ``core/``,
never each other and never this one.
"""
import sys

# httpx (under python-telegram-bot) imports its command-line tool when click is installed, and the tool
# imports pygments' lexers (about 1 MB) before it fails on rich, which is not installed. Ankang never runs
# that tool: marked "not importable", httpx defines its stub ``main`` instead (issue 14, point 7).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
