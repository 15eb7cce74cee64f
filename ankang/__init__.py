"""The composition root: the ``ankang`` command, the process runner, the demo and the typed ``Services``.

The only package that imports both ``bot/`` and ``web/``; they import domain packages and ``core/``,
never each other and never this one.
"""
