"""Maths in a web page, carried through text extraction as TeX.

Article extractors (trafilatura, and our own lxml walk) keep prose and drop what a browser
script renders: a ``<div>`` holding ``$$…$$`` for MathJax, KaTeX's HTML, MathML, the ``<img>``
of Sphinx's imgmath. :func:`protect_maths` finds every formula a page's renderer would show and
puts an opaque token in its place (inside a ``<p>`` of its own for display maths, so extractors
keep it as a paragraph); :meth:`Maths.restore` turns the tokens in the extracted Markdown back
into ``$TeX$`` and ``$$`` blocks. The page is not rendered and no renderer is reimplemented: the
TeX is what the author wrote, found where each renderer documents its source:

- text delimiters, as MathJax reads them: ``$$…$$``, ``\\[…\\]``, ``\\(…\\)``, ``\\begin{env}…``,
  and ``$…$`` only when the page configures it (MathJax's and KaTeX's default is off, because a
  dollar is usually money); ``\\$`` is a literal dollar. Only on pages that load MathJax or KaTeX.
- KaTeX: ``<annotation encoding="application/x-tex">``; MathML: the same annotation, else
  ``alttext``, else the MathML itself linearised; MathJax 2 ``<script type="math/tex">`` (its
  rendered twins are dropped); MathJax 3's assistive MathML; Distill's ``<d-math>``; Sphinx
  imgmath and WordPress images: ``alt``.

Literal dollars in prose become tokens too, restored as ``\\$``, so the Markdown's ``$`` are all maths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Where text is verbatim (MathJax's skipHtmlTags) or not content.
_VERBATIM = {"script", "style", "pre", "code", "textarea", "noscript", "kbd", "samp", "head", "title"}
# Containers in which a display formula can stand as a <p> of its own.
_BLOCK_HOLDERS = {"div", "section", "article", "main", "body", "blockquote", "center", "figure", "d-article"}
# Elements that can hold a formula (KaTeX's spans are found by their class).
_MATH_TAGS = {"script", "d-math", "math", "mjx-container", "img", "div"}
_RENDERERS = re.compile(r"mathjax|katex", re.I)
# ['$','$'] (MathJax inlineMath) or {left: "$", right: "$"} (KaTeX auto-render).
_DOLLAR_CONFIG = re.compile(
    r"""\[\s*(['"])\$\1\s*,\s*(['"])\$\2\s*\]|left\s*:\s*(['"])\$\3\s*,\s*right\s*:\s*(['"])\$\4"""
)
_START = re.compile(r"\\\$|\$\$|\$|\\\[|\\\(|\\begin\{([A-Za-z]+\*?)\}")
_TEX_ANNOTATION = './/*[local-name()="annotation"][@encoding="application/x-tex"]'


def _local(tag: object) -> str:
    """An element's tag without its XML namespace (MathML inside XHTML keeps one)."""
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


@dataclass
class TexSpan:
    """A formula found in a text: ``text[start:end]`` with delimiters; ``tex`` without them."""

    start: int
    end: int
    tex: str | None  # None: a literal dollar
    display: bool = False


_CLOSE_SCAN = {
    closer: re.compile(re.escape(closer) + r"|\\.|[{}]", re.S) for closer in ("$$", "$", "\\]", "\\)")
}


def _close(text: str, pos: int, closer: str) -> int | None:
    """Index of ``closer`` after ``pos`` at brace depth 0, skipping ``\\x`` escapes (MathJax's rule)."""
    depth = 0
    for m in _CLOSE_SCAN[closer].finditer(text, pos):
        token = m.group()
        if token == closer:
            if depth == 0 and m.start() > pos:
                return m.start()
        elif token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
    return None


def tex_spans(text: str, *, dollars: bool) -> list[TexSpan]:
    """The formulas MathJax would find in one text node (and its literal dollars), in order."""
    spans: list[TexSpan] = []
    i = 0
    while True:
        m = _START.search(text, i)
        if m is None:
            return spans
        opener = m.group(0)
        if opener in ("\\$", "$") and (opener == "\\$" or not dollars):
            spans.append(TexSpan(m.start(), m.end(), None))
            i = m.end()
            continue
        if opener.startswith("\\begin"):
            env = re.escape(m.group(1))
            end = _environment_end(text, m.end(), env)
            if end is None:
                i = m.end()
                continue
            spans.append(TexSpan(m.start(), end, text[m.start() : end].strip(), True))
            i = end
            continue
        closer = {"$$": "$$", "$": "$", "\\[": "\\]", "\\(": "\\)"}[opener]
        at = _close(text, m.end(), closer)
        if at is None:
            if opener == "$":
                spans.append(TexSpan(m.start(), m.end(), None))  # an unpaired dollar is money
            i = m.end()
            continue
        tex = text[m.end() : at].strip()
        end = at + len(closer)
        if tex:
            spans.append(TexSpan(m.start(), end, tex, opener in ("$$", "\\[")))
        i = end


def _environment_end(text: str, pos: int, env: str) -> int | None:
    depth = 1
    for m in re.finditer(rf"\\(begin|end)\{{{env}\}}", text[pos:]):
        depth += 1 if m.group(1) == "begin" else -1
        if depth == 0:
            return pos + m.end()
    return None


# --- MathML to TeX, for MathML that carries no TeX of its own ---------------------------------


def mathml_tex(el) -> str:
    """MathML linearised to TeX: sub/superscripts, fractions, roots, over/under scripts, tables."""

    def kids(node) -> list[str]:
        return [lin(c) for c in node if isinstance(c.tag, str)]

    def group(s: str) -> str:
        return s if len(s) == 1 else "{" + s + "}"

    def lin(node) -> str:
        tag = _local(node.tag)
        parts = kids(node)
        if tag in ("mi", "mn", "mo", "mtext", "ms"):
            text = "".join(node.itertext()).strip()
            return f"\\text{{{text}}}" if tag == "mtext" and text else text
        if tag in ("annotation", "annotation-xml", "none", "mprescripts"):
            return ""
        if tag == "semantics":
            return parts[0] if parts else ""
        if tag in ("msub", "munder") and len(parts) == 2:
            return f"{parts[0]}_{group(parts[1])}"
        if tag in ("msup", "mover") and len(parts) == 2:
            return f"{parts[0]}^{group(parts[1])}"
        if tag in ("msubsup", "munderover") and len(parts) == 3:
            return f"{parts[0]}_{group(parts[1])}^{group(parts[2])}"
        if tag == "mfrac" and len(parts) == 2:
            return f"\\frac{{{parts[0]}}}{{{parts[1]}}}"
        if tag == "msqrt":
            return f"\\sqrt{{{' '.join(parts)}}}"
        if tag == "mroot" and len(parts) == 2:
            return f"\\sqrt[{parts[1]}]{{{parts[0]}}}"
        if tag == "mfenced":
            return (node.get("open") or "(") + ", ".join(parts) + (node.get("close") or ")")
        if tag == "mtable":
            return " \\\\ ".join(parts)
        if tag == "mtr":
            return " & ".join(parts)
        return " ".join(p for p in parts if p)

    return " ".join(lin(el).split())


# --- finding maths in a page ------------------------------------------------------------------


def _element_tex(el) -> tuple[str, bool] | None:
    """The TeX and display flag of a maths element, or None when ``el`` is not one."""
    tag = _local(el.tag)
    if tag not in _MATH_TAGS and "katex" not in (el.get("class") or ""):
        return None  # most elements: a quick no
    classes = _classes(el)
    if tag == "script":
        kind = (el.get("type") or "").lower()
        if kind.startswith("math/tex"):
            return (el.text or "").strip(), "mode=display" in kind.replace(" ", "")
        return None
    if tag == "d-math":
        return " ".join(el.text_content().split()), el.get("block") is not None
    if "katex-display" in classes or "katex" in classes:
        annotation = el.xpath(_TEX_ANNOTATION)
        if annotation:
            return (annotation[0].text or "").strip(), "katex-display" in classes
        inner = el.xpath('.//*[local-name()="math"]')
        return (_math_tex(inner[0]), "katex-display" in classes) if inner else None
    if tag == "math":
        display = el.get("display") == "block" or el.get("mode") == "display"
        return _math_tex(el), display
    if tag == "mjx-container":
        inner = el.xpath('.//*[local-name()="math"]')
        display = el.get("display") == "true" or "MJXc-display" in classes
        return (_math_tex(inner[0]), display) if inner else ("", display)
    if tag == "img" and el.get("alt") and ({"math", "latex"} & classes):
        return el.get("alt").strip(), False
    if tag == "div" and "math" in classes:
        # Sphinx imgmath: <div class="math"><p><img alt="TeX"></p></div>, a display formula.
        images = [img.get("alt") for img in el.iter("img") if img.get("alt")]
        if images and not el.text_content().strip():
            return " \\\\ ".join(a.strip() for a in images), True
    return None


def _math_tex(math) -> str:
    annotation = math.xpath(_TEX_ANNOTATION)
    if annotation and (annotation[0].text or "").strip():
        return annotation[0].text.strip()
    return (math.get("alttext") or "").strip() or mathml_tex(math)


def _rendered_twin(el) -> bool:
    """MathJax 2's rendered output and preview, which repeat the ``math/tex`` script beside them."""
    if "MathJax" not in (el.get("class") or ""):
        return False
    return any(c.startswith("MathJax") for c in _classes(el)) and _local(el.tag) in ("span", "div", "nobr")


@dataclass
class Maths:
    """The formulas taken out of a page, by token; :meth:`restore` puts them back as Markdown."""

    prefix: str
    formulas: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def dollar(self) -> str:
        return f"{self.prefix}DQ"

    def token(self, tex: str, display: bool) -> str:
        self.formulas.append((tex, display))
        return f"{self.prefix}{len(self.formulas) - 1}Q"

    def _pattern(self) -> re.Pattern[str]:
        return re.compile(re.escape(self.prefix) + r"(\d+|D)Q")

    def restore(self, markdown: str) -> str:
        """``markdown`` with ``$TeX$`` inline, ``$$`` blocks on lines of their own, ``\\$`` for dollars.

        A display formula inside a paragraph or list item splits it there; in a heading or a
        table row (one line each in Markdown) it stays inline.
        """
        if self.prefix not in markdown:
            return markdown
        pattern = self._pattern()

        def inline(m: re.Match[str]) -> str:
            if m.group(1) == "D":
                return "\\$"
            tex = " ".join(self.formulas[int(m.group(1))][0].split())
            return f"${tex}$" if tex else ""

        out: list[str] = []
        for line in markdown.split("\n"):
            if self.prefix not in line:
                out.append(line)
                continue
            stripped = line.lstrip()
            if stripped.startswith(("#", "|")):
                out.append(pattern.sub(inline, line))
                continue
            start = 0
            for m in pattern.finditer(line):
                if m.group(1) == "D" or not self.formulas[int(m.group(1))][1]:
                    continue
                before = pattern.sub(inline, line[start : m.start()]).rstrip()
                if before.strip() and not re.fullmatch(r"\s*(?:[-*+>]|\d+[.)])", before):
                    out.extend([before, ""])
                tex_lines = [t.strip() for t in self.formulas[int(m.group(1))][0].splitlines() if t.strip()]
                if tex_lines:
                    out.extend(["$$", *tex_lines, "$$", ""])
                start = m.end()
            rest = pattern.sub(inline, line[start:])
            out.append(rest.strip() if start else rest)
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out))


