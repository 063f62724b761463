"""The study log: when the user studied what, and when they took breaks.

A *span* is one stretch of time: ``study`` (of a reading, an exercise or a whole chapter) or
``break``. Spans come from two sources: the app records the stretches a reading was open and
the user active (``source='app'``, idle time already cut out), and the CLI's ``syllabus log``
commands record them by hand (``source='manual'``). Both land in the ``study_spans`` table
and both make the same report.

Rules that keep the log honest, each enforced before anything is written:
- spans never overlap (a person studies one thing at a time), whatever their source;
- at most one span runs (``end IS NULL``) at a time;
- a span ends after it starts.

Times are POSIX seconds (floats); days and clock times are shown in local time. A span is
counted on the day it started, so a stretch past midnight stays one row in the day's table.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal

from library import curricula
from library.db import inserted_id, write
from library.errors import NotFound, UsageError

SpanKind = Literal["study", "break"]
SpanSource = Literal["app", "manual"]
KINDS = ("study", "break")
SOURCES = ("app", "manual")
REPORT_BY = ("day", "chapter", "reading")

# The word `log add` and `log start` take to mean "a break", not an item id.
BREAK_WORD = "break"
_CHAPTER_REF = re.compile(r"^(?:ch|chapter)[:\s-]?(\d+)$", re.IGNORECASE)


# --- parsing -------------------------------------------------------------------------------------

_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
}
# One span is at most a day; times are kept within years a study log can mean. Beyond these, dates
# overflow Python's datetime and would break every later report.
MAX_SPAN_SECONDS = 24 * 3600
EARLIEST_YEAR, LATEST_YEAR = 1970, 2200
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)")


def parse_duration(text: str) -> float:
    """Seconds in a duration the user typed: "45m", "1h30m", "1h 30 min", "1.5h", "90" (minutes),
    "1:30" (hours:minutes). Raises :class:`UsageError` for anything else, or for zero."""
    raw = text
    text = text.strip().lower()
    seconds: float | None = None
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        seconds = float(text) * 60  # a bare number is minutes, as people log study
    elif m := re.fullmatch(r"(\d+):([0-5]\d)", text):
        seconds = int(m.group(1)) * 3600 + int(m.group(2)) * 60
    elif text:
        pos, total, units_seen = 0, 0.0, set()
        for m in _DURATION_PART.finditer(text):
            if text[pos : m.start()].strip():
                break  # junk between parts
            unit = _UNIT_SECONDS.get(m.group(2))
            if unit is None or unit in units_seen:
                break  # unknown or repeated unit ("5m5m")
            units_seen.add(unit)
            total += float(m.group(1)) * unit
            pos = m.end()
        else:
            if units_seen and not text[pos:].strip():
                seconds = total
    if seconds is None:
        raise UsageError(f"cannot read duration {raw!r}: write it like 45m, 1h30m, 1.5h or 90 (minutes)")
    if seconds <= 0:
        raise UsageError(f"duration {raw!r} is zero: a span must last some time")
    if seconds > MAX_SPAN_SECONDS:
        raise UsageError(f"duration {raw!r} is longer than a day: log each day's study as its own span")
    return seconds


def parse_when(text: str, *, now: float | None = None) -> float:
    """A local date-time the user typed ("2026-11-20 14:00", "2026-11-20T14:00", or "14:00" for
    today) as POSIX seconds. Raises :class:`UsageError` when it cannot be read."""
    raw = text.strip()
    if re.fullmatch(r"\d{1,2}:\d{2}", raw):
        today = datetime.fromtimestamp(now if now is not None else time.time()).date()
        raw = f"{today.isoformat()} {raw.zfill(5)}"
    try:
        moment = datetime.fromisoformat(raw)
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise ValueError
        when = moment.timestamp()  # naive = local time
    except (ValueError, OverflowError, OSError):
        raise UsageError(
            f"cannot read time {text!r}: write a date between {EARLIEST_YEAR} and {LATEST_YEAR} "
            'like "2026-11-20 14:00", or "14:00" for today'
        ) from None
    _not_in_future(when, now, f"{text.strip()} is in the future: the log records what has happened")
    return when


def _not_in_future(when: float, now: float | None, message: str) -> None:
    # A minute of slack: a clock read a moment ago, or one a little behind another's.
    if when > (now if now is not None else time.time()) + 60:
        raise UsageError(message)


def clock(ts: float | None) -> str:
    """The local time of day ("14:05"); "now" for the end of a span still running (None)."""
    return "now" if ts is None else datetime.fromtimestamp(ts).strftime("%H:%M")


def local_day(ts: float) -> str:
    return datetime.fromtimestamp(ts).date().isoformat()


def format_duration(seconds: float) -> str:
    """ "1h 06m", "45m", "0m": how the sprint's hand-kept table wrote durations."""
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


