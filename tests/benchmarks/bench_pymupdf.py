"""What PyMuPDF costs a user: `import pymupdf` and the first `syllabus read attention` (run by hand).

    .venv/bin/python tests/benchmarks/bench_pymupdf.py [--other DIR] [--runs N]

Each measurement is a new process, as a user's command is. `import pymupdf` is timed inside the child
(after Python itself has started); the first `read` is the whole `syllabus read attention` command on a
fresh data home with the corpus PDF attached, so it pays for the import and the structure extraction
(nothing cached). `--other DIR` names a directory holding another PyMuPDF, installed with
`pip install --no-deps --target DIR pymupdf==X`: it is put first on PYTHONPATH, and the two versions are
measured turn about in the same run, so the ratio between them holds even when other jobs share the
machine. Prints medians with their range, and the ratio of medians.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
PYTHON = REPO / ".venv" / "bin" / "python"
SYLLABUS = REPO / ".venv" / "bin" / "syllabus"

IMPORT_PROBE = (
    "import time; t = time.perf_counter(); import pymupdf; "
    "print(time.perf_counter() - t, pymupdf.__version__, 'pymupdf.layout' in __import__('sys').modules)"
)


def _env(extra_path: str | None, home: Path) -> dict[str, str]:
    env = dict(os.environ, SYLLABUS_HOME=str(home))
    env.pop("PYTHONPATH", None)
    if extra_path:
        env["PYTHONPATH"] = extra_path
    return env


def time_import(extra_path: str | None, home: Path) -> tuple[float, str, bool]:
    out = subprocess.run(
        [str(PYTHON), "-c", IMPORT_PROBE],
        env=_env(extra_path, home),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), out[1], out[2] == "True"


def time_first_read(extra_path: str | None, home: Path, pdf: Path) -> float:
    """Seconds for `syllabus read attention` with nothing cached (a new home each time)."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = _env(extra_path, home)
    subprocess.run([str(SYLLABUS), "attach", "attention", str(pdf)], env=env, capture_output=True, check=True)
    started = time.perf_counter()
    subprocess.run([str(SYLLABUS), "read", "attention"], env=env, capture_output=True, check=True)
    return time.perf_counter() - started


def _summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s (range {min(values):.3f}–{max(values):.3f}, n={len(values)})"


def main() -> int:
    args = sys.argv[1:]
    other = args[args.index("--other") + 1] if "--other" in args else None
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 7
    pdf = CORPUS / "arxiv" / "1706.03762.pdf"
    if not pdf.exists():
        print(f"no corpus PDF at {pdf}")
        return 1
    setups = {"installed": None} | ({"other": other} if other else {})
    imports: dict[str, list[float]] = {name: [] for name in setups}
    reads: dict[str, list[float]] = {name: [] for name in setups}
    versions: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-pymupdf-") as scratch:
        home = Path(scratch) / "home"
        home.mkdir()
        for path in setups.values():  # warm the page cache once per version, untimed
            time_import(path, home)
            time_first_read(path, home, pdf)
        for _ in range(runs):
            for name, path in setups.items():  # turn about, so both see the same machine load
                seconds, version, layout = time_import(path, home)
                imports[name].append(seconds)
                versions[name] = f"{version}{' (loads pymupdf.layout)' if layout else ''}"
                reads[name].append(time_first_read(path, home, pdf))
    for name in setups:
        print(f"PyMuPDF {versions[name]} [{name}]")
        print(f"  import pymupdf:                {_summary(imports[name])}")
        print(f"  first syllabus read attention: {_summary(reads[name])}")
    if other:
        ratio_import = statistics.median(imports["installed"]) / statistics.median(imports["other"])
        ratio_read = statistics.median(reads["installed"]) / statistics.median(reads["other"])
        print(f"installed / other, ratio of medians: import {ratio_import:.2f}, first read {ratio_read:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
