"""Active reading time, as the app measures it for the study log.

A stretch runs while a reading is open and input keeps coming; more than ``idle`` seconds
without input ends it at the last input, so time away from the keyboard is never counted.
Each finished stretch is handed to ``record(item_id, start, end)``; the app records it with
:func:`library.studylog.record_app_stretch`, which leaves out what a manual span already covers.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# Input older than this ends a stretch of study time (the clock stops while the user is away).
IDLE_SECONDS = 180


class ActivityClock:
    """Measures active time on one item at a time (a reading's id)."""

    def __init__(self, record: Callable[[str, float, float], None], idle: float = IDLE_SECONDS) -> None:
        self.record = record
        self.idle = idle
        self.item_id: str | None = None
        self.start: float | None = None
        self.last: float | None = None

    def switch(self, item_id: str | None, now: float | None = None) -> None:
        """Another item is open (None: none): the running stretch ends, a new one starts."""
        now = time.time() if now is None else now
        self.flush(now)
        self.item_id = item_id
        if item_id is not None:
            self.start = self.last = now

    def touch(self, now: float | None = None) -> None:
        """Input came: the stretch goes on (or, after an idle gap, a new one starts)."""
        now = time.time() if now is None else now
        if self.item_id is None:
            return
        if self.last is not None and now - self.last > self.idle:
            self.flush(now)
        if self.start is None:
            self.start = now
        self.last = now

    def check(self, now: float | None = None) -> None:
        """End the stretch if the user has been idle too long (called on a timer)."""
        now = time.time() if now is None else now
        if self.last is not None and now - self.last > self.idle:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        """End the running stretch at the last input and record it."""
        if (
            self.item_id is not None
            and self.start is not None
            and self.last is not None
            and self.last > self.start
        ):
            self.record(self.item_id, self.start, self.last)
        self.start = self.last = None
