"""Progress bars (tqdm): shown in a terminal and in JupyterLab, quiet when output is not a terminal.

``FRAMING_PROGRESS=1`` or ``0`` forces them on or off (the headless notebook runner turns
them off, so executed notebooks carry no bars).
"""
from __future__ import annotations

import os
import sys


def enabled(force: bool | None = None) -> bool:
    """Whether to show progress: ``force`` if given, else FRAMING_PROGRESS, else a TTY or a Jupyter kernel."""
    if force is not None:
        return force
    env = os.environ.get("FRAMING_PROGRESS")
    if env in ("0", "1"):
        return env == "1"
    if sys.stderr.isatty():
        return True
    try:
        from IPython import get_ipython

        shell = get_ipython()
        return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"
    except ImportError:
        return False


def bar(*, total: int, desc: str, unit: str = "it", position: int = 0, force: bool | None = None):
    """A tqdm bar (tqdm.auto: a widget in JupyterLab, text in a terminal) with rate and ETA."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, position=position, file=sys.stderr, dynamic_ncols=True,
                leave=True, disable=not enabled(force))