def _new_token_element(tag: str, token: str, tail: str | None):
    import lxml.html  # already loaded by whoever parsed the tree

    new = lxml.html.Element(tag)
    new.text = token
    new.tail = tail
    return new


class _Protector:
    def __init__(self, maths: Maths, *, scan_text: bool, dollars: bool) -> None:
        self.maths = maths
        self.scan_text = scan_text
        self.dollars = dollars

    def walk(self, el) -> None:
        if el.text:
            self.splice(el, None, el.text)
        for child in list(el):
            node = child
            if isinstance(child.tag, str):
                found = _element_tex(child)
                if found is not None:
                    node = self.replace(el, child, *found)
                elif _rendered_twin(child):
                    for grandchild in list(child):
                        child.remove(grandchild)
                    child.text = None
                elif _local(child.tag) not in _VERBATIM:
                    self.walk(child)
            if node.tail:
                self.splice(el, node, node.tail)

    def replace(self, holder, el, tex: str, display: bool):
        """``el`` replaced by its formula's token: a ``<p>`` for display maths in a block, else a ``<span>``."""
        tag = "p" if display and _local(holder.tag) in _BLOCK_HOLDERS else "span"
        new = _new_token_element(tag, self.maths.token(tex, display) if tex else "", el.tail)
        holder.replace(el, new)
        return new

    def splice(self, holder, after, text: str) -> None:
        """Formulas in ``holder.text`` (``after`` is None) or ``after.tail`` replaced by tokens."""
        if "$" not in text and "\\" not in text:
            return  # most text nodes: nothing to look for
        spans = tex_spans(text, dollars=self.dollars) if self.scan_text else []
        if not spans and "$" not in text:
            return
        if not spans:  # no renderer on the page: every dollar is money
            spans = [TexSpan(m.start(), m.end(), None) for m in re.finditer(r"\$", text)]
        block = _local(holder.tag) in _BLOCK_HOLDERS
        pieces: list = [""]  # strings and <p> elements, alternating: text, element, text, ...
        pos = 0
        for span in spans:
            pieces[-1] += text[pos : span.start]
            if span.tex is None:
                pieces[-1] += self.maths.dollar
            elif span.display and block:
                pieces.append(_new_token_element("p", self.maths.token(span.tex, True), None))
                pieces.append("")
            else:
                pieces[-1] += (
                    " " * span.display + self.maths.token(span.tex, span.display) + " " * span.display
                )
            pos = span.end
        pieces[-1] += text[pos:]
        if after is None:
            holder.text = pieces[0]
            index = 0
        else:
            after.tail = pieces[0]
            index = holder.index(after) + 1
        for element, tail in zip(pieces[1::2], pieces[2::2], strict=True):
            element.tail = tail
            holder.insert(index, element)
            index += 1


def protect_maths(tree, html: str) -> Maths:
    """Replace the formulas of ``tree`` (parsed from ``html``) by tokens, in place; return them."""
    prefix = "sylmathQ"
    while prefix in html:
        prefix += "Q"
    maths = Maths(prefix)
    scripts = " ".join((s.get("src") or "") + " " + (s.text or "") for s in tree.iter("script"))
    scan_text = bool(_RENDERERS.search(scripts))
    dollars = bool(_DOLLAR_CONFIG.search(scripts))
    body = tree.find(".//body")
    _Protector(maths, scan_text=scan_text, dollars=dollars).walk(body if body is not None else tree)
    return maths
