"""Benchmark of maths, tables, footnotes and sentences across breaks (run by hand, not by pytest).

    .venv/bin/python tests/benchmarks/bench_math.py [-v]

Runs the shared scorer ../shared/bench/mathcheck.py (called, not copied) on the hand labels
../shared/corpus/labels/equations.json with this checkout's ``syllabus extract``, and prints its
per-kind scores: display equations, inline maths, tables, continuity across page, column and
float breaks, footnotes. Then it reads every PDF of the corpus and counts what no reader should
see: U+FFFD (a glyph nobody named), private-use and internal mark characters, and the display
equations, tables and footnotes found. ``-v`` lists the labels that fail.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"

from library.structure.resolve import extract  # noqa: E402

_UNWANTED = re.compile("[\ufffd\ue000-\uf8ff\ufdd0-\ufdef]")


def scores(verbose: bool) -> str:
    """mathcheck's summary line (and, verbose, its list of failures)."""
    command = [
        sys.executable,
        str(SHARED / "bench" / "mathcheck.py"),
        str(CORPUS / "labels" / "equations.json"),
        str(CORPUS / "arxiv"),
        "--cmd",
        f"{REPO / '.venv' / 'bin' / 'syllabus'} extract",
    ]
    if verbose:
        command.append("-v")
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=1800)
    return result.stdout.strip()


def corpus_scan() -> list[tuple[str, int, int, int, int, int, float]]:
    """(file, pages, equations, tables, footnotes, unwanted characters, seconds) per corpus PDF."""
    out = []
    for path in sorted(CORPUS.glob("arxiv/*.pdf")) + sorted(CORPUS.glob("unseen/*.pdf")):
        started = time.perf_counter()
        structure = extract(path)
        took = time.perf_counter() - started
        kinds = [b.kind for b in structure.blocks]
        unwanted = sum(len(_UNWANTED.findall(b.text)) for b in structure.blocks)
        unwanted += sum(
            len(_UNWANTED.findall(cell)) for b in structure.blocks for row in b.rows or [] for cell in row
        )
        out.append(
            (
                str(path.relative_to(CORPUS)),
                structure.page_count,
                kinds.count("equation"),
                kinds.count("table"),
                kinds.count("footnote"),
                unwanted,
                took,
            )
        )
    return out


def main() -> int:
    if not CORPUS.exists():
        print(f"no corpus at {CORPUS}")
        return 1
    verbose = "-v" in sys.argv
    print(scores(verbose))
    print()
    print("| document | pages | equations | tables | footnotes | U+FFFD / private-use | s |")
    print("|---|---|---|---|---|---|---|")
    rows = corpus_scan()
    for name, pages, equations, tables, notes, unwanted, took in rows:
        print(f"| {name} | {pages} | {equations} | {tables} | {notes} | {unwanted} | {took:.2f} |")
    total = sum(r[5] for r in rows)
    print()
    print(f"- unwanted characters in all block text: {total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