# --- the spans -----------------------------------------------------------------------------------


@dataclass
class Span:
    id: int
    curriculum: str
    item_id: str | None
    chapter: int | None
    kind: str
    start: float
    end: float | None
    source: str
    note: str | None = None
    kept: bool = True  # False for a span just ended under a minute, and so dropped

    @property
    def running(self) -> bool:
        return self.end is None

    def seconds(self, now: float | None = None) -> float:
        end = self.end if self.end is not None else (now if now is not None else time.time())
        return max(0.0, end - self.start)

    @property
    def what(self) -> str:
        if self.kind == "break":
            return "break"
        if self.item_id:
            return self.item_id
        return f"chapter {self.chapter}" if self.chapter is not None else "study"

    def to_dict(self) -> dict:
        return {**asdict(self), "running": self.running, "seconds": self.seconds()}


def _span(row: sqlite3.Row) -> Span:
    return Span(
        row["id"],
        row["curriculum"],
        row["item_id"],
        row["chapter"],
        row["kind"],
        row["start"],
        row["end"],
        row["source"],
        row["note"],
    )


def get_span(conn: sqlite3.Connection, span_id: int) -> Span:
    row = conn.execute("SELECT * FROM study_spans WHERE id = ?", (span_id,)).fetchone()
    if row is None:
        raise NotFound(f"no study log entry {span_id}")
    return _span(row)


def spans(
    conn: sqlite3.Connection,
    curriculum: str | None = None,
    *,
    since: float | None = None,
    until: float | None = None,
) -> list[Span]:
    """Spans in time order, optionally of one curriculum and starting in [since, until)."""
    sql = "SELECT * FROM study_spans WHERE 1 = 1"
    args: list[str | float] = []
    if curriculum is not None:
        sql += " AND curriculum = ?"
        args.append(curriculum)
    if since is not None:
        sql += " AND start >= ?"
        args.append(since)
    if until is not None:
        sql += " AND start < ?"
        args.append(until)
    return [_span(r) for r in conn.execute(sql + " ORDER BY start, id", args)]


def running(conn: sqlite3.Connection) -> Span | None:
    """The span being logged now, if any (there is at most one)."""
    row = conn.execute('SELECT * FROM study_spans WHERE "end" IS NULL ORDER BY start DESC LIMIT 1').fetchone()
    return _span(row) if row else None


def _describe(span: Span) -> str:
    day = "" if local_day(span.start) == local_day(time.time()) else f"{local_day(span.start)} "
    end = "now" if span.end is None else clock(span.end)
    return f"{span.what} {day}{clock(span.start)}-{end} (entry {span.id})"


def _check_free(
    conn: sqlite3.Connection, start: float, end: float | None, *, ignore: int | None = None
) -> None:
    """Raise if [start, end) overlaps a logged span (a running span reaches into the future)."""
    far = float("inf") if end is None else end
    for row in conn.execute(
        'SELECT * FROM study_spans WHERE start < ? AND ("end" IS NULL OR "end" > ?) AND id IS NOT ?',
        (far, start, ignore),
    ):
        other = _span(row)
        raise UsageError(
            f"overlaps {_describe(other)}; the log keeps one thing at a time (nothing was recorded)"
        )


