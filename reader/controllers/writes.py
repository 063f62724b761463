"""The app's database writes, in the order they were asked for, off the event loop.

A write takes SQLite's write lock (``BEGIN IMMEDIATE``). Run on the app's thread, a write waiting
for another process that holds the lock (``syllabus fetch`` indexing, ``syllabus import``) froze
the screen for up to the busy timeout (30 s). Here each write is a job for a thread worker that
runs the jobs one at a time, in order, on a connection of its own with a short busy timeout: while
the lock is held elsewhere the job is retried and the status line says so, and the app answers
keys meanwhile. A job's ``done`` (or ``failed``) runs on the app's thread once it has landed.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.worker import get_current_worker

from index.db import connect
from library.errors import SyllabusError
from reader.messages import WriteFinished, WriteWaiting

if TYPE_CHECKING:
    from textual.app import App

# How long one attempt waits for the lock before the job says it waits and tries again.
BUSY_TIMEOUT_MS = 250
RETRY_SECONDS = 0.25


@dataclass
class Job:
    """One write: ``write(conn)`` runs in the worker; ``done(result)`` or ``failed(error)`` after."""

    what: str  # for the status line: "saving the note"
    write: Callable[[sqlite3.Connection], Any]
    done: Callable[[Any], None] | None = None
    failed: Callable[[Exception], None] | None = None


def _locked(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


class Writes:
    """The queue of one app's writes and the worker that drains it."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.waiting_for = ""  # what waits for the lock now, for the status line
        self._jobs: deque[Job] = deque()
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        # The worker's connection. Only a worker uses it, and it is closed where no worker can be
        # using it: by close() when no worker runs, else by the worker once its queue is empty
        # (closing a connection another thread is writing through crashes the process).
        self._conn: sqlite3.Connection | None = None
        self._closing = False
        self._running = False  # a worker is draining the queue

    @property
    def state(self) -> list[str]:
        """What the status line says: a write waiting for another program to finish its own."""
        if not self.waiting_for:
            return []
        return [f"{self.waiting_for}: waiting for another syllabus to finish writing, retrying…"]

    def submit(
        self,
        what: str,
        write: Callable[[sqlite3.Connection], Any],
        done: Callable[[Any], None] | None = None,
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        """Queue a write; it runs after every write queued before it."""
        with self._lock:
            self._jobs.append(Job(what, write, done, failed))
            if not self._idle.is_set():
                return  # the running worker takes it
            self._idle.clear()
        self.app.run_worker(self._drain, thread=True, group="writes", name="database writes")

    def wait(self, timeout: float) -> bool:
        """Block until every queued write has landed (at quit), at most ``timeout`` seconds."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        """Close the connection (at unmount) where no worker can be using it.

        A worker that has started writes what is queued and closes the connection itself. Writes
        with no worker running them (one asked for as the app closes may never start) are made
        here, once each: a write that finds the database locked is dropped, nothing half-written.
        """
        with self._lock:
            self._closing = True
            if self._running:
                return  # the running worker closes it after its last job
            jobs, self._jobs = list(self._jobs), deque()
            conn, self._conn = self._conn, None
        try:
            for job in jobs:
                if conn is None:
                    conn = self._open()
                with contextlib.suppress(Exception):  # the app is closing: no one to tell
                    job.write(conn)
        finally:
            if conn is not None:
                conn.close()
            self._idle.set()

    # --- in the worker --------------------------------------------------------------------------------

    def _drain(self) -> None:
        with self._lock:
            self._running = True
        while True:
            with self._lock:
                if not self._jobs:
                    if self._closing and self._conn is not None:
                        self._conn.close()
                        self._conn = None
                    self._running = False
                    self._idle.set()
                    return
                job = self._jobs.popleft()
            self._run(job)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    @staticmethod
    def _open() -> sqlite3.Connection:
        conn = connect()
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn

    def _run(self, job: Job) -> None:
        worker = get_current_worker()
        waited = False
        while True:
            try:
                result = job.write(self._connection())
            except sqlite3.OperationalError as exc:
                if not _locked(exc):
                    self.app.post_message(WriteFinished(job, error=exc, waited=waited))
                    return
                if worker.is_cancelled:  # the app is quitting: the job is dropped, nothing half-written
                    return
                if not waited:
                    waited = True
                    self.app.post_message(WriteWaiting(job.what))
                time.sleep(RETRY_SECONDS)
                continue
            except Exception as exc:  # a user error (SyllabusError) or a bug: reported, the app goes on
                self.app.post_message(WriteFinished(job, error=exc, waited=waited))
                return
            self.app.post_message(WriteFinished(job, result=result, waited=waited))
            return

    # --- back on the app's thread ---------------------------------------------------------------------

    def waiting(self, message: WriteWaiting) -> None:
        self.waiting_for = message.what

    def finished(self, message: WriteFinished) -> None:
        """Run the job's callback; an error with no ``failed`` callback becomes a notification."""
        if message.waited:
            self.waiting_for = ""
        job = message.job
        if message.error is None:
            if job.done is not None:
                job.done(message.result)
        elif job.failed is not None:
            job.failed(message.error)
        else:
            detail = str(message.error) if isinstance(message.error, SyllabusError) else repr(message.error)
            self.app.notify(detail, title=f"Could not finish {job.what}", severity="error", markup=False)
