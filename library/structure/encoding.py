"""The text of a web page's bytes, decoded by what the page says it is, never by a hopeful guess.

A page saved from the web or fetched from a server arrives as bytes. The charset comes, in order,
from a byte-order mark, the HTTP ``Content-Type`` header, the page's own ``<meta charset>`` (or
``http-equiv`` / XML declaration); a page that declares nothing is UTF-8 when its bytes are valid
UTF-8, and otherwise what charset detection (``charset_normalizer``, which trafilatura ships with)
finds. Decoding is strict at every step: a Latin-1 page without a charset becomes Latin-1 text,
not UTF-8 with U+FFFD where every accent was.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:\-]+)", re.I)
# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x">, <?xml encoding="x"?>
_META_CHARSET = re.compile(
    rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([\w.:\-]+)|<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:\-]+)", re.I
)
# Labels browsers read as a wider encoding than Python's codec of the same name (WHATWG Encoding).
_WIDER = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
}
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_MESS_MARGIN = 0.1  # of charset_normalizer's mess ratio (0 clean .. 1), which accepts up to 0.2
_PRESCAN_BYTES = 4096  # browsers look in the first 1024; pages with long <head> preambles exist


def _decode_as(data: bytes, label: str) -> str | None:
    """``data`` decoded strictly with the codec ``label`` names, or None when it is unknown or wrong."""
    label = label.strip().lower()
    codec = _WIDER.get(label, label)
    try:
        return data.decode(codec)
    except LookupError:
        return None
    except UnicodeDecodeError:
        if codec == "cp1252":
            # Five bytes are undefined in Python's cp1252 (browsers map them to C1 controls);
            # Latin-1 decodes every byte and agrees on all the others but 0x80-0x9F.
            return data.decode("latin-1")
        return None


def _declared(data: bytes, content_type: str | None) -> list[str]:
    """Charsets the header and the page declare, in the order they take precedence."""
    labels = []
    m = _HEADER_CHARSET.search(content_type or "")
    if m:
        labels.append(m.group(1))
    found = _META_CHARSET.search(data[:_PRESCAN_BYTES])
    if found:
        label = (found.group(1) or found.group(2)).decode("ascii", "ignore")
        # A page that says UTF-16 in an ASCII <meta> cannot be UTF-16 (no BOM): browsers read UTF-8.
        labels.append("utf-8" if label.lower().startswith("utf-16") else label)
    return labels


def decode_page(data: bytes, content_type: str | None = None) -> str:
    """The text of a page (HTML or Markdown) from its bytes and, when fetched, its Content-Type."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _decode_as(data, codec)
            if text is not None:
                return text
    for label in _declared(data, content_type):
        text = _decode_as(data, label)
        if text is not None:
            return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # charset_normalizer: ~20 ms to import, tens of ms on a page; only undeclared non-UTF-8 pays it.
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is not None:
        # Single-byte code pages often fit about equally well (é is 0xE9 in cp1250, cp1252 and
        # cp1257), and on a short page the detector's "mess" measure is noisy (proper French
        # scores 0.05 as cp1252, 0 as cp1257). Windows-1252, what browsers assume of an undeclared
        # page in most locales, is kept unless another code page reads clearly cleaner.
        western = [m for m in matches if m.encoding in _WESTERN and m.chaos <= best.chaos + _MESS_MARGIN]
        text = _decode_as(data, (western[0] if western else best).encoding)
        if text is not None:
            return text
    # Nothing declared, not UTF-8, nothing detected: Windows-1252, the web's legacy default.
    return _decode_as(data, "cp1252") or data.decode("latin-1")
