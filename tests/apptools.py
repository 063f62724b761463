"""Helpers shared by the app's Pilot tests: what the screen shows, waiting for workers, opening a
reading, notes and notifications. Public APIs only: Textual's SVG screenshot, the app's methods."""

from __future__ import annotations

import html
import re
from collections import defaultdict

from library import curricula

# One run of text in Rich's SVG export: its x, its width, the line it is clipped to, its characters.
_SVG_TEXT = re.compile(
    r'<text[^>]*?\bx="([\d.]+)"[^>]*?textLength="([\d.]+)"[^>]*?clip-path="url\(#[^)]*-line-(\d+)\)"[^>]*>'
    r"(.*?)</text>",
    re.S,
)


def screen_text(app) -> str:
    """Everything on the screen now, as plain text, one line per terminal row: what a user reads.

    Read from ``App.export_screenshot`` (Textual's public SVG screenshot): each run of text is put
    back at the column its x position gives, so spacing and alignment are as on screen.
    """
    runs = [
        (float(x), float(length), int(line), html.unescape(body).replace("\xa0", " "))
        for x, length, line, body in _SVG_TEXT.findall(app.export_screenshot())
    ]
    cell = min(length / len(body) for _, length, _, body in runs if body)
    rows: dict[int, dict[int, str]] = defaultdict(dict)
    for x, _, line, body in runs:
        column = round(x / cell)
        for offset, char in enumerate(body):
            rows[line][column + offset] = char
    width = app.size.width
    return "\n".join(
        "".join(rows[line].get(c, " ") for c in range(width)).rstrip() for line in range(app.size.height)
    )


def notifications(app, monkeypatch) -> list[str]:
    """The messages of every notification the app shows from now on (widgets notify through the app)."""
    shown: list[str] = []
    notify = app.notify

    def record(message, *args, **kwargs):
        shown.append(str(message))
        return notify(message, *args, **kwargs)

    monkeypatch.setattr(app, "notify", record)
    return shown


async def settle(app, pilot) -> None:
    """Let every message, worker and refresh run to the end."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_reading(app, pilot, reading_id: str) -> None:
    """Open a reading the way a user does: move to it in the curriculum and press Enter."""
    tree = app.main.curriculum_tree
    assert tree.select_item(reading_id)
    await pilot.pause()
    tree.focus()
    await pilot.press("enter")
    await settle(app, pilot)


def attach_attention(corpus) -> None:
    """Register the corpus copy of "Attention Is All You Need" as the attention reading's document."""
    from index.db import connect
    from library.fetch.local import attach

    conn = connect()
    reading = curricula.find(curricula.active(conn), "attention").reading
    attach(conn, reading, corpus / "arxiv" / "1706.03762.pdf")
    conn.close()


def add_note(body: str, **kw):
    """A note written straight into the database (default: on the attention reading, chapter 1)."""
    from index.db import connect
    from index.notes import add_note as add

    conn = connect()
    try:
        kw.setdefault("curriculum", "deep-learning")
        kw.setdefault("reading_id", "attention")
        kw.setdefault("chapter", 1)
        return add(conn, body=body, **kw)
    finally:
        conn.close()


def quoted_note(body: str):
    """A note on the attention reading that quotes Section 3.2.1."""
    from index.notes import Anchor

    return add_note(
        body,
        reading_key="arxiv:1706.03762",
        tags=["attention"],
        anchor=Anchor(
            exact="We suspect that for large values of d_k the dot products grow large",
            page=4,
            section="3.2.1 Scaled Dot-Product Attention",
            status="attached",
        ),
    )
