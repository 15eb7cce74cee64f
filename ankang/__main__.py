"""``python -m ankang``: the ``ankang`` command."""
from ankang.cli import main

main(prog_name="ankang")
