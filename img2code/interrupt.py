"""Ctrl-C as the worker threads see it.

The command line's SIGINT handler sets ``CTRL_C`` before the main thread stops. Chromium, in the
same process group, dies of the same signal, so a conversion on a worker thread may fail at once,
before the main thread has closed the session: a failure seen once ``CTRL_C`` is set was caused
by the interrupt, and the run is recorded as interrupted, not failed.
"""

from __future__ import annotations

import threading

CTRL_C = threading.Event()
