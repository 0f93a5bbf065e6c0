"""Worker threads over a queue of inputs: how a batch (and an eval) converts ``--jobs`` inputs at once.

Each worker takes the next input, works on it, and hands the outcome to ``on_done``, which runs
under a lock (one at a time, so it may append to a log and update a display). On Ctrl-C the
workers take no new input and the call returns at once (after letting an ``on_done`` in progress
finish), without waiting for the inputs in flight: the threads are daemons, the process is ending.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

POLL_S = 0.5  # how often the calling thread wakes to call on_tick while it waits
FINISH_WRITE_S = 5.0  # on Ctrl-C, how long an on_done in progress may take to finish


def run_jobs(
    items: Sequence[In],
    work: Callable[[In], Out],
    *,
    jobs: int,
    on_done: Callable[[In, Out], None],
    on_tick: Callable[[], None] | None = None,
) -> None:
    """Call ``work(item)`` for every item on ``jobs`` threads, then ``on_done(item, outcome)``.

    ``work`` should turn failures into outcomes: an exception it lets out ends its thread, and that
    input (and the ones the thread would have taken) gets no ``on_done``. ``on_tick`` runs in the
    calling thread, under the same lock, every POLL_S seconds while the workers run.
    """
    pending: queue.Queue[In] = queue.Queue()
    for item in items:
        pending.put(item)
    stop = threading.Event()
    lock = threading.Lock()

    def worker() -> None:
        while not stop.is_set():
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            outcome = work(item)
            with lock:
                if stop.is_set():  # interrupted: the caller is cleaning up; the outcome is dropped
                    return
                on_done(item, outcome)

    threads = [
        threading.Thread(target=worker, name=f"img2code-job-{n}", daemon=True)
        for n in range(min(jobs, len(items)))
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(POLL_S)
                if on_tick is not None:
                    with lock:
                        on_tick()
    except BaseException:
        stop.set()
        if lock.acquire(timeout=FINISH_WRITE_S):
            lock.release()
        raise
