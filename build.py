#!/usr/bin/env python3
"""`python build.py [options]` is `govsite build [options]`; `python build.py serve` is `govsite serve`."""
import sys

from govsite.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        args = ["build", *args]
    sys.exit(main(args))
