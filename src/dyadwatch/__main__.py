"""``python -m dyadwatch``: the command line."""

from dyadwatch.cli import main

main()
