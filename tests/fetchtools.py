"""Helpers for the fetch tests: a small curriculum written for one test, the files and rows it left."""

from __future__ import annotations

import json
import sqlite3


def connect() -> sqlite3.Connection:
    from library import db

    return db.connect()


def install(toml: str) -> None:
    """Install and activate a small curriculum written for one test."""
    from library import catalogue, curricula

    conn = connect()
    cur = catalogue.decode_toml(toml, "test.toml")
    curricula.install(conn, cur)
    curricula.use(conn, cur.name)
    conn.close()


def reading(id: str, url: str, kind: str = "html", **extra) -> str:
    lines = [
        "[[chapters.readings]]",
        f'id = "{id}"',
        f'title = "{id} title"',
        f'kind = "{kind}"',
        f'url = "{url}"',
        'role = "recommended"',
    ]
    lines += [f'{k} = "{v}"' for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def curriculum(*readings: str) -> str:
    return 'name = "t"\ntitle = "Test"\n[[chapters]]\nnumber = 1\ntitle = "One"\n' + "".join(readings)


def files_under(home) -> list[str]:
    root = home / "documents"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def docs():
    from library import store

    conn = connect()
    try:
        return store.documents(conn)
    finally:
        conn.close()


def rows(out: str) -> dict[str, dict]:
    return {r["reading"]: r for r in json.loads(out)}