def _resolve(
    conn: sqlite3.Connection, curriculum: str, item_id: str | None, chapter: int | None
) -> tuple[str | None, int | None]:
    """Check an item (or a "ch3" chapter reference) against the curriculum; return (item_id, chapter)."""
    if item_id is None:
        return None, chapter
    m = _CHAPTER_REF.match(item_id.strip())
    cur = curricula.load(conn, curriculum)
    if m or item_id.strip().isdigit():
        number = int(m.group(1) if m else item_id)
        cur.chapter(number)  # raises UsageError naming the chapters there are
        return None, number
    found = curricula.find(cur, item_id)
    return found.id, found.chapter.number if chapter is None else chapter


def add_span(
    conn: sqlite3.Connection,
    *,
    curriculum: str,
    item_id: str | None,
    kind: SpanKind = "study",
    start: float,
    end: float,
    source: SpanSource = "manual",
    chapter: int | None = None,
    note: str | None = None,
) -> Span:
    """Record a finished span. ``item_id`` is a reading or exercise id (or "ch3" for a whole
    chapter; None for a pure break). Rejects, with a :class:`UsageError` and nothing written,
    an unknown item, a span that ends before it starts, and one that overlaps another."""
    if kind not in KINDS:
        raise UsageError(f"unknown span kind {kind!r}: use study or break")
    if source not in SOURCES:
        raise UsageError(f"unknown span source {source!r}: use app or manual")
    if not end > start:
        raise UsageError("a span must end after it starts")
    _not_in_future(end, None, f"it would end in the future ({clock(end)}): the log records what has happened")
    if kind == "study" and item_id is None and chapter is None:
        raise UsageError("a study span needs a reading, an exercise or a chapter")
    item_id, chapter = _resolve(conn, curriculum, item_id, chapter)
    with write(conn):
        _check_free(conn, start, end)
        cur = conn.execute(
            'INSERT INTO study_spans (curriculum, item_id, chapter, kind, start, "end", source, note)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (curriculum, item_id, chapter, kind, start, end, source, note),
        )
        span_id = inserted_id(cur)
    return get_span(conn, span_id)


def record_app_stretch(
    conn: sqlite3.Connection,
    *,
    curriculum: str,
    item_id: str,
    start: float,
    end: float,
    min_seconds: float = 1.0,
) -> list[Span]:
    """Record an active stretch the app measured, minus any part the log already covers.

    The app cannot know that the user also ran ``syllabus log start`` in a terminal; rather
    than fail or count the time twice, it records only the uncovered pieces (a manual span
    wins: the user said it). Pieces shorter than ``min_seconds`` are dropped.
    """
    if not end > start:
        return []
    with write(conn):
        taken = [
            (r["start"], r["end"] if r["end"] is not None else float("inf"))
            for r in conn.execute(
                'SELECT start, "end" FROM study_spans WHERE start < ? AND ("end" IS NULL OR "end" > ?) ORDER BY start',
                (end, start),
            )
        ]
        pieces, cursor = [], start
        for a, b in taken:
            if a > cursor:
                pieces.append((cursor, min(a, end)))
            cursor = max(cursor, b)
        if cursor < end:
            pieces.append((cursor, end))
        out = []
        for a, b in pieces:
            if b - a >= min_seconds:
                out.append(
                    add_span(conn, curriculum=curriculum, item_id=item_id, start=a, end=b, source="app")
                )
    return out


