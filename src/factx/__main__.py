"""``python -m factx`` runs the command line."""

from factx.cli import main

main()
