"""Benchmark of the app in a real terminal: first paint, a 67-page work, keys, idle, quit.

Run by hand (not part of the test suite), on a machine with tmux and ``../shared/corpus``:

    .venv/bin/python tests/benchmarks/bench_app.py [--runs 7] [--sessions 3] [--baseline REV]

Every figure comes from ``syllabus`` in a detached tmux session (``tests/tmux_app.py``): what a
user's terminal shows, read with ``tmux capture-pane``, and the CPU time of the app's process
from ``/proc``. With ``--baseline REV`` (a git revision, e.g. the commit before a change) the same
measures run on that revision's code too, turn about with this checkout's, so the two are
compared under the same load (the machine is shared: absolute times move with it).

1. First paint: a fresh data home, ``syllabus`` started, until the curriculum shows a chapter
   title; median of ``--runs``. Beside it, in the same run, the first paint of a bare Textual app
   that shows one line (the floor any Textual app pays: interpreter, imports, terminal set-up).
2. A session on T5 (arXiv 1910.10683, 67 pages, read as the whole work; its passages indexed
   beforehand by ``syllabus index update``), repeated ``--sessions`` times:
   - idle CPU: 5 s with nothing to do once the model is loaded and the index is up to date;
   - opening T5 (Enter on it in the curriculum) until its first page shows: with its structure
     extracted from the PDF (no cache), then from the structure cache in a new session;
   - CPU per paragraph move: 40 ``j`` 60 ms apart, the process's CPU time minus idle, per key,
     at 120 columns (curriculum and reader) and 160 (with the notes and related panel);
   - CPU per page down: 20 ``PageDown`` the same way;
   - worst key echo while T5 opens (no structure cache): Enter, then ``/`` and 25 letters typed
     into the search box 100 ms apart, each timed until it shows on screen;
   - quit: ``q`` until the process has ended, idle, and in a new session right after the first
     paint (the embedding model still loading in its worker).
3. Headless, in the environment as it is: the time to import the app and paint a first frame in
   ``run_test()``, the RSS then, and the RSS and time after the embedding model has loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
from tmux_app import TmuxApp  # noqa: E402

VENV_PYTHON = REPO / ".venv" / "bin" / "python"
SYLLABUS = REPO / ".venv" / "bin" / "syllabus"
T5 = REPO.parent / "shared" / "corpus" / "arxiv" / "1910.10683.pdf"
PAINTED = "Transformers"  # a chapter title: the curriculum is on screen
T5_SHOWN = "[p. 1]"  # the first page marker of the whole work
SETTLED = ("model ready", "index up to date")
PYCACHE = Path(tempfile.gettempdir()) / "syllabus-bench-pycache"

BARE_APP = r"""
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("Transformers")
Bare().run()
"""

HEADLESS = r"""
import time, json, os, asyncio
started = time.perf_counter()

def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

from reader.app import make_app
imported = time.perf_counter() - started

async def main():
    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        painted = time.perf_counter() - started
        before = rss_mb()
        import sys
        torch_before = "torch" in sys.modules
        t0 = time.perf_counter()
        worker = app.indexing.load_model()
        await worker.wait()
        await pilot.pause()
        model = time.perf_counter() - t0
        after = rss_mb()
        print(json.dumps({"import": imported, "paint": painted, "rss_before": before, "rss_after": after,
                          "model_seconds": model, "model_state": app.indexing.model_state,
                          "torch_before": torch_before}))

