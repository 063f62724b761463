"""Benchmark of the app: time to first paint, and memory before and after the model loads.

Run by hand (not part of the test suite):

    .venv/bin/python tests/benchmarks/bench_app.py [--runs 5]

1. First paint in a real terminal: ``syllabus`` is started in a detached tmux session (100x30)
   on a fresh data home, and the pane is polled every 10 ms until the curriculum tree shows a
   chapter title. This is what a user waits for, process start-up and imports included.
   Measured twice: with compiled bytecode, as an installed app starts (the project's modules
   are compiled once, by an untimed run, into a cache of the benchmark's own, given by
   ``PYTHONPYCACHEPREFIX``: nothing is written into the source tree); and with
   ``PYTHONDONTWRITEBYTECODE=1``, as in a sandbox that sets it, where every start compiles
   the project's modules from source (~0.1 s here). Both with ``SYLLABUS_NO_IMAGES=1``; a third
   row leaves it unset, as a user's terminal does: the app then asks the terminal whether it can
   draw images before Textual starts (textual-image: Pillow, numpy, and a query that tmux never
   answers, so a 0.1 s timeout).
2. Headless, in the environment as it is: a subprocess imports the app, runs it with
   ``run_test()`` and reports the time from interpreter start to the first painted frame, the
   RSS then, and the RSS and time after the embedding model has loaded in its worker.
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
MARKER = "Transformers"

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


# Compiled bytecode of every module the app imports, kept between runs of the benchmark.
PYCACHE = Path(tempfile.gettempdir()) / "syllabus-bench-pycache"
BYTECODE_ENV = {
    "cached": f"PYTHONPYCACHEPREFIX={PYCACHE} PYTHONDONTWRITEBYTECODE=",
    "none": "PYTHONPYCACHEPREFIX= PYTHONDONTWRITEBYTECODE=1",
}


def first_paint_tmux(home: Path, bytecode: str, images: bool = False) -> float:
    session = f"bench-{os.getpid()}"
    # Explicit, because a tmux server already running would otherwise supply its own environment.
    env = f"SYLLABUS_HOME={home} SYLLABUS_NO_IMAGES={'' if images else '1'} {BYTECODE_ENV[bytecode]}"
    command = ["tmux", "new", "-d", "-s", session, "-x", "100", "-y", "30", f"{env} {VENV_BIN / 'syllabus'}"]
    for _ in range(5):
        started = time.perf_counter()
        if subprocess.run(command).returncode == 0:
            break
        time.sleep(0.2)  # the server of the session just killed may still be exiting, refusing new ones
    else:
        raise RuntimeError("tmux would not start a session")
    try:
        while time.perf_counter() - started < 30:
            pane = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
            if MARKER in pane:
                return time.perf_counter() - started
            time.sleep(0.01)
        raise RuntimeError("the app did not paint within 30 s")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = []
    if shutil.which("tmux"):
        configs = (
            ("bytecode cached", "cached", False),
            ("PYTHONDONTWRITEBYTECODE=1", "none", False),
            ("bytecode cached, image probe on", "cached", True),
        )
        for label, bytecode, images in configs:
            if bytecode == "cached":
                warm_up = Path(tempfile.mkdtemp(prefix="syl-bench-"))
                first_paint_tmux(warm_up, bytecode, images)  # untimed: fills the bytecode cache
                shutil.rmtree(warm_up, ignore_errors=True)
            times = []
            for _ in range(args.runs):
                home = Path(tempfile.mkdtemp(prefix="syl-bench-"))
                times.append(first_paint_tmux(home, bytecode, images))
                shutil.rmtree(home, ignore_errors=True)
            rows.append(
                (
                    f"first paint in tmux, fresh home, {label} (median)",
                    f"{statistics.median(times):.2f} s",
                    f"min {min(times):.2f} s, max {max(times):.2f} s, {args.runs} runs",
                )
            )
    home = Path(tempfile.mkdtemp(prefix="syl-bench-"))
    # The environment as it is (a bytecode cache of its own would have torch compiled into it).
    env = {**os.environ, "SYLLABUS_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [str(VENV_BIN / "python"), "-c", HEADLESS], capture_output=True, text=True, env=env, cwd=REPO
    )
    if result.returncode != 0:
        sys.exit(result.stderr)
    data = json.loads(result.stdout.strip().splitlines()[-1])
    rows += [
        ("import reader.app (headless)", f"{data['import']:.2f} s", ""),
        ("first frame (headless, from interpreter start)", f"{data['paint']:.2f} s", "after pilot.pause()"),
        ("RSS after first paint", f"{data['rss_before']:.0f} MB", f"torch imported: {data['torch_before']}"),
        ("model load in worker", f"{data['model_seconds']:.1f} s", data["model_state"]),
        ("RSS after the model loaded", f"{data['rss_after']:.0f} MB", ""),
    ]
    shutil.rmtree(home, ignore_errors=True)
    rows.append(
        ("load average during the run (1 min)", f"{os.getloadavg()[0]:.1f}", f"{os.cpu_count()} CPUs")
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>9}  notes")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>9}  {note}")


if __name__ == "__main__":
    main()
