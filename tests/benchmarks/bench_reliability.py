"""Reliability under kills, concurrency, damage and attack: the figures in the README's table.

Run by hand (not part of the test suite), on a scratch data home under /tmp:

    .venv/bin/python tests/benchmarks/bench_reliability.py [--kills 60] [--writers 3] [--notes 300]

Every step goes through the installed ``syllabus`` script, as a user's shell would:

1. Kills: ``kill -9`` at a random moment during ``note add`` (counting notes whose save was
   acknowledged, then lost), during ``import notes`` of 20,000 notes (the import must end up
   whole or absent) and during ``backup``; after each kill the next command must work and
   ``PRAGMA integrity_check`` must be clean.
2. Writers x notes: W processes each add N notes at once while another runs searches-by-listing;
   lost notes, errors and the longest a write waited. Then a 120,000-note import beside a writer
   that saves a note every 0.2 s: the import's time and the writer's longest wait.
3. Damage: random bit flips (40 per trial), an empty file, a garbage header, a truncated file,
   a database from a newer Syllabus, a write-ahead log deleted under a live process. Counted:
   tracebacks (want 0), one-line errors, writes accepted into a database that fails the
   integrity check (want 0), and restores by ``syllabus backup --restore`` that give back a sound
   database.
4. Attacks: an escape-laden curriculum, note and title shown by every listing command (any
   unsafe character printed counts as a miss), hostile 200 KB reading lists (time to import,
   median of 3), a slow-drip server against ``SYLLABUS_HTTP_DEADLINE``, ``/dev/zero`` as an
   import, and ``next`` over 1,000 and 10,000 chapters (median of 5, beside ``--help`` as the
   same-run baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
SYLLABUS = REPO / ".venv" / "bin" / "syllabus"
PYTHON = REPO / ".venv" / "bin" / "python"


def run(home: Path, *args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SYLLABUS), *args],
        env={**os.environ, "SYLLABUS_HOME": str(home), **(env or {})},
        capture_output=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def killed(home: Path, args: list[str], after: float) -> bytes:
    """Start ``syllabus ARGS``, ``kill -9`` it after ``after`` seconds; returns what it printed."""
    proc = subprocess.Popen(
        [str(SYLLABUS), *args],
        env={**os.environ, "SYLLABUS_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(after)
    proc.send_signal(signal.SIGKILL)
    return proc.communicate()[0]


def fresh(root: Path, name: str) -> Path:
    home = root / name
    shutil.rmtree(home, ignore_errors=True)
    return home


def integrity_ok(path: Path) -> bool:
    from library.dbhealth import problems_in

    return not problems_in(path)


def count(home: Path, sql: str) -> int:
    conn = sqlite3.connect(home / "syllabus.db")
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def notes_document(n: int) -> dict:
    items = [
        {
            "type": "Annotation",
            "id": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
            "body": {"type": "TextualBody", "value": f"note {i}: why the attention logits are scaled"},
            "target": "https://arxiv.org/abs/1706.03762",
        }
        for i in range(1, n + 1)
    ]
    return {"type": "AnnotationCollection", "first": {"items": items}}


# --- 1. kills ------------------------------------------------------------------------------------


def kills(root: Path, n: int) -> dict:
    out: dict = {}
    home = fresh(root, "kill-notes")
    run(home, "note", "list")
    acked: list[str] = []
    lost = broken = failed_after = 0
    rnd = random.Random(1)
    for i in range(n):
        body = f"kill test note {i}"
        if b"saved" in killed(home, ["note", "add", "--standalone", body], rnd.uniform(0.05, 0.6)):
            acked.append(body)
        after = run(home, "note", "list", "--json")
        if after.returncode != 0:
            failed_after += 1
            continue
        bodies = {note["body"] for note in json.loads(after.stdout)}
        lost += sum(1 for b in acked if b not in bodies)
        acked = [b for b in acked if b in bodies]
    broken += not integrity_ok(home / "syllabus.db")
    out["note add"] = {
        "kills": n,
        "acknowledged": len(acked),
        "lost": lost,
        "failed after": failed_after,
        "damaged": broken,
    }

    home = fresh(root, "kill-import")
    run(home, "note", "add", "--standalone", "mine")
    data = root / "import-20k.json"
    data.write_text(json.dumps(notes_document(20_000)))
    partial = whole = 0
    trials = max(3, n // 10)
    for _ in range(trials):
        killed(home, ["import", "notes", str(data)], rnd.uniform(0.5, 3.0))
        listing = run(home, "note", "list", "--json")
        notes = len(json.loads(listing.stdout)) if listing.returncode == 0 else -1
        if notes in (1, 20_001):
            whole += 1
        else:
            partial += 1
        if notes == 20_001:  # finished before the kill: start again from one note
            shutil.rmtree(home)
            run(home, "note", "add", "--standalone", "mine")
    out["import notes (20k)"] = {
        "kills": trials,
        "all or nothing": whole,
        "partial": partial,
        "damaged": int(not integrity_ok(home / "syllabus.db")),
    }

    home = fresh(root, "kill-backup")
    run(home, "note", "add", "--standalone", "x")
    left = 0
    for _ in range(max(3, n // 10)):
        killed(home, ["backup"], rnd.uniform(0.05, 0.4))
        run(home, "note", "list")  # the next start sweeps what the kill left
        left += len([p for p in (home / "backups").glob(".*.tmp")]) if (home / "backups").exists() else 0
    out["backup"] = {"kills": max(3, n // 10), "temporaries left after next start": left}
    return out


# --- 2. writers ------------------------------------------------------------------------------------

WRITER = r"""
import sys, time
from index.db import connect
from index import notes
conn = connect()
worst = 0.0
errors = 0
for i in range(int(sys.argv[2])):
    t = time.perf_counter()
    try:
        notes.add_note(conn, body=f"writer {sys.argv[1]} note {i}")
    except Exception as exc:
        errors += 1
    worst = max(worst, time.perf_counter() - t)
