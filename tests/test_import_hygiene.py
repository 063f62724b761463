"""What importing loads: the domain layers bring in no UI, start-up stays light, nothing is created.

Checked in a fresh interpreter, as harlequin does: importing a module in-process would be
polluted by whatever other tests imported before. The layering of the source itself
(reader -> index -> library, function-level imports included) is import-linter's contract in
``pyproject.toml``, run by ``tests/test_code_checks.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    return set(out.stdout.split())


def package_modules(package: str) -> list[str]:
    root = REPO / package
    names = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(REPO).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


@pytest.mark.parametrize("package", ["library", "index"])
def test_domain_layers_never_import_textual_or_reader(package):
    statement = "; ".join(f"import {m}" for m in package_modules(package))
    loaded = modules_after(statement)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}
    assert not {m for m in loaded if m == "reader" or m.startswith("reader.")}


def test_cli_start_up_does_not_import_heavy_libraries():
    loaded = modules_after("import reader.cli")
    for heavy in ("torch", "sentence_transformers", "faiss", "transformers", "fitz", "pymupdf"):
        assert heavy not in loaded, f"`import reader.cli` imported {heavy}"


def test_importing_creates_nothing(tmp_path):
    home = tmp_path / "home"
    env_code = f"import os; os.environ['SYLLABUS_HOME'] = {str(home)!r}; " + "; ".join(
        f"import {m}" for m in [*package_modules("library"), "reader.cli"]
    )
    subprocess.run([sys.executable, "-c", env_code], cwd=REPO, check=True)
    assert not home.exists()


def test_reading_a_pdf_loads_no_layout_model_and_prints_nothing(tmp_path):
    # PyMuPDF 2.0 imports its ONNX layout add-on and pymupdf4llm with it (~0.6 s a command): the
    # pin on 1.28 must hold, and the layout suggestion must not reach stdout.
    pdf = tmp_path / "one.pdf"
    code = (
        "import sys; from library.structure import mupdf; pymupdf = mupdf.load(); "
        f"doc = pymupdf.open(); doc.new_page().insert_text((72, 72), 'Hello'); doc.save({str(pdf)!r}); "
        f"from library.structure.resolve import extract; extract({str(pdf)!r}); "
        "print('\\n'.join(name for name, module in sys.modules.items() if module is not None))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    loaded = set(out.stdout.split())
    assert "pymupdf" in loaded
    for heavy in ("pymupdf.layout", "pymupdf4llm", "onnxruntime"):
        assert heavy not in loaded, f"reading a PDF imported {heavy}"
    assert "Consider using" not in out.stdout