asyncio.run(main())
"""


class Code:
    """The app's code to run: this checkout's, or a git revision's (its reader/, library/ and index/
    extracted to a folder put first on PYTHONPATH, with this checkout's virtual environment)."""

    def __init__(self, label: str, folder: Path | None = None) -> None:
        self.label = label
        self.folder = folder

    @classmethod
    def revision(cls, rev: str, into: Path) -> Code:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", rev, "reader", "library", "index"],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
        return cls(f"baseline {rev}", into)

    def program(self) -> list[str]:
        if self.folder is None:
            return [str(SYLLABUS)]
        return [str(VENV_PYTHON), "-c", "from reader.cli import main; main()"]

    def env(self) -> dict[str, str]:
        # Compiled bytecode in a cache of the benchmark's own (nothing written into the source tree),
        # filled by an untimed first run: as an installed app starts.
        env = {
            "SYLLABUS_NO_IMAGES": "1",
            "HF_HUB_OFFLINE": "1",
            "PYTHONDONTWRITEBYTECODE": "",
            "PYTHONPYCACHEPREFIX": str(PYCACHE),
        }
        if self.folder is not None:
            env["PYTHONPATH"] = str(self.folder)
        return env

    def start(self, home: Path, width: int = 120, height: int = 40) -> TmuxApp:
        if (home / "syllabus.db").exists():
            start_at_t5(home)
        return TmuxApp(
            home, env=self.env(), width=width, height=height, name="bench-app", program=self.program()
        )


def fresh_home() -> Path:
    return Path(tempfile.mkdtemp(prefix="syl-bench-"))


def summary(values: list[float], unit: str, scale: float = 1.0, digits: int = 2) -> str:
    """Median (min–max, n) of ``values`` times ``scale``, in ``unit``."""
    v = [x * scale for x in values]
    return f"{statistics.median(v):.{digits}f} {unit} ({min(v):.{digits}f}–{max(v):.{digits}f}, n={len(v)})"


# --- 1. first paint --------------------------------------------------------------------------------------


def first_paint(code: Code) -> float:
    home = fresh_home()
    try:
        with code.start(home, 100, 30) as app:
            return app.wait_for(PAINTED)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def bare_first_paint() -> float:
    home = fresh_home()
    try:
        env = {"PYTHONPYCACHEPREFIX": str(PYCACHE)}
        bare = TmuxApp(
            home, "-c", BARE_APP, env=env, width=100, height=30, name="bench-bare", program=[str(VENV_PYTHON)]
        )
        with bare as app:
            return app.wait_for(PAINTED)
    finally:
        shutil.rmtree(home, ignore_errors=True)


# --- 2. a session on T5 ------------------------------------------------------------------------------


