"""``python -m analysis``: see :mod:`analysis.cli`."""
import sys

from .cli import main

if __name__ == "__main__":  # worker processes (spawn, dask) import this module without running the CLI
    sys.exit(main())