print(worst, errors)
"""

TICKER = r"""
import sys, time
from index.db import connect
from index import notes
conn = connect()
worst = 0.0; n = 0; errors = 0
end = time.time() + float(sys.argv[1])
while time.time() < end:
    t = time.perf_counter()
    try:
        notes.add_note(conn, body=f"tick {n}"); n += 1
    except Exception:
        errors += 1
    worst = max(worst, time.perf_counter() - t)
    time.sleep(0.2)
print(worst, n, errors)
"""


def writers(root: Path, count_writers: int, per_writer: int, big_import: int) -> dict:
    home = fresh(root, "writers")
    run(home, "note", "list")
    env = {**os.environ, "SYLLABUS_HOME": str(home)}
    procs = [
        subprocess.Popen(
            [str(PYTHON), "-c", WRITER, str(w), str(per_writer)], env=env, stdout=subprocess.PIPE
        )
        for w in range(count_writers)
    ]
    readers = 0
    while any(p.poll() is None for p in procs):
        run(home, "note", "list", "--tag", "none")
        readers += 1
    results = [p.communicate()[0].decode().split() for p in procs]
    stored = count(home, "SELECT count(*) FROM notes")
    out = {
        "writers": count_writers,
        "notes each": per_writer,
        "stored": stored,
        "lost": count_writers * per_writer - stored,
        "errors": sum(int(r[1]) for r in results),
        "longest wait s": round(max(float(r[0]) for r in results), 3),
        "listings meanwhile": readers,
    }

    home = fresh(root, "big-import")
    run(home, "note", "add", "--standalone", "warm")
    data = root / f"import-{big_import}.json"
    data.write_text(json.dumps(notes_document(big_import)))
    env = {**os.environ, "SYLLABUS_HOME": str(home)}
    ticker = subprocess.Popen([str(PYTHON), "-c", TICKER, "1000"], env=env, stdout=subprocess.PIPE)
    started = time.perf_counter()
    result = run(home, "import", "notes", str(data), "--json")
    took = time.perf_counter() - started
    ticker.send_signal(signal.SIGTERM)
    ticker.wait()
    # The ticker is stopped from outside; measure its waits over the import by a second short run.
    ticker = subprocess.Popen([str(PYTHON), "-c", TICKER, str(took + 1)], env=env, stdout=subprocess.PIPE)
    again = root / "import-again.json"
    doc = notes_document(big_import)
    for item in doc["first"]["items"]:
        item["id"] = item["id"].replace("8000-", "9000-")
    again.write_text(json.dumps(doc))
    started = time.perf_counter()
    run(home, "import", "notes", str(again))
    took2 = time.perf_counter() - started
    worst, ticks, errors = ticker.communicate()[0].decode().split()
    out_import = {
        "notes": big_import,
        "import s": round(took2, 1),
        "first import s": round(took, 1),
        "ok": result.returncode == 0,
        "writer's longest wait s": round(float(worst), 3),
        "writer's notes": int(ticks),
        "writer's errors": int(errors),
    }
    return {"concurrent writers": out, "big import beside a writer": out_import}


# --- 3. damage ---------------------------------------------------------------------------------------


def damage(root: Path, trials: int) -> dict:
    from test_damaged_database import COMMANDS

    home = fresh(root, "damage")
    run(home, "note", "add", "--standalone", "kept")
    for i in range(30):
        run(home, "note", "add", "--standalone", f"note {i} " * 20)
    run(home, "backup")
    db = home / "syllabus.db"
    good = db.read_bytes()

    def reset(data: bytes) -> None:
        for suffix in ("-wal", "-shm", ".damaged"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        db.write_bytes(data)

    tally: dict = {"cases": 0, "tracebacks": 0, "one-line errors": 0, "writes into a broken database": 0}

    def probe(label: str) -> None:
        broken = not integrity_ok(db)
        tally["cases"] += 1
        for args in COMMANDS:
            result = run(home, *args)
            err = result.stderr.decode("utf-8", "replace")
            if "Traceback" in err:
                tally["tracebacks"] += 1
                print(f"  traceback in {label}: {' '.join(args)}: {err.strip().splitlines()[-1]}")
            elif result.returncode != 0 and len(err.strip().splitlines()) == 1:
                tally["one-line errors"] += 1
            if broken and args[0] in ("mark",) and result.returncode == 0:
                tally["writes into a broken database"] += 1

    for trial in range(trials):
        rnd = random.Random(trial)
        flipped = bytearray(good)
        for _ in range(40):
            flipped[rnd.randrange(100, len(flipped))] ^= 1 << rnd.randrange(8)
        reset(bytes(flipped))
        probe(f"bit flips {trial}")
    for label, data in (
        ("empty file", b""),
        ("garbage header", b"garbage" * 2000),
        ("truncated", good[: len(good) // 3]),
    ):
        reset(data)
        probe(label)
    reset(good)
    raw = sqlite3.connect(db)
    raw.execute("INSERT INTO _migrations VALUES ('library', 999, 'future', 0)")
    raw.commit()
    raw.close()
    probe("newer database")
    restored = 0
    for _ in range(3):
        reset(b"")
        result = run(home, "backup", "--restore")
        restored += result.returncode == 0 and integrity_ok(db) and run(home, "note", "list").returncode == 0
    tally["restores that gave a sound database"] = f"{restored}/3"

    # The write-ahead log deleted under a live writer that is then killed.
    wal_home = fresh(root, "wal")
    run(wal_home, "note", "add", "--standalone", "first")
    script = (
        "import os; from index.db import connect; from index import notes; from library import paths\n"
        "c = connect(); notes.add_note(c, body='before')\n"
        "os.unlink(str(paths.database_path()) + '-wal')\n"
        "try:\n    notes.add_note(c, body='after')\nexcept Exception as e:\n    print('reported:', type(e).__name__)\n"
        "os.kill(os.getpid(), 9)\n"
    )
    writer = subprocess.run(
        [str(PYTHON), "-c", script],
        env={**os.environ, "SYLLABUS_HOME": str(wal_home)},
        capture_output=True,
        text=True,
    )
    next_open = run(wal_home, "note", "list").stderr.decode()
    run(wal_home, "backup", "--check")
    listing = run(wal_home, "note", "list").stdout.decode()
    tally["deleted WAL"] = {
        "reported to the writer": "reported:" in writer.stdout,
        "noticed on next open": "was deleted" in next_open,
        "acknowledged writes kept": all(b in listing for b in ("first", "before", "after")),
    }
    return tally


# --- 4. attacks ---------------------------------------------------------------------------------------


def attacks(root: Path) -> dict:
    from test_escapes import COMMANDS, UNSAFE, _hostile_home

    out: dict = {}
    home = fresh(root, "attacks")
    _hostile_home(home, root)
    clean = sum(
        not UNSAFE.search((r.stdout + r.stderr).decode("utf-8")) for r in (run(home, *c) for c in COMMANDS)
    )
    out["commands printing hostile data, clean"] = f"{clean}/{len(COMMANDS)}"

    from test_hostile_inputs import HOSTILE_MARKDOWN

    times = {}
    for name, (template, payload) in HOSTILE_MARKDOWN.items():
        path = root / "hostile.md"
        path.write_text(template.replace("{X}", payload))
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            result = run(home, "curriculum", "import", str(path), "--name", "hostile", timeout=900)
            runs.append(time.perf_counter() - started)
            if result.returncode not in (0, 2):
                break
        times[name] = round(statistics.median(runs), 2)
    out["hostile 200 KB reading lists: import s (median of 3)"] = times

    from fetch_server import FetchServer

    server = FetchServer()
    try:
        url = server.route("/slow.pdf", body=b"%PDF-1.4\n" + b"x" * 5_000_000, chunk=1024, drip=0.05)
        run(home, "add", url, "--title", "slow one")
        started = time.perf_counter()
        result = run(home, "fetch", "slow-one", env={**server.env(), "SYLLABUS_HTTP_DEADLINE": "5"})
        out["slow-drip server, 5 s deadline"] = {
            "stopped after s": round(time.perf_counter() - started, 1),
            "message": result.stderr.decode().strip().splitlines()[-1][:100],
        }
    finally:
        server.close()
    started = time.perf_counter()
    result = run(home, "import", "notes", "/dev/zero")
    out["/dev/zero as notes"] = {
        "s": round(time.perf_counter() - started, 2),
        "message": result.stderr.decode().strip()[:100],
    }

    from test_hostile_inputs import _big_curriculum

    for chapters in (1000, 10_000):
        big = fresh(root, f"next-{chapters}")
        toml = _big_curriculum(root / f"big{chapters}.toml", chapters)
        run(big, "curriculum", "import", str(toml), "--use")
        base, nxt = [], []
        for _ in range(5):
            started = time.perf_counter()
            run(big, "--help")
            base.append(time.perf_counter() - started)
            started = time.perf_counter()
            run(big, "next")
            nxt.append(time.perf_counter() - started)
        out[f"next over {chapters} chapters"] = {
            "median s": round(statistics.median(nxt), 3),
            "spread s": [round(min(nxt), 3), round(max(nxt), 3)],
            "--help median s": round(statistics.median(base), 3),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--notes", type=int, default=300)
    parser.add_argument("--big-import", type=int, default=120_000)
    parser.add_argument("--damage-trials", type=int, default=20)
    parser.add_argument("--only", choices=["kills", "writers", "damage", "attacks"])
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-reliability-"))
    report: dict = {}
    try:
        if args.only in (None, "kills"):
            report["kills"] = kills(root, args.kills)
            print(json.dumps(report["kills"], indent=2), flush=True)
        if args.only in (None, "writers"):
            report["writers"] = writers(root, args.writers, args.notes, args.big_import)
            print(json.dumps(report["writers"], indent=2), flush=True)
        if args.only in (None, "damage"):
            report["damage"] = damage(root, args.damage_trials)
            print(json.dumps(report["damage"], indent=2), flush=True)
        if args.only in (None, "attacks"):
            report["attacks"] = attacks(root)
            print(json.dumps(report["attacks"], indent=2, ensure_ascii=False), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