def start(
    conn: sqlite3.Connection,
    curriculum: str,
    item_id: str | None,
    *,
    kind: SpanKind = "study",
    at: float | None = None,
    source: SpanSource = "manual",
    note: str | None = None,
) -> Span:
    """Start logging ``item_id`` now (or ``at``). A running break ends where this starts; a
    running study span is an error ("already logging X since HH:MM; `log stop` first")."""
    at = time.time() if at is None else at
    item_id, chapter = _resolve(conn, curriculum, item_id, None)
    if kind == "study" and item_id is None and chapter is None:
        raise UsageError("say what you are studying: a reading or exercise id, or a chapter like ch3")
    with write(conn):
        current = running(conn)
        if current is not None:
            if current.kind == "study" or kind == "break":
                what = "a break" if current.kind == "break" else current.what
                raise UsageError(f"already logging {what} since {clock(current.start)}; `log stop` first")
            if at < current.start:
                raise UsageError(f"the break running since {clock(current.start)} started after {clock(at)}")
            _close(conn, current, at)
        _check_free(conn, at, None)
        cur = conn.execute(
            'INSERT INTO study_spans (curriculum, item_id, chapter, kind, start, "end", source, note)'
            " VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
            (curriculum, item_id, chapter, kind, at, source, note),
        )
        span_id = inserted_id(cur)
    return get_span(conn, span_id)


# A manual span ended within this many seconds of its start (`log start` then `log stop` at once)
# is dropped: it holds no study, and kept it would block `log add … 10m` over the last minutes.
MIN_KEPT_SECONDS = 60.0


def _close(conn: sqlite3.Connection, span: Span, at: float) -> Span:
    """End ``span`` at ``at`` (inside the caller's transaction); a span under a minute is dropped.
    Returns the span as ended (``kept`` says which)."""
    if at - span.start < MIN_KEPT_SECONDS:
        conn.execute("DELETE FROM study_spans WHERE id = ?", (span.id,))
        return replace(span, end=at, kept=False)
    conn.execute('UPDATE study_spans SET "end" = ? WHERE id = ?', (at, span.id))
    return replace(span, end=at)


def stop(conn: sqlite3.Connection, *, at: float | None = None) -> Span:
    """End the running span now (or ``at``) and return it. Nothing running is a UsageError."""
    at = time.time() if at is None else at
    with write(conn):
        current = running(conn)
        if current is None:
            raise UsageError("nothing is being logged; start with `syllabus log start ID`")
        if at < current.start:
            raise UsageError(f"{current.what} started at {clock(current.start)}, after {clock(at)}")
        return _close(conn, current, at)


def take_break(
    conn: sqlite3.Connection, curriculum: str, *, at: float | None = None
) -> tuple[Span | None, Span]:
    """End the running study span (if any) and start a break that keeps its chapter.

    Returns (the study span just ended or None, the new break span)."""
    at = time.time() if at is None else at
    with write(conn):
        current = running(conn)
        chapter = None
        ended: Span | None = None
        if current is not None:
            if current.kind == "break":
                raise UsageError(f"already on a break since {clock(current.start)}")
            if at < current.start:
                raise UsageError(f"{current.what} started at {clock(current.start)}, after {clock(at)}")
            ended = _close(conn, current, at)
            chapter = current.chapter
            curriculum = current.curriculum
        _check_free(conn, at, None)
        cur = conn.execute(
            'INSERT INTO study_spans (curriculum, item_id, chapter, kind, start, "end", source)'
            " VALUES (?, NULL, ?, 'break', ?, NULL, 'manual')",
            (curriculum, chapter, at),
        )
        span_id = inserted_id(cur)
    return ended, get_span(conn, span_id)


def remove_span(conn: sqlite3.Connection, span_id: int) -> Span:
    """Delete one entry (a mistake); returns it so the caller can show what went."""
    span = get_span(conn, span_id)
    with write(conn):
        conn.execute("DELETE FROM study_spans WHERE id = ?", (span_id,))
    return span


# --- totals and reports ----------------------------------------------------------------------------


