"""The threads the app's workers run in, and the end of the process: quitting waits for neither.

Textual runs a thread worker in the event loop's default executor. The standard one is a
``ThreadPoolExecutor``, which ``asyncio.run`` and the interpreter both join at exit: a worker that
cannot be interrupted (the embedding model's imports, several seconds; an index update of twenty
papers, minutes) kept the process alive after ``q`` long after the screen had gone. Here each job
runs in a daemon thread of its own, and :func:`run_in_daemon_threads` ends the process as soon as
the app has exited. Ending a worker half-way loses nothing: every write in the project is a
transaction (SQLite rolls an unfinished one back) or a file that appears whole or not at all.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App


class DaemonThreads(ThreadPoolExecutor):
    """An executor that runs every job in a new daemon thread.
    (A ``ThreadPoolExecutor`` only in name: asyncio's default executor must be one.)"""

    def __init__(self) -> None:
        super().__init__(max_workers=1)  # no thread is started: submit() is replaced

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def run() -> None:
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:
                    future.set_exception(exc)
                else:
                    future.set_result(result)

        # A thread per job costs ~0.1 ms; the app starts a few a second at most (search as you type).
        threading.Thread(target=run, name="syllabus-worker", daemon=True).start()
        return future


def run_in_daemon_threads(app: App) -> None:
    """Run ``app`` on an event loop whose workers are daemon threads, then end the process at once
    with the app's exit code.

    Once the app has exited the terminal is restored, every write asked for has landed (the app
    waits for them at quit) and its connections are closed; what is left is a worker still running
    (thrown away at exit anyway) and the interpreter's teardown of the modules the app loaded, which
    takes ~0.75 s once the embedding model's libraries are in: ``os._exit`` skips both.
    """
    threads = DaemonThreads()
    loop = asyncio.new_event_loop()
    loop.set_default_executor(threads)
    asyncio.set_event_loop(loop)
    try:
        app.run(loop=loop)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    error = getattr(app, "fatal_error", None)
    if error is not None:
        # A user error ended the app (a damaged database met mid-session): the CLI prints its one
        # line and exits non-zero the ordinary way.
        raise error
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(app.return_code or 0)
