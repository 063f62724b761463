"""Benchmark of section extraction over the shared corpus (run by hand, not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_structure.py [--no-outline-only]

For every PDF and HTML page in ../shared/corpus it extracts the structure twice (with the PDF
outline, and forcing the text heuristic), and reports per document: the top-level sections
found against the hand labels (../shared/corpus/labels/sections.json plus our own
tests/benchmarks/extra_labels.json) as precision and recall of (number, title, start page),
whether each labelled pointer resolves to exactly the right span, and the time taken.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus"

from library.structure.resolve import extract, resolve  # noqa: E402
from library.structure.text import norm_title  # noqa: E402

VERBOSE = "-v" in sys.argv
# Timings are the best of REPEAT runs: other work on a 2-core machine inflates single runs.
REPEAT = int(next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--repeat=")), "3"))


def mupdf_floor(path: Path) -> float:
    """Seconds PyMuPDF alone needs to produce the span data of every page: the floor for extraction."""
    import pymupdf

    best = float("inf")
    for _ in range(REPEAT):
        with pymupdf.open(path) as doc:
            started = time.perf_counter()
            for page in doc:
                page.get_text("dict", flags=pymupdf.TEXT_MEDIABOX_CLIP)
            best = min(best, time.perf_counter() - started)
    return best


def labels() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for path in (CORPUS / "labels" / "sections.json", REPO / "tests" / "benchmarks" / "extra_labels.json"):
        if path.exists():
            for doc in json.loads(path.read_text())["documents"]:
                out[doc["file"]] = doc
    return out


def _same_title(a: str, b: str) -> bool:
    from rapidfuzz import fuzz

    x, y = norm_title(a), norm_title(b)
    return x == y or fuzz.ratio(x, y) >= 90


def score(structure, label: dict) -> tuple[int, int, int]:
    """(matched, predicted, labelled) top-level section starts."""
    optional = {norm_title(o) for o in label.get("optional", [])}
    # Same headings under other spellings: singular "Acknowledgement", "Supplementary Material(s)"
    # (an appendix banner, like "Appendices").
    if optional & {"acknowledgements", "acknowledgments"}:
        optional |= {"acknowledgement", "acknowledgment"}
    if "appendices" in optional:
        optional |= {"supplementary material", "supplementary materials"}
    predicted = [s for s in structure.top_level() if norm_title(s.title) not in optional]
    wanted = [w for w in label["sections"] if norm_title(w["title"]) not in optional]
    matched = 0
    used: set[int] = set()
    for want in wanted:
        for i, got in enumerate(predicted):
            if i in used:
                continue
            same_number = (got.number or None) == (want.get("number") or None)
            if same_number and _same_title(got.title, want["title"]) and got.start_page == want["page"]:
                matched += 1
                used.add(i)
                break
    if VERBOSE and (matched < len(predicted) or matched < len(wanted)):
        print(
            "   extra:", [(s.number, s.title, s.start_page) for i, s in enumerate(predicted) if i not in used]
        )
        print("   wanted:", [(w.get("number"), w["title"], w["page"]) for w in wanted])
    return matched, len(predicted), len(wanted)


def check_pointer(structure, pointer: dict) -> str:
    raw = pointer["pointer"]
    text_pointer = raw if raw.startswith('"') or not raw[:1].isalnum() else f"Section {raw}"
    try:
        content = resolve(structure, text_pointer)
    except Exception as exc:  # report, don't stop the benchmark
        return f"error: {exc}"
    problems = []
    if (content.start_page, content.end_page) != (pointer["start_page"], pointer["end_page"]):
        problems.append(f"pages {content.start_page}-{content.end_page}")
    heading_text = "\n".join(f"{b.text}\n" for b in content.blocks)
    for needle in pointer.get("must_contain", []):
        if needle.strip() not in heading_text:
            problems.append(f"missing {needle.strip()!r}")
    for needle in pointer.get("must_not_contain", []):
        if needle in heading_text:
            problems.append(f"contains {needle.strip()!r}")
    return "exact" if not problems else "; ".join(problems)


def main() -> int:
    if not CORPUS.exists():
        print(f"no corpus at {CORPUS}")
        return 1
    all_labels = labels()
    files = (
        sorted(CORPUS.glob("arxiv/*.pdf"))
        + sorted(CORPUS.glob("variants/*.pdf"))
        + sorted(CORPUS.glob("html/*.html"))
    )
    # Warm up imports (PyMuPDF, trafilatura) so the first rows are timed like the others.
    extract(files[0])
    extract(next(f for f in files if f.suffix == ".html"))
    print(
        "| document | pages | source | sections with outline: matched/found · matched/labelled"
        " | sections heuristic only | pointers | s, outline | s, heuristic | s, PyMuPDF text alone |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    totals = {"outline": [0, 0, 0], "heuristic": [0, 0, 0]}
    pointer_total = pointer_exact = 0
    slowest_per_30 = 0.0
    per_page: list[tuple[str, int, float, float]] = []
    for path in files:
        rel = str(path.relative_to(CORPUS))
        label = all_labels.get(rel)
        cells = []
        times = []
        pointer_cell = "-"
        structures = []
        for use_outline in (True, False):
            best = float("inf")
            try:
                for _ in range(REPEAT):
                    started = time.perf_counter()
                    structure = extract(path, use_outline=use_outline)
                    best = min(best, time.perf_counter() - started)
            except Exception as exc:
                cells.append(f"error: {exc}")
                times.append(float("nan"))
                structures.append(None)
                continue
            times.append(best)
            structures.append(structure)
            if label:
                m, p, w = score(structure, label)
                key = "outline" if use_outline else "heuristic"
                for i, v in enumerate((m, p, w)):
                    totals[key][i] += v
                cells.append(f"{m}/{p} · {m}/{w}")
            else:
                cells.append(f"{len(structure.top_level())} found, unlabelled")
        structure = structures[0]
        if label and label.get("pointers") and structure is not None:
            results = []
            for pointer in label["pointers"]:
                for s in structures:
                    if s is None:
                        continue
                    result = check_pointer(s, pointer)
                    pointer_total += 1
                    pointer_exact += result == "exact"
                    results.append(f"{pointer['pointer']}: {result}")
            pointer_cell = "<br>".join(sorted(set(results)))
        pages = structure.page_count if structure else "?"
        floor = "-"
        if structure is not None and structure.kind == "pdf" and isinstance(pages, int):
            slowest_per_30 = max(slowest_per_30, min(times) * 30 / pages)
            floor_s = mupdf_floor(path)
            floor = f"{floor_s:.3f}"
            per_page.append((rel, pages, min(times), floor_s))
        has_outline = structure.source if structure else "?"
        print(
            f"| {rel} | {pages} | {has_outline} | {cells[0]} | {cells[1]} | {pointer_cell} | "
            f"{times[0]:.3f} | {times[1]:.3f} | {floor} |"
        )
    print()
    for key, (m, p, w) in totals.items():
        precision = m / p if p else 0.0
        recall = m / w if w else 0.0
        print(
            f"- top-level sections, {key}: precision {precision:.3f} ({m}/{p}), recall {recall:.3f} ({m}/{w})"
        )
    print(
        f"- pointers exact: {pointer_exact}/{pointer_total} (each pointer checked with and without the outline)"
    )
    print(f"- slowest PDF, scaled to 30 pages: {slowest_per_30:.3f} s")
    rates = sorted(t / p for _, p, t, _ in per_page)
    if rates:
        print(
            f"- median time per PDF page: {1000 * rates[len(rates) // 2]:.1f} ms"
            f" (x30 = {30 * rates[len(rates) // 2]:.3f} s)"
        )
    for rel, pages, took, floor_s in per_page:
        if 28 <= pages <= 32:
            print(
                f"- {rel} ({pages} pages): {took:.3f} s full structure, of which PyMuPDF text {floor_s:.3f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