def daily_totals(
    conn: sqlite3.Connection, days: int = 14, *, curriculum: str | None = None, now: float | None = None
) -> list[tuple[str, float]]:
    """Study seconds per local day for the last ``days`` days (today last), zero days included:
    what the app's per-day chart draws. Breaks do not count."""
    now = time.time() if now is None else now
    today = datetime.fromtimestamp(now).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time()).timestamp()
    totals = {(first + timedelta(days=i)).isoformat(): 0.0 for i in range(days)}
    for span in spans(conn, curriculum, since=since):
        if span.kind == "study":
            day = local_day(span.start)
            if day in totals:
                totals[day] += span.seconds(now)
    return list(totals.items())


def totals_by_item(
    conn: sqlite3.Connection, curriculum: str, *, now: float | None = None
) -> dict[str, float]:
    """Study seconds per reading or exercise id of ``curriculum``."""
    out: dict[str, float] = {}
    for span in spans(conn, curriculum):
        if span.kind == "study" and span.item_id:
            out[span.item_id] = out.get(span.item_id, 0.0) + span.seconds(now)
    return out


def totals_by_chapter(
    conn: sqlite3.Connection, curriculum: str, *, now: float | None = None
) -> dict[int, float]:
    """Study seconds per chapter number: the app's per-chapter chart."""
    out: dict[int, float] = {}
    for span in spans(conn, curriculum):
        if span.kind == "study" and span.chapter is not None:
            out[span.chapter] = out.get(span.chapter, 0.0) + span.seconds(now)
    return out


@dataclass
class ReportRow:
    """One line of the hours table: a span (``by='day'``) or a group's totals (chapter, reading)."""

    group: str  # the day (ISO), the chapter number, or the reading id
    what: str  # item id, "chapter N", "break"; for totals, the group's title
    kind: str  # study | break | total
    seconds: float
    start: float | None
    end: float | None  # None while running
    title: str = ""
    chapter: int | None = None
    item_id: str | None = None
    source: str | None = None
    span_id: int | None = None
    break_seconds: float = 0.0
    sessions: int = 0
    note: str | None = None

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    curriculum: str
    by: str
    rows: list[ReportRow] = field(default_factory=list)
    study_seconds: float = 0.0
    break_seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "curriculum": self.curriculum,
            "by": self.by,
            "study_seconds": self.study_seconds,
            "break_seconds": self.break_seconds,
            "rows": [r.to_dict() for r in self.rows],
        }

    def days(self) -> list[tuple[str, list[ReportRow]]]:
        """Rows of a day report grouped by day, in order."""
        out: list[tuple[str, list[ReportRow]]] = []
        for row in self.rows:
            if not out or out[-1][0] != row.group:
                out.append((row.group, []))
            out[-1][1].append(row)
        return out


def _titles(conn: sqlite3.Connection, curriculum: str) -> tuple[dict[str, str], dict[int, str]]:
    try:
        cur = curricula.load(conn, curriculum)
    except NotFound:
        return {}, {}
    items = {r.id: r.title for _, r in cur.all_readings()} | {e.id: e.title for _, e in cur.all_exercises()}
    return items, {c.number: c.title for c in cur.chapters}


