"""Each kind of unreadable document gets its own clear message, from the library and the CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from library.structure import errors
from library.structure.pdf import pdf_structure
from library.structure.resolve import load


def zero_page_pdf() -> bytes:
    """A well-formed PDF whose page tree is empty (PyMuPDF refuses to save one)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def encrypted_pdf(path: Path) -> Path:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Secret text")
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="user", owner_pw="owner")
    doc.close()
    return path


def image_only_pdf(path: Path) -> Path:
    """One page holding only a picture: what a scan without OCR looks like."""
    import pymupdf

    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 64, 64), False)
    pix.clear_with(200)
    doc = pymupdf.open()
    doc.new_page().insert_image(pymupdf.Rect(72, 72, 400, 400), pixmap=pix)
    doc.save(path)
    doc.close()
    return path


@pytest.fixture
def bad(tmp_path):
    made = {
        "encrypted": encrypted_pdf(tmp_path / "locked.pdf"),
        "image-only": image_only_pdf(tmp_path / "scan.pdf"),
    }
    made["corrupt"] = tmp_path / "noise.pdf"
    made["corrupt"].write_bytes(os.urandom(4096))
    made["empty"] = tmp_path / "empty.pdf"
    made["empty"].write_bytes(b"")
    made["no-pages"] = tmp_path / "nopages.pdf"
    made["no-pages"].write_bytes(zero_page_pdf())
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog")
    made["truncated"] = truncated
    return made


EXPECTED = {
    "encrypted": (errors.EncryptedDocument, "encrypted"),
    "corrupt": (errors.CorruptDocument, "corrupt"),
    "empty": (errors.EmptyDocument, "empty"),
    "no-pages": (errors.NoPages, "no pages"),
    "image-only": (errors.NoTextLayer, "no text layer"),
    "truncated": (errors.CorruptDocument, "corrupt"),
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_library_raises_its_own_error(bad, kind):
    cls, words = EXPECTED[kind]
    with pytest.raises(cls) as info:
        pdf_structure(bad[kind])
    assert words in str(info.value)
    assert bad[kind].name in str(info.value)
    # Every one is a user error the CLI turns into one line.
    assert isinstance(info.value, errors.BadDocument)


def test_messages_differ(bad):
    messages = set()
    for kind in ("encrypted", "corrupt", "empty", "no-pages", "image-only"):
        with pytest.raises(errors.BadDocument) as info:
            load(bad[kind])
        messages.add(str(info.value).split(": ", 1)[1])
    assert len(messages) == 5


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_cli_prints_one_line(bad, run_cli, kind):
    code, out, err = run_cli("extract", str(bad[kind]), "--outline")
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert EXPECTED[kind][1] in err
    assert out == ""


def test_unknown_bytes_with_other_suffix(tmp_path, run_cli):
    odd = tmp_path / "thing.bin"
    odd.write_bytes(b"\x00\x01\x02binary")
    code, _, err = run_cli("extract", str(odd))
    assert code == 2 and "corrupt" in err


def test_missing_file(tmp_path, run_cli):
    code, _, err = run_cli("extract", str(tmp_path / "absent.pdf"))
    assert code == 2 and "no such file" in err


def test_empty_web_page_is_not_a_crash(corpus):
    # A client-rendered page: the article is built by JavaScript, so almost nothing is there.
    structure = load(corpus / "html" / "negative" / "distill-multimodal-shell.html")
    assert structure.kind == "html"
    assert all(s.title for s in structure.sections)
