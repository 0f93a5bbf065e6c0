"""Start a test's child process as a terminal would: with Ctrl-C (SIGINT) at its default.

A command started in the background by a non-interactive shell (``cmd &``, as CI runners and
``nohup`` may do) ignores SIGINT, and its children inherit that; Python then installs no
KeyboardInterrupt handler at all. Tests that press Ctrl-C pass ``preexec_fn=default_ctrl_c``.
"""

from __future__ import annotations

import signal


def default_ctrl_c() -> None:
    """Run in the child before exec: SIGINT back to its default action."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