def report(
    conn: sqlite3.Connection,
    curriculum: str,
    by: str = "day",
    *,
    since: date | None = None,
    now: float | None = None,
) -> Report:
    """The hours table. ``by='day'``: one row per span, in time order, grouped by the day it
    started (what, how long, start, end; breaks as their own rows). ``by='chapter'`` or
    ``'reading'``: one totals row per chapter or reading (study time, break time, sessions,
    first start, last end), in order of first study."""
    if by not in REPORT_BY:
        raise UsageError(f"unknown report grouping {by!r}: use one of {', '.join(REPORT_BY)}")
    now = time.time() if now is None else now
    since_ts = datetime.combine(since, datetime.min.time()).timestamp() if since else None
    items, chapters = _titles(conn, curriculum)
    result = Report(curriculum, by)
    log = spans(conn, curriculum, since=since_ts)
    for span in log:
        if span.kind == "study":
            result.study_seconds += span.seconds(now)
        else:
            result.break_seconds += span.seconds(now)
    if by == "day":
        for span in log:
            if span.kind == "break":
                title = "break"
            elif span.item_id:
                title = items.get(span.item_id, span.item_id)
            elif span.chapter is not None:
                title = chapters.get(span.chapter, span.what)
            else:
                title = span.what
            result.rows.append(
                ReportRow(
                    group=local_day(span.start),
                    what=span.what,
                    kind=span.kind,
                    seconds=span.seconds(now),
                    start=span.start,
                    end=span.end,
                    title=title,
                    chapter=span.chapter,
                    item_id=span.item_id,
                    source=span.source,
                    span_id=span.id,
                    note=span.note,
                )
            )
        return result
    groups: dict[str, ReportRow] = {}
    live: set[str] = set()
    for span in log:
        if by == "chapter":
            if span.chapter is None:
                continue  # a break outside any chapter belongs to no chapter
            key, title = str(span.chapter), chapters.get(span.chapter, f"chapter {span.chapter}")
        else:
            if span.kind == "break" or not span.item_id:
                continue  # breaks and whole-chapter study belong to no one reading
            key, title = span.item_id, items.get(span.item_id, span.item_id)
        row = groups.get(key)
        if row is None:
            row = groups[key] = ReportRow(
                group=key,
                what=title,
                kind="total",
                seconds=0.0,
                start=span.start,
                end=span.end,
                title=title,
                chapter=span.chapter,
                item_id=span.item_id if by == "reading" else None,
            )
        if span.kind == "study":
            row.seconds += span.seconds(now)
            row.sessions += 1
        else:
            row.break_seconds += span.seconds(now)
        row.start = min(row.start if row.start is not None else span.start, span.start)
        row.end = max(row.end or 0.0, span.end if span.end is not None else now)
        if span.running:
            live.add(key)
    for key in live:
        groups[key].end = None  # still going
    result.rows = [r for r in groups.values() if r.sessions or r.break_seconds]
    return result


# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value fit for a CSV cell: text that a spreadsheet would run as a formula (a title such as
    ``=HYPERLINK(...)``) is prefixed with ``'``, which spreadsheets show as text. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _CellWriter:
    def __init__(self, stream) -> None:
        import csv

        self._writer = csv.writer(stream)

    def writerow(self, row: list) -> None:
        self._writer.writerow([csv_cell(v) for v in row])


def write_csv(result: Report, stream) -> None:
    """The report as CSV (``csv`` module quoting) for spreadsheets; no cell can run as a formula."""
    writer = _CellWriter(stream)
    if result.by == "day":
        writer.writerow(
            ["date", "what", "title", "kind", "minutes", "start", "end", "chapter", "source", "entry", "note"]
        )
        for r in result.rows:
            writer.writerow(
                [
                    r.group,
                    r.what,
                    r.title,
                    r.kind,
                    r.minutes,
                    clock(r.start) if r.start else "",
                    clock(r.end) if r.end else "",
                    "" if r.chapter is None else r.chapter,
                    r.source or "",
                    r.span_id or "",
                    r.note or "",
                ]
            )
    else:
        writer.writerow([result.by, "title", "study_minutes", "break_minutes", "sessions", "first", "last"])
        for r in result.rows:
            writer.writerow(
                [
                    r.group,
                    r.title,
                    r.minutes,
                    round(r.break_seconds / 60),
                    r.sessions,
                    datetime.fromtimestamp(r.start).strftime("%Y-%m-%d %H:%M") if r.start else "",
                    datetime.fromtimestamp(r.end).strftime("%Y-%m-%d %H:%M") if r.end else "",
                ]
            )
