"""``python -m img2code`` runs the command line."""

from img2code.cli import main

main()