def t5_home() -> Path:
    """A data home with T5 attached, its passages indexed, and T5 as the last reading opened (so
    the curriculum's cursor starts on it: Enter opens it)."""
    home = fresh_home()
    env = {**os.environ, "SYLLABUS_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    for args in (["attach", "t5", str(T5)], ["index", "update"]):
        subprocess.run([str(SYLLABUS), *args], env=env, check=True, capture_output=True)
    start_at_t5(home)
    return home


def start_at_t5(home: Path) -> None:
    """T5 as the last reading opened, at its first block: the curriculum's cursor starts on it, and
    Enter opens it on page 1 (a session before moved the saved place)."""
    script = (
        "from index.db import connect\nfrom library import positions\n"
        "positions.save(connect(), 'deep-learning', 't5', 0, 'whole')\n"
    )
    env = {**os.environ, "SYLLABUS_HOME": str(home)}
    subprocess.run([str(VENV_PYTHON), "-c", script], env=env, check=True)


def drop_structure_cache(home: Path) -> None:
    shutil.rmtree(home / "index" / "structure", ignore_errors=True)


def settle(app: TmuxApp, timeout: float = 120.0) -> None:
    """Wait until the model is loaded and the index up to date (the status line says both)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        screen = app.screen()
        if all(s in screen for s in SETTLED):
            return
        time.sleep(0.1)
    raise TimeoutError(f"the app did not settle:\n{app.screen()}")


def idle_rate(app: TmuxApp, seconds: float = 5.0) -> float:
    """CPU seconds per second the app uses with nothing to do."""
    time.sleep(1.0)
    start = app.cpu_seconds()
    time.sleep(seconds)
    return (app.cpu_seconds() - start) / seconds


def cpu_per_key(app: TmuxApp, key: str, count: int, idle: float, gap: float = 0.06) -> float:
    """CPU seconds per key press, idle CPU taken off, trailing work (a save, a query) included."""
    start_cpu, started = app.cpu_seconds(), time.perf_counter()
    for _ in range(count):
        app.send(key)
        time.sleep(gap)
    time.sleep(1.5)
    used = app.cpu_seconds() - start_cpu - idle * (time.perf_counter() - started)
    return max(0.0, used) / count


def open_t5(app: TmuxApp) -> float:
    app.screen()
    started = time.perf_counter()
    app.send("Enter")
    while T5_SHOWN not in app.screen():
        if time.perf_counter() - started > 60:
            raise TimeoutError(app.screen())
        time.sleep(0.005)
    return time.perf_counter() - started


def quit_seconds(app: TmuxApp) -> float:
    started = time.perf_counter()
    app.send("q")
    while app.alive():
        if time.perf_counter() - started > 120:
            raise TimeoutError("the app did not end")
        time.sleep(0.002)
    return time.perf_counter() - started


def echo_latencies(app: TmuxApp, letters: str = "abcdefghijklmnopqrstuvwxy") -> list[float]:
    """Enter on T5, then ``/`` and letters typed into the search box: seconds until each shows."""
    app.send("Enter")
    app.type("/")
    typed = ""
    waits = []
    for letter in letters:
        time.sleep(0.1)
        typed += letter
        started = time.perf_counter()
        app.type(letter)
        while typed not in app.screen():
            if time.perf_counter() - started > 30:
                raise TimeoutError(app.screen())
            time.sleep(0.002)
        waits.append(time.perf_counter() - started)
    return waits


def session(code: Code, home: Path) -> dict[str, float | list[float]]:
    """One pass of every session measure on ``code``; ``home`` is reused (its index built once)."""
    out: dict[str, float | list[float]] = {}
    drop_structure_cache(home)
    with code.start(home) as app:
        app.wait_for(PAINTED)
        settle(app)
        idle = idle_rate(app)
        out["idle"] = idle
        out["open_extract"] = open_t5(app)
        time.sleep(2.0)  # the layout and the trailing work of opening
        out["move_120"] = cpu_per_key(app, "j", 40, idle)
        out["pagedown_120"] = cpu_per_key(app, "PageDown", 20, idle)
        out["quit_idle"] = quit_seconds(app)
    with code.start(home, 160, 40) as app:
        app.wait_for(PAINTED)
        settle(app)
        idle = idle_rate(app, 3.0)
        out["open_cached"] = open_t5(app)
        time.sleep(2.0)
        out["move_160"] = cpu_per_key(app, "j", 40, idle)
        app.send("q")
    drop_structure_cache(home)
    with code.start(home) as app:
        app.wait_for(PAINTED)
        settle(app)
        out["echo"] = echo_latencies(app)
        app.send("Escape")
        app.send("q")
    with code.start(home) as app:
        app.wait_for(PAINTED)
        out["quit_busy"] = quit_seconds(app)  # the model is loading in its worker
    return out


# --- 3. headless -------------------------------------------------------------------------------------


def headless() -> list[tuple[str, str, str]]:
    home = fresh_home()
    env = {**os.environ, "SYLLABUS_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    try:
        result = subprocess.run(
            [str(VENV_PYTHON), "-c", HEADLESS], capture_output=True, text=True, env=env, cwd=REPO
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if result.returncode != 0:
        sys.exit(result.stderr)
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return [
        ("import reader.app (headless)", f"{data['import']:.2f} s", ""),
        ("first frame (headless, from interpreter start)", f"{data['paint']:.2f} s", "after pilot.pause()"),
        ("RSS after first paint", f"{data['rss_before']:.0f} MB", f"torch imported: {data['torch_before']}"),
        ("model load in worker", f"{data['model_seconds']:.1f} s", data["model_state"]),
        ("RSS after the model loaded", f"{data['rss_after']:.0f} MB", ""),
    ]


# --- report ------------------------------------------------------------------------------------------------


def turn_about(codes: list[Code], runs: int, measure: Callable[[Code], float]) -> dict[str, list[float]]:
    """``measure`` run ``runs`` times for each code, the codes alternating (same load for each)."""
    values: dict[str, list[float]] = {code.label: [] for code in codes}
    for _ in range(runs):
        for code in codes:
            values[code.label].append(measure(code))
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="first paints per code (default 7)")
    parser.add_argument("--sessions", type=int, default=3, help="T5 sessions per code (default 3)")
    parser.add_argument("--baseline", help="a git revision to measure turn about with this checkout")
    parser.add_argument("--skip-headless", action="store_true")
    args = parser.parse_args()
    if not shutil.which("tmux") or not T5.exists():
        sys.exit("needs tmux and ../shared/corpus (T5: arxiv/1910.10683.pdf)")
    scratch = Path(tempfile.mkdtemp(prefix="syl-bench-code-"))
    codes = [Code("this checkout")]
    if args.baseline:
        codes.append(Code.revision(args.baseline, scratch))
    rows: list[tuple[str, str, str]] = []
    load = [os.getloadavg()[0]]

    # 1. First paint (bytecode compiled by an untimed run of each).
    for code in codes:
        first_paint(code)
    bare_first_paint()
    paints = turn_about(codes, args.runs, first_paint)
    bare = [bare_first_paint() for _ in range(args.runs)]
    rows.append(("first paint of a bare Textual app (one line)", summary(bare, "s"), "the floor, same run"))
    for label, values in paints.items():
        ratio = statistics.median(values) / statistics.median(bare)
        rows.append(
            (f"first paint, fresh home [{label}]", summary(values, "s"), f"{ratio:.2f}× the bare app")
        )
    load.append(os.getloadavg()[0])

    # 2. Sessions on T5.
    home = t5_home()
    results: dict[str, list[dict]] = {code.label: [] for code in codes}
    for _ in range(args.sessions):
        for code in codes:
            results[code.label].append(session(code, home))
            load.append(os.getloadavg()[0])
    shutil.rmtree(home, ignore_errors=True)
    measures = [
        ("idle CPU (model loaded, index up to date)", "idle", "%", 100, 1),
        ("open T5, whole work, structure extracted", "open_extract", "s", 1, 2),
        ("open T5, whole work, structure cached", "open_cached", "s", 1, 2),
        ("CPU per paragraph move (j), 120 columns", "move_120", "ms", 1000, 1),
        ("CPU per paragraph move (j), 160 columns, side panel shown", "move_160", "ms", 1000, 1),
        ("CPU per page down, 120 columns", "pagedown_120", "ms", 1000, 1),
        ("quit, idle", "quit_idle", "s", 1, 2),
        ("quit right after first paint (model loading)", "quit_busy", "s", 1, 2),
    ]
    for name, key, unit, scale, digits in measures:
        for label, runs in results.items():
            rows.append((f"{name} [{label}]", summary([r[key] for r in runs], unit, scale, digits), ""))
    for label, runs in results.items():
        waits = [w for r in runs for w in r["echo"]]
        worst = [max(r["echo"]) for r in runs]
        rows.append(
            (
                f"key echo while T5 opens [{label}]",
                f"median {statistics.median(waits) * 1000:.0f} ms",
                f"worst per session {', '.join(f'{w * 1000:.0f}' for w in worst)} ms; {len(waits)} keys",
            )
        )
    if not args.skip_headless:
        rows += headless()
    shutil.rmtree(scratch, ignore_errors=True)
    rows.append(
        ("load average (1 min) during the run", f"{min(load):.1f}–{max(load):.1f}", f"{os.cpu_count()} CPUs")
    )
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value}  {note}")


if __name__ == "__main__":
    main()
