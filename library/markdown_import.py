"""Import a reading list written in markdown (or a TOML curriculum) as a validated :class:`Curriculum`.

Accepted shapes:

* a ``.toml`` curriculum file (``catalogue.load_file``);
* one markdown file: a chapter per heading that owns ``Recommended reading`` / ``Optional
  reading`` / ``Suggested exercise`` sections (or the whole file as one chapter);
* a folder of markdown files, a chapter per file ordered by the number leading its name
  (``1-Transformers.md``), with an optional ``README.md`` for curriculum-wide facts and an
  optional ``Solutions.md`` of links to people's solutions.

Facts are recognised from prose by patterns (an "order of importance" list, "chapter X is
helpful for understanding chapters ...", "between half a week and 2 weeks", "longer version of
Chapter N, replace it by [link]", section pointers such as "Section 3 of the paper"), never by
matching one curriculum's wording; each is optional, and a list without it still imports.

Ids are derived from the links, not their positions, so re-importing an edited list keeps the
ids (and so the progress) of everything that is still there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from library import catalogue
from library.catalogue import ARXIV_ID, CatalogueError, Chapter, Curriculum, Exercise, Link, Reading
from library.errors import NotFound
from library.pointers import Pointer, search_prose

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".txt")


def import_path(path: Path, *, name: str | None = None) -> Curriculum:
    """Read ``path`` (TOML file, markdown file or folder of markdown files) into a validated curriculum."""
    path = Path(path)
    if not path.exists():
        raise NotFound(f"no such file or folder: {path}")
    if path.is_dir():
        curriculum = _import_dir(path)
    elif path.suffix.lower() == ".toml":
        curriculum = catalogue.load_file(path)
        if name is None:
            return curriculum
    else:
        curriculum = _import_file(path)
    if name is not None:
        curriculum = msgspec.structs.replace(curriculum, name=name)
    return catalogue.validate(curriculum, str(path))


# =================================================================================================
# Markdown, just enough of it: headings, list items, paragraphs, links.
# =================================================================================================


@dataclass(frozen=True)
class MdLink:
    text: str
    url: str
    # Where the link's *text* sits in the plain version of its block (see :func:`flatten`).
    start: int
    end: int

    @property
    def is_web(self) -> bool:
        return bool(re.match(r"https?://[^\s/]+\.[^\s/]", self.url, re.I))


@dataclass
class Block:
    """A list item or a paragraph. ``plain`` is its text with links reduced to their text."""

    kind: str  # "item" | "para"
    indent: int
    raw: str
    plain: str = ""
    links: list[MdLink] = field(default_factory=list)


@dataclass
class Heading:
    level: int
    title: str
    body: list[str]


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _mask_code(text: str) -> str:
    """Blank out code spans (same length), so brackets inside them are not read as links."""
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)


def flatten(text: str) -> tuple[str, list[MdLink]]:
    """Turn inline markdown into plain text, returning the links with their spans in that text.

    Handles ``[text](url "title")`` with nested brackets and balanced parentheses in the URL,
    ``<https://…>`` autolinks and bare ``https://…`` URLs. An unclosed link keeps its text and
    is kept as a link only if a clean URL follows; images are reduced to their alt text.
    """
    masked = _mask_code(text)
    out: list[str] = []
    links: list[MdLink] = []
    i = 0
    n = len(text)
    while i < n:
        ch = masked[i]
        if ch == "[":
            parsed = _parse_link(text, masked, i)
            if parsed is not None:
                label, url, end = parsed
                image = i > 0 and text[i - 1] == "!"
                if image and out and out[-1] == "!":
                    out.pop()
                # Links nested in a link's text ("[![badge](img)](url)") are dropped: the outer one wins.
                label_plain = flatten(label)[0]
                start = sum(len(s) for s in out)
                out.append(label_plain)
                if url and not image:
                    links.append(MdLink(label_plain.strip(), url, start, start + len(label_plain)))
                i = end
                continue
        if ch == "<":
            m = re.match(r"<(https?://[^>\s]+)>", text[i:])
            if m:
                start = sum(len(s) for s in out)
                out.append(m.group(1))
                links.append(MdLink("", m.group(1), start, start + len(m.group(1))))
                i += m.end()
                continue
        if ch in "hH" and (i == 0 or not masked[i - 1].isalnum()):
            m = re.match(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]", text[i:])
            if m and masked[i : i + m.end()] == text[i : i + m.end()]:
                start = sum(len(s) for s in out)
                out.append(m.group(0))
                links.append(MdLink("", m.group(0), start, start + m.end()))
                i += m.end()
                continue
        out.append(text[i])
        i += 1
    return "".join(out), links


def _parse_link(text: str, masked: str, i: int) -> tuple[str, str, int] | None:
    """Parse ``[label](url)`` starting at ``text[i] == "["``: (label, url, index after it) or None."""
    depth = 0
    j = i
    while j < len(masked):
        c = masked[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                break
        j += 1
    else:
        return None  # "[" never closed: plain text
    label = text[i + 1 : j]
    if j + 1 >= len(text) or text[j + 1] != "(":
        return None
    k = j + 2
    depth = 1
    while k < len(text):
        c = text[k]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                break
        elif c == "\n" or (c == " " and depth == 1 and text[k + 1 : k + 2] not in ('"', "'")):
            # "(url and then prose": an unclosed link. Keep a clean URL, drop the rest.
            url = text[j + 2 : k].strip()
            return (label, url if re.fullmatch(r"https?://\S+", url) else "", k)
        k += 1
    inner = text[j + 2 : k].strip()
    # Drop an optional title: (url "title")
    inner = re.sub(r"\s+[\"'].*[\"']\s*$", "", inner)
    if inner.startswith("<") and inner.endswith(">"):
        inner = inner[1:-1]
    return (label, inner.strip(), min(k + 1, len(text)))


_EMPHASIS = [
    (re.compile(r"\*\*(\S(?:.*?\S)?)\*\*"), r"\1"),
    (re.compile(r"__(\S(?:.*?\S)?)__"), r"\1"),
    (re.compile(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(\S(?:[^_]*?\S)?)_(?![\w_])"), r"\1"),
]


def strip_emphasis(text: str) -> str:
    for pattern, repl in _EMPHASIS:
        text = pattern.sub(repl, text)
    return text


def split_headings(text: str) -> list[Heading]:
    """Split markdown into headings (level 0 for text before the first one). Code fences are skipped."""
    out = [Heading(0, "", [])]
    fence: str | None = None
    lines = text.splitlines()
    for idx, line in enumerate(lines):
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                fence = None
            continue
        m = re.match(r"(`{3,}|~{3,})", stripped)
        if m:
            fence = m.group(1)
            continue
        m = re.match(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if m:
            out.append(Heading(len(m.group(1)), m.group(2).strip(), []))
            continue
        # Setext headings: "Title\n=====" (level 1) or "Title\n-----" (level 2) under a plain line.
        if re.fullmatch(r" {0,3}(=+|-+)\s*", line) and out[-1].body and out[-1].body[-1].strip():
            prev = out[-1].body[-1]
            if not re.match(r"\s*([-*+]|\d+[.)])\s", prev):
                out[-1].body.pop()
                out.append(Heading(1 if "=" in line else 2, prev.strip(), []))
                continue
        out[-1].body.append(line)
    return out


def blocks(lines: list[str]) -> list[Block]:
    """List items (any depth) and paragraphs, with their continuation lines joined."""
    out: list[Block] = []
    current: Block | None = None
    fence: str | None = None
    for line in lines:
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                fence = None
            continue
        m = re.match(r"(`{3,}|~{3,})", stripped)
        if m:
            fence, current = m.group(1), None
            continue
        if not stripped:
            current = None
            continue
        indent = len(line) - len(line.lstrip(" \t").replace("\t", "    "))
        item = re.match(r"\s*(?:[-*+]|\d+[.)])\s+(.*)$", line)
        if item:
            current = Block("item", indent, item.group(1).strip())
            out.append(current)
        elif current is not None:
            current.raw += " " + stripped
        else:
            current = Block("para", indent, stripped.lstrip("> ").strip())
            out.append(current)
    for block in out:
        block.plain, block.links = _flatten_block(block.raw)
    return out


def _flatten_block(raw: str) -> tuple[str, list[MdLink]]:
    plain, links = flatten(raw)
    # Emphasis is stripped after links are found, so spans must be recomputed on the final text.
    final = strip_emphasis(plain)
    if final == plain:
        return plain, links
    fixed: list[MdLink] = []
    cursor = 0
    for link in links:
        pos = final.find(strip_emphasis(plain[link.start : link.end]), cursor)
        if pos < 0:
            pos = cursor
        text = strip_emphasis(link.text)
        fixed.append(MdLink(text, link.url, pos, pos + len(strip_emphasis(plain[link.start : link.end]))))
        cursor = pos
    return final, fixed


# --- sentences -------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”')\]]*\s+(?=[A-Z0-9(\"“\[])")


def sentences(block: Block) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of a block's plain text, never splitting inside a link."""
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(block.plain):
        cut = m.start()
        if any(link.start < cut < link.end for link in block.links):
            continue
        if re.search(r"\b(?:e\.g|i\.e|et al|vs|cf|etc)\.$", block.plain[start:cut], re.I):
            continue
        spans.append((start, cut))
        start = m.end()
    spans.append((start, len(block.plain)))
    return [(a, b) for a, b in spans if block.plain[a:b].strip()]


def first_sentence(text: str) -> str:
    m = re.search(r"(?<=[.!?])\s+(?=[A-Z(\"“])", text)
    return (text[: m.start()] if m else text).strip()


# =================================================================================================
# Readings: kinds, arXiv ids, titles.
# =================================================================================================

_ARXIV_URL = re.compile(
    r"arxiv\.org/(?:abs|pdf|html|format)/(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?", re.I
)
_COURSE_HOSTS = ("coursera.org", "udemy.com", "udacity.com", "edx.org", "course.fast.ai", "fullstackdeeplearning.com")
_DATA_SUFFIXES = (".txt", ".csv", ".tsv", ".zip", ".gz", ".tgz", ".json", ".jsonl", ".parquet", ".npz")


def arxiv_of(url: str) -> tuple[str, str | None] | None:
    m = _ARXIV_URL.search(url)
    if m and ARXIV_ID.match(m.group(1)):
        return m.group(1), (m.group(2) or None)
    return None


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def kind_of(url: str) -> str:
    """What a link is, from its URL alone (the curriculum rarely says)."""
    if arxiv_of(url):
        return "arxiv"
    host = _host(url)
    path = urlsplit(url).path.lower()
    if path.endswith(".pdf"):
        return "pdf"
    if host.endswith(("youtube.com", "youtu.be", "vimeo.com")):
        return "video"
    if re.fullmatch(r"(?:[a-z]+\.)?(?:google\.[a-z.]+|bing\.com|duckduckgo\.com)", host) and path.startswith("/search"):
        return "link"  # a web search standing in for a book: nothing to fetch
    if host == "docs.google.com":
        return "doc"
    if host == "huggingface.co":
        return "dataset" if path.startswith("/datasets/") else "tool"
    if host in ("github.com", "gitlab.com", "colab.research.google.com", "pypi.org"):
        return "tool"
    if any(host == h or host.endswith("." + h) for h in _COURSE_HOSTS):
        return "course"
    if host == "link.springer.com" or "/book/" in path:
        return "book"
    if path.endswith(_DATA_SUFFIXES):
        return "dataset"
    return "html"


def slug(text: str, limit: int = 48) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "").replace("’", "")).strip("-")
    if len(s) > limit:
        s = s[:limit].rsplit("-", 1)[0] or s[:limit]
    return s


def title_slug(title: str) -> str:
    """Slug of a title; for derived titles ("Parent: exercises", "Parent (see also)") the part that
    tells them apart is kept whole and the parent is shortened."""
    m = re.match(r"^(.+?)(?::\s+(.+)|\s+\((see also(?: \d+)?)\))$", title)
    if m:
        return f"{slug(m.group(1), 32)}-{slug(m.group(2) or m.group(3), 20)}".strip("-")
    return slug(title)


def url_title(url: str) -> str:
    """A readable stand-in title for a link whose text says nothing ("here", "this post")."""
    arxiv = arxiv_of(url)
    if arxiv:
        return f"arXiv:{arxiv[0]}"
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s and s.lower() not in ("index.html", "index.htm", "edit")]
    tail = re.sub(r"\.(html?|php|aspx?|pdf)$", "", segments[-1]) if segments else ""
    tail = re.sub(r"[-_]+", " ", tail).strip()
    return f"{_host(url)}: {tail}" if tail else _host(url)


# Link texts that name nothing: the link's context has to give the title.
_GENERIC_TEXT = re.compile(
    r"^(?:this|that|these|more|more here|see here|click here|"
    r"(?:(?:this|that|these|the|our|my)\s+)?(?:blog\s+|dataset\s+|project\s+|github\s+|web\s+)?"
    r"(?:here|link|paper|post|page|notebook|repo|repository|code|site|website|article|guide|thread|video|"
    r"tutorial|source|one|pdf))$",
    re.I,
)


@dataclass
class Draft:
    """A reading before ids are assigned (ids need every reading of the curriculum)."""

    title: str
    url: str
    role: str
    link_text: str = ""
    summary: str = ""
    pointer: Pointer | None = None
    topic: str | None = None
    id: str = ""

    @property
    def arxiv(self) -> tuple[str, str | None] | None:
        return arxiv_of(self.url)

    @property
    def work(self) -> str:
        a = self.arxiv
        return f"arxiv:{a[0]}" if a else f"url:{self.url.rstrip('/')}"

    def search_text(self) -> str:
        """Title, link text and URL path as lower-case words, for matching "the ELK report"."""
        path = urlsplit(self.url).path
        return " ".join(
            re.sub(r"[^a-z0-9]+", " ", s.lower()) for s in (self.title, self.link_text, path, _host(self.url))
        )

    def build(self) -> Reading:
        arxiv = self.arxiv
        version = arxiv[1] if arxiv else None
        assigned = None
        if self.pointer is not None and self.pointer.kind != "whole":
            version = version or self.pointer.version
            assigned = msgspec.structs.replace(self.pointer, version=None).label
        return Reading(
            id=self.id, title=self.title, kind=kind_of(self.url), url=self.url, role=self.role,  # type: ignore[arg-type]
            arxiv_id=arxiv[0] if arxiv else None, arxiv_version=version if arxiv else None,
            assigned=assigned, summary=self.summary, topic=self.topic,
        )


def _clean_title(text: str) -> str:
    text = strip_emphasis(text).replace("[", "").replace("]", "").strip().strip("\"“”'‘’").strip()
    return re.sub(r"\s+", " ", text)


def _nested_title(link: MdLink, parent: str | None, known: dict[str, Draft]) -> str:
    """Title for a link found in prose: the known reading it points at, the parent's, or its own text."""
    same = known.get(_work_of(link.url))
    text = _clean_title(link.text)
    if same is not None:
        return same.title
    generic = not text or bool(_GENERIC_TEXT.match(text)) or text == link.url
    page = known.get(_work_of(link.url.split("#", 1)[0]))  # a deep link into a known reading
    if page is not None:
        return page.title if generic else f"{page.title}: {text}"
    if generic:
        return f"{parent} (see also)" if parent else url_title(link.url)
    if parent and text[:1].islower() and len(text.split()) <= 3:
        return f"{parent}: {text}"
    # "attribution" -> "Attribution", but an identifier such as "mpi4py" keeps its case.
    return text[:1].upper() + text[1:] if text.split()[0].isalpha() else text


def _work_of(url: str) -> str:
    a = arxiv_of(url)
    return f"arxiv:{a[0]}" if a else f"url:{url.rstrip('/')}"


# =================================================================================================
# Sections and pointers.
# =================================================================================================

_SECTION_KINDS = [
    ("recommended", re.compile(r"^(?:recommended|required|core|essential|main|key)\s+read|^readings?$|^reading list$", re.I)),
    ("optional", re.compile(r"^(?:optional|further|additional|extra|supplementary|more|bonus)\s+read", re.I)),
    ("exercise", re.compile(r"^(?:suggested\s+|optional\s+)?(?:exercises?|assignments?|projects?|problems?)\b", re.I)),
]


def section_kind(title: str) -> str | None:
    title = strip_emphasis(title).strip().rstrip(":")
    for kind, pattern in _SECTION_KINDS:
        if pattern.search(title):
            return kind
    return None


# "the red teaming paper", "the ELK report", "this paper": what a sentence calls a work.
_REFERRING = re.compile(
    r"\b(?:the|this|that|these)\s+((?:(?!(?:the|this|that|of|in|on|a|an|from|by|to|with|for)\b)[\w'’-]+\s+){0,4}?)"
    r"(papers?|report|post|blog post|article|book|tutorial|guide|notes|survey|video|write-?up|thesis)\b",
    re.I,
)
_CROSS_REFERENCE = re.compile(r"\b(?:as in|from|see|completed|complete|finished|after|before|like|in)\s+$", re.I)
_QUALIFIER_STOP = {"original", "above", "below", "same", "linked", "accompanying", "following", "whole", "full"}


def _phrase_words(words: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", words.lower()) if w not in _QUALIFIER_STOP]


def _matches(words: list[str], draft: Draft) -> bool:
    haystack = draft.search_text().split()
    initials = "".join(w[0] for w in re.findall(r"[a-z0-9]+", draft.title.lower()) if w)
    return all(w in haystack or (len(w) >= 2 and w in initials) for w in words)


@dataclass
class Found:
    pointer: Pointer
    # The link the pointer belongs to (a link of the sentence), if it says so.
    link: MdLink | None = None
    # Words naming the work ("red teaming"), when the sentence refers to it by a phrase.
    words: list[str] | None = None
    # True when the sentence says "the paper"/"this post" with no name: the item's own link.
    own: bool = False


def find_pointer(block: Block, start: int, end: int) -> Found | None:
    """The pointer in ``block.plain[start:end]`` and what it belongs to, or None."""
    sentence = block.plain[start:end]
    match = search_prose(sentence)
    if match is None:
        return None
    p_start, p_end = start + match.start, start + match.end
    links = [l for l in block.links if start <= l.start < end]
    # The pointer phrase is itself a link's text ("[Chapter 1](1-Transformers.md)"): a cross-reference.
    for link in links:
        if link.start < p_end and p_start < link.end:
            return Found(match.pointer, link=link) if link.is_web else None
    if match.pointer.kind == "chapters" and _CROSS_REFERENCE.search(block.plain[max(start, p_start - 16) : p_start]):
        return None  # "as in chapter 6": a chapter of this curriculum, not of a book
    # "Section 9.3 of [this paper]" / "[the paper], section 2": a web link right next to the phrase.
    near = []
    for link in links:
        if not link.is_web:
            continue
        if link.start >= p_end:
            gap = block.plain[p_end : link.start]
            if len(gap) <= 25 and re.fullmatch(r"[\s,]*(?:of|in|from)?\s*(?:the|this)?\s*", gap, re.I):
                near.append((len(gap), link))
        elif link.end <= p_start:
            gap = block.plain[link.end : p_start]
            if len(gap) <= 6 and re.fullmatch(r"[\s,(:]*", gap):
                near.append((len(gap), link))
    if near:
        return Found(match.pointer, link=min(near, key=lambda t: t[0])[1])
    # "the zero-shot approach described in the red teaming paper (section 3.1)": a phrase names the work.
    phrases = list(_REFERRING.finditer(sentence))
    if phrases:
        best = min(phrases, key=lambda m: abs(m.start() - match.start) if m.end() <= match.start else abs(m.start() - match.end))
        words = _phrase_words(best.group(1))
        if words:
            return Found(match.pointer, words=words)
        return Found(match.pointer, own=True)
    return Found(match.pointer, own=True)


# =================================================================================================
# Chapters.
# =================================================================================================


@dataclass
class ExerciseDraft:
    number: int
    title: str
    summary: str
    resources: list[Draft]
    alternative_to: int | None = None


@dataclass
class ChapterDraft:
    number: int | None
    title: str
    summary: str = ""
    readings: list[Draft] = field(default_factory=list)
    exercises: list[ExerciseDraft] = field(default_factory=list)
    body_text: str = ""

    @property
    def empty(self) -> bool:
        return not self.readings and not self.exercises


_CHAPTER_HEADING = re.compile(r"^(?:chapter|week|part|unit|module|lesson|day|session)?\s*(\d+)\s*[:.\-–—)]\s*(.*)$", re.I)


def chapter_heading(title: str) -> tuple[int | None, str]:
    """ "Chapter 3: Training at Scale" -> (3, "Training at Scale"); "Optimization" -> (None, ...)."""
    title = strip_emphasis(flatten(title)[0]).strip()
    m = _CHAPTER_HEADING.match(title)
    if m and m.group(2).strip():
        return int(m.group(1)), m.group(2).strip()
    m = re.match(r"^(?:chapter|week|part|unit|module|lesson)\s+(\d+)$", title, re.I)
    if m:
        return int(m.group(1)), title
    return None, title


def reading_items(section_blocks: list[Block], role: str, known: dict[str, Draft]) -> list[Draft]:
    """Readings from the items of a reading section: the item's head link(s), then links in its prose."""
    out: list[Draft] = []
    for block in section_blocks:
        web = [l for l in block.links if l.is_web]
        if not web:
            continue
        sep = _head_end(block)
        head = [l for l in web if l.end <= sep] or [web[0]]
        prefix = _clean_title(block.plain[: head[0].start]).rstrip(":-–— ")
        prefix = "" if block.plain[: head[0].start].strip() == "" else prefix
        mains: list[Draft] = []
        summary = re.sub(r"\s+", " ", block.plain[sep:].lstrip(" -–—:")).strip()
        for link in head:
            text = _clean_title(link.text)
            if prefix and (len(head) > 1 or text[:1].islower()):
                title = f"{prefix} {text}"
            elif not text or _GENERIC_TEXT.match(text) or text == link.url:
                title = url_title(link.url)
            else:
                title = text
            mains.append(Draft(title=title, url=link.url, role=role, link_text=link.text, summary=summary[:600]))
        nested: list[Draft] = []
        for link in web:
            if link in head:
                continue
            title = _nested_title(link, mains[0].title, known)
            repeats = sum(d.title == title or d.title.startswith(title[:-1] + " ") for d in nested)
            if repeats and title.endswith("(see also)"):
                title = f"{title[:-1]} {repeats + 1})"  # a second "[here]" of the same item
            nested.append(Draft(title=title, url=link.url, role="optional", link_text=link.text))
        # Pointers: each sentence of the item's prose names a part of the item's link or a nested one.
        by_link = {id(l): d for l, d in zip(head, mains)}
        by_link.update({id(l): d for l, d in zip([l for l in web if l not in head], nested)})
        for s, e in sentences(block):
            found = find_pointer(block, max(s, sep) if s < sep < e else s, e) if e > sep else None
            if found is None:
                continue
            target = None
            if found.link is not None:
                target = by_link.get(id(found.link))
            elif found.words:
                target = next((d for d in mains + nested if _matches(found.words, d)), mains[0])
            elif found.own:
                target = mains[0]
            if target is not None and target.pointer is None:
                target.pointer = found.pointer
        out.extend(mains + nested)
    return out


def _head_end(block: Block) -> int:
    """Where an item's head ("[Title](url)") ends and its description (" - ...") begins."""
    first = next((l for l in block.links if l.is_web), None)
    if first is None:
        return 0
    for m in re.finditer(r"\s[-–—]\s|:\s", block.plain):
        if m.start() >= first.end and not any(l.start <= m.start() < l.end for l in block.links):
            return m.start()
    return len(block.plain)


_ALTERNATIVE_LINE = re.compile(r"^(?:and\s*/\s*or|or|alternatively|alternative(?:ly)?:?)\b[\s:,-]*(.*)$", re.I)


def _is_separator(block: Block) -> tuple[bool, str]:
    text = block.plain.strip()
    if block.kind != "para" or len(text) > 80:
        return False, ""
    m = _ALTERNATIVE_LINE.match(text)
    if not m:
        return False, ""
    # "OR" must be written as a separator, not start a sentence ("Or you could ..." is prose).
    first = text.split()[0]
    if first.lower() in ("or", "and/or") and not (first.isupper() or text.upper() == text):
        return False, ""
    return True, m.group(1).strip().rstrip(":")


_PREAMBLE = re.compile(
    r"\b(?:two|three|four|several|\d+)\s+(?:suggested\s+|possible\s+)?exercises\b|^see also\b|^note\b|^credit\b", re.I
)


def _exercise_title(part: list[Block]) -> str:
    paras = [b for b in part if b.kind == "para" and not _PREAMBLE.search(b.plain)]
    source = (paras or [b for b in part if not _PREAMBLE.search(b.plain)] or part)[0].plain
    text = first_sentence(source)
    text = re.sub(r"^[A-Z][\w -]{0,30}?\s+(?:exercise|task|project)\s*:\s*", "", text)  # "Practical exercise: ..."
    text = text.strip().rstrip(".:;")
    if len(text) > 90:
        # Cut at the first clause boundary that leaves a title of some substance.
        for cut in (" (", ", ", " - ", " – ", "; ", ": ", " to ", " so that ", " and "):
            idx = text.find(cut, 20)
            if 20 <= idx <= 90:
                text = text[:idx]
                break
    if len(text) > 90:
        text = text[:88].rsplit(" ", 1)[0] + "…"
    return text[:1].upper() + text[1:] if text else "Exercise"


def parse_exercises(
    section_blocks: list[Block], readings: list[Draft], known: dict[str, Draft]
) -> list[ExerciseDraft]:
    """Split a suggested-exercise section on "OR" / "AND/OR" lines; each part is an exercise whose
    links are its resources, with the section pointers its sentences name."""
    parts: list[tuple[str, list[Block]]] = [("", [])]
    for block in section_blocks:
        is_sep, rest = _is_separator(block)
        if is_sep:
            parts.append((rest, []))
        else:
            parts[-1][1].append(block)
    parts = [(lead, p) for lead, p in parts if p]
    out: list[ExerciseDraft] = []
    for number, (lead, part) in enumerate(parts, start=1):
        resources: list[Draft] = []
        by_url: dict[str, Draft] = {}
        for block in part:
            for s, e in sentences(block):
                for link in block.links:
                    if s <= link.start < e and link.is_web and link.url not in by_url:
                        draft = Draft(
                            title=_nested_title(link, None, known), url=link.url, role="resource", link_text=link.text
                        )
                        by_url[link.url] = draft
                        resources.append(draft)
                found = find_pointer(block, s, e)
                if found is None:
                    continue
                target: Draft | None = None
                if found.link is not None:
                    target = by_url.get(found.link.url)
                elif found.words:
                    target = next((r for r in reversed(resources) if _matches(found.words, r)), None)
                    if target is None:
                        reading = next((r for r in readings if _matches(found.words, r)), None)
                        if reading is not None:
                            # The exercise names a chapter reading ("the ELK report"): it becomes a resource.
                            target = Draft(
                                title=reading.title, url=reading.url, role="resource", link_text=reading.link_text
                            )
                            by_url[reading.url] = target
                            resources.append(target)
                if target is not None and target.pointer is None:
                    target.pointer = found.pointer
        lines = []
        if lead:
            lines.append(f"({lead})")
        for block in part:
            bullet = "  " * min(block.indent // 2, 3) + "- " if block.kind == "item" else ""
            lines.append(bullet + block.plain)
        out.append(ExerciseDraft(
            number=number, title=_exercise_title(part), summary="\n".join(lines),
            resources=resources, alternative_to=1 if number > 1 else None,
        ))
    return out


def parse_chapter(number: int | None, title: str, headings: list[Heading], known: dict[str, Draft]) -> ChapterDraft:
    """A chapter from its own heading's body and the headings under it."""
    chapter = ChapterDraft(number, title)
    intro = blocks(headings[0].body) if headings else []
    chapter.summary = next((b.plain for b in intro if b.kind == "para"), "")[:600]
    chapter.body_text = " ".join(b.plain for b in intro)
    current: str | None = None
    current_level = 0
    sections: list[tuple[str, list[str]]] = []
    for heading in headings[1:]:
        kind = section_kind(heading.title)
        if kind is not None:
            current, current_level = kind, heading.level
            sections.append((kind, list(heading.body)))
        elif current is not None and heading.level > current_level:
            sections[-1][1].extend(heading.body)  # a sub-heading inside a known section
        else:
            current = None
    exercise_blocks: list[Block] = []
    for kind, body in sections:
        if kind == "exercise":
            if exercise_blocks:
                exercise_blocks.append(Block("para", 0, "OR", "OR"))
            exercise_blocks.extend(blocks(body))
            continue
        seen = {d.url for d in chapter.readings}
        for draft in reading_items(blocks(body), kind, known):
            if draft.url not in seen:
                seen.add(draft.url)
                chapter.readings.append(draft)
                known.setdefault(draft.work, draft)
    if exercise_blocks:
        chapter.exercises = parse_exercises(exercise_blocks, chapter.readings, known)
    return chapter


def chapters_of(text: str, known: dict[str, Draft]) -> tuple[list[ChapterDraft], list[Heading]]:
    """Chapters of one markdown text, and the headings that belong to no chapter (front matter).

    A chapter is a heading that owns reading or exercise sections; its level is the shallowest
    such owner's. Without any owner, the whole text is one chapter (sections at top level).
    """
    headings = split_headings(text)
    owners: list[int] = []
    for i, heading in enumerate(headings):
        if heading.level and section_kind(heading.title):
            parent = next((j for j in range(i - 1, 0, -1) if headings[j].level < heading.level), None)
            if parent is not None and section_kind(headings[parent].title) is None:
                owners.append(parent)
    chapters: list[ChapterDraft] = []
    front: list[Heading] = []
    if not owners:
        # No heading owns the sections (they sit at the top, or are top-level headings themselves):
        # the whole text is one chapter, titled by its first other heading.
        if any(section_kind(h.title) for h in headings if h.level):
            named = next((h for h in headings if h.level and not section_kind(h.title)), None)
            number, title = chapter_heading(named.title) if named else (None, "")
            chapters.append(parse_chapter(number, title, [headings[0]] + [h for h in headings if h.level], known))
            front = [headings[0]] + ([named] if named else [])
        else:
            front = headings
        return [c for c in chapters if not c.empty], front
    level = min(headings[i].level for i in owners)
    i = 0
    while i < len(headings):
        heading = headings[i]
        if heading.level == level and i in owners or (heading.level == level and any(
            section_kind(h.title) for h in _children(headings, i)
        )):
            children = _children(headings, i)
            number, title = chapter_heading(heading.title)
            chapters.append(parse_chapter(number, title, [heading] + children, known))
            i += 1 + len(children)
            continue
        front.append(heading)
        i += 1
    return [c for c in chapters if not c.empty], front


def _children(headings: list[Heading], i: int) -> list[Heading]:
    out = []
    for heading in headings[i + 1 :]:
        if heading.level <= headings[i].level:
            break
        out.append(heading)
    return out


# =================================================================================================
# Curriculum-wide facts from prose (README or a file's front matter).
# =================================================================================================

_NUMS = r"\d+(?:(?:\s*,\s*and\s+|\s*,\s*|\s+and\s+|\s*&\s*|\s+or\s+)\d+)*"
_IMPORTANCE = re.compile(
    r"(?:order of importance|importance order|order of priority|priority order|most important first)"
    r"[^.:\n\d]{0,60}[:\-–—]?\s*(\d+(?:\s*(?:,|>|→|->)\s*\d+)+)",
    re.I,
)
_HELPS = re.compile(
    rf"\bchapters?\s+(\d+)\b[^.;]*?\b(?:helpful|useful|helps?|important|valuable)\b[^.;]*?"
    rf"\b(?:for|with|in|before|to)\s+(?:understanding|reading|studying|doing|tackling)?\s*chapters?\s+({_NUMS})",
    re.I,
)
_BEFORE = re.compile(rf"\bchapter\s+(\d+)\s+(?:should|must)\s+(?:be\s+(?:read|done|studied)|come)\s+before\s+chapters?\s+({_NUMS})", re.I)
_QTY = r"(half\s+an?|a\s+half|an?|one|two|three|four|five|six|seven|eight|nine|ten|\d+(?:\.\d+)?)"
_UNIT = r"(days?|weeks?|months?)"
_EFFORT = re.compile(
    rf"(?:between\s+{_QTY}(?:\s+{_UNIT})?\s+(?:and|to)\s+{_QTY}\s+{_UNIT})|(?:\b(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)\s+{_UNIT})",
    re.I,
)
_UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": 30.0}
_WORD_QTY = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
             "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _quantity(text: str) -> float:
    text = re.sub(r"\s+", " ", text.lower().strip())
    if text.startswith("half") or text == "a half":
        return 0.5
    return float(_WORD_QTY.get(text, text))


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


@dataclass
class Facts:
    importance: list[int] = field(default_factory=list)
    helps: dict[int, list[int]] = field(default_factory=dict)
    effort_all: list[float] = field(default_factory=list)
    effort: dict[int, list[float]] = field(default_factory=dict)
    longer: dict[int, Link] = field(default_factory=dict)


def effort_in(sentence: str) -> list[float] | None:
    m = _EFFORT.search(sentence)
    if not m:
        return None
    if m.group(1):
        high_unit = m.group(4).lower().rstrip("s")
        low_unit = (m.group(2) or m.group(4)).lower().rstrip("s")
        low, high = _quantity(m.group(1)) * _UNIT_DAYS[low_unit], _quantity(m.group(3)) * _UNIT_DAYS[high_unit]
    else:
        unit = _UNIT_DAYS[m.group(7).lower().rstrip("s")]
        low, high = float(m.group(5)) * unit, float(m.group(6)) * unit
    return [low, high] if low <= high else None


def facts_from(block_list: list[Block]) -> Facts:
    facts = Facts()
    for block in block_list:
        for s, e in sentences(block):
            sentence = block.plain[s:e]
            m = _IMPORTANCE.search(sentence)
            if m and not facts.importance:
                facts.importance = _numbers(m.group(1))
            for pattern in (_HELPS, _BEFORE):
                for h in pattern.finditer(sentence):
                    helped = facts.helps.setdefault(int(h.group(1)), [])
                    helped.extend(n for n in _numbers(h.group(2)) if n not in helped)
            if re.search(r"\bchapters?\b", sentence, re.I):
                effort = effort_in(sentence)
                if effort:
                    named = re.match(r"\s*chapter\s+(\d+)\b", sentence, re.I)
                    if named:
                        facts.effort[int(named.group(1))] = effort
                    elif re.search(r"\b(?:each|every|per|a)\s+chapter\b|\bchapters\b", sentence, re.I):
                        facts.effort_all = facts.effort_all or effort
            longer = re.search(r"\blonger\s+(?:version\s+of|alternative\s+to|replacement\s+for)\s+chapter\s+(\d+)", sentence, re.I)
            if longer:
                link = next((l for l in block.links if s <= l.start < e and l.is_web), None)
                if link is not None:
                    facts.longer[int(longer.group(1))] = Link(title=_clean_title(link.text) or url_title(link.url), url=link.url)
    return facts


def prerequisites(front: list[Heading], known: dict[str, Draft]) -> ChapterDraft | None:
    """Chapter 0: the resources of the front matter's "Prerequisites" sections, and the exercise
    a prerequisites paragraph suggests ("as an exercise, train ... on MNIST")."""
    sections = [
        h for h in front
        if h.level and re.search(r"prerequisite|before you start|background|alternatives?\b", h.title, re.I)
    ]
    if not sections:
        return None
    chapter = ChapterDraft(0, "Prerequisites")
    topics: list[str] = []
    resources: list[Draft] = []
    exercise_text = ""
    for heading in sections:
        section_blocks = blocks(heading.body)
        for block in section_blocks:
            m = re.match(r"^([A-Z][\w &/-]{1,40}?)\s*:", block.plain)
            if block.kind == "item" and not [l for l in block.links if l.is_web] and m:
                topics.append(m.group(1).strip().lower())
        for block in section_blocks:
            web = [l for l in block.links if l.is_web]
            if not web:
                continue
            if block.kind == "item":
                chapter.readings.extend(reading_items([block], "optional", known))
                continue
            # A paragraph: its links are readings, titled by their own text. If it suggests an
            # exercise, the links of that sentence and after it are the exercise's resources
            # ("learn [PyTorch] and, as an exercise, use it to train on [MNIST]"); links before
            # the mention stay readings too.
            exercise = re.search(r"\bexercises?\b", block.plain, re.I)
            starts = [s for s, e in sentences(block) if exercise and s <= exercise.start() < e]
            for link in web:
                draft = Draft(title=_nested_title(link, None, known), url=link.url, role="optional", link_text=link.text)
                if not exercise or link.start < exercise.start():
                    chapter.readings.append(draft)
                if exercise and link.start >= (starts[0] if starts else exercise.start()):
                    if all(r.url != link.url for r in resources):
                        resources.append(Draft(title=draft.title, url=link.url, role="resource", link_text=link.text))
            if exercise:
                exercise_text = exercise_text or block.plain[exercise.start() :]
    seen: set[str] = set()
    readings = []
    for draft in chapter.readings:
        if draft.url in seen:
            continue
        seen.add(draft.url)
        text = f"{draft.title} {draft.summary}".lower()
        draft.topic = next((t for t in topics if re.search(rf"\b{re.escape(t)}\b", text)), None)
        readings.append(draft)
    chapter.readings = readings
    if resources or exercise_text:
        clause = first_sentence(re.sub(r"^exercises?\s*[,:]?\s*", "", exercise_text, flags=re.I))
        clause = re.sub(r"^(?:using|use)\s+(?:it|this|them|that)\s+to\s+|^(?:by|to)\s+", "", clause, flags=re.I)
        title = clause.rstrip(".").strip()
        title = (title[:1].upper() + title[1:])[:90] if title else "Prerequisite exercise"
        chapter.exercises.append(ExerciseDraft(1, title, exercise_text, resources))
    return None if chapter.empty else chapter


# --- solutions ------------------------------------------------------------------------------------


def solutions_from(text: str, chapters: list[int]) -> dict[int, list[Link]]:
    """Links of a solutions page, by the chapters each says it covers ("Solutions to 1, 2, 5",
    "Chapter 7", "all other exercises", "except chapter 3, 4 and 5"; none said: all)."""
    items = [b for b in blocks(text.splitlines()) if b.kind == "item"]
    out: dict[int, list[Link]] = {}
    parents: list[Block] = []
    named_by_parent: dict[int, set[int]] = {}
    plan: list[tuple[Block | None, MdLink, str, Block]] = []
    for block in items:
        while parents and parents[-1].indent >= block.indent:
            parents.pop()
        parent = parents[-1] if parents else None
        parents.append(block)
        for link in (l for l in block.links if l.is_web):
            own = block.plain
            if parent is not None:
                author = _clean_title(re.sub(r"https?://\S+", "", parent.plain)).rstrip(":")
            else:
                author = _clean_title(block.plain[: link.start]).removesuffix("'s").removesuffix("’s").strip()
            plan.append((parent, link, author, block))
            nums = [n for n in _numbers(own) if n in chapters]
            if parent is not None and nums and not re.search(r"\bexcept\b", own, re.I):
                named_by_parent.setdefault(id(parent), set()).update(nums)
    for parent, link, author, block in plan:
        own = block.plain
        nums = [n for n in _numbers(re.sub(r"https?://\S+", "", own)) if n in chapters]
        if re.search(r"\bexcept\b|\bbut not\b|\bapart from\b", own, re.I):
            covered = [c for c in chapters if c not in nums]
        elif re.search(r"\ball\b", own, re.I) and re.search(r"\bother\b", own, re.I) and parent is not None:
            covered = [c for c in chapters if c not in named_by_parent.get(id(parent), set())]
        elif nums:
            covered = nums
        else:
            covered = list(chapters)
        text = _clean_title(link.text) or url_title(link.url)
        title = f"{author}: {text}" if author and author.lower() != text.lower() else text
        for number in covered:
            out.setdefault(number, []).append(Link(title=title, url=link.url))
    return out


# =================================================================================================
# Putting a curriculum together.
# =================================================================================================


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read: {exc.strerror}") from None
    if b"\x00" in data[:8192]:
        raise CatalogueError(f"{path}: looks like a binary file, not markdown")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and import again") from None


def _leading_number(path: Path) -> int | None:
    m = re.match(r"^\s*(\d+)", path.stem)
    return int(m.group(1)) if m else None


def _import_dir(directory: Path) -> Curriculum:
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in MARKDOWN_SUFFIXES)
    readme = next((p for p in files if p.stem.lower() in ("readme", "index", "overview")), None)
    solutions = next((p for p in files if p.stem.lower() in ("solutions", "solution")), None)
    chapter_files = [p for p in files if p not in (readme, solutions) and p.suffix.lower() != ".txt"]
    chapter_files.sort(key=lambda p: (_leading_number(p) is None, _leading_number(p) or 0, p.name))
    known: dict[str, Draft] = {}
    chapters: list[ChapterDraft] = []
    for path in chapter_files:
        found, _front = chapters_of(_read_text(path), known)
        if len(found) == 1 and found[0].number is None:
            found[0].number = _leading_number(path)
        for chapter in found:
            if not chapter.title:
                chapter.title = re.sub(r"^\d+\s*[-_.]\s*", "", path.stem).replace("-", " ").replace("_", " ").strip()
        chapters.extend(found)
    if not chapters:
        raise CatalogueError(f"{directory}: no chapters with readings or exercises found in its markdown files")
    title = directory.name.replace("-", " ").replace("_", " ").title()
    summary = ""
    front: list[Heading] = []
    if readme is not None:
        front = split_headings(_read_text(readme))
        first = next((h for h in front if h.level == 1), None)
        if first is not None:
            title = strip_emphasis(flatten(first.title)[0]).strip() or title
            summary = first_sentence(next((b.plain for b in blocks(first.body) if b.kind == "para"), ""))
    solution_links: dict[int, list[Link]] = {}
    if solutions is not None:
        numbers = [c.number for c in chapters if c.number and c.exercises]
        solution_links = solutions_from(_read_text(solutions), numbers)  # type: ignore[arg-type]
    return _assemble(_name_from(directory), title, summary, chapters, front, known, solution_links, directory)


def _import_file(path: Path) -> Curriculum:
    known: dict[str, Draft] = {}
    chapters, front = chapters_of(_read_text(path), known)
    if not chapters:
        raise CatalogueError(
            f"{path}: no chapters found (want '## Recommended reading' / '## Optional reading' / "
            "'## Suggested exercise' sections with links)"
        )
    first = next((h for h in front if h.level == 1), None)
    title = strip_emphasis(flatten(first.title)[0]).strip() if first else ""
    if len(chapters) == 1 and not title:
        title = chapters[0].title
    title = title or path.stem.replace("-", " ").replace("_", " ").title()
    summary = first_sentence(next((b.plain for b in blocks(first.body) if b.kind == "para"), "")) if first else ""
    return _assemble(_name_from(path), title, summary, chapters, front, known, {}, path)


def _name_from(path: Path) -> str:
    stem = path.name if path.is_dir() else path.stem
    return slug(stem, 60) or "imported"


def _assemble(
    name: str, title: str, summary: str, chapters: list[ChapterDraft], front: list[Heading],
    known: dict[str, Draft], solution_links: dict[int, list[Link]], origin: Path,
) -> Curriculum:
    front_blocks = [b for h in front for b in blocks(h.body)]
    facts = facts_from(front_blocks)
    zero = prerequisites(front, known)
    # Numbers: as written, else the next free one; a repeat (two "Chapter 2"s) also moves on.
    used: set[int] = {0} if zero else set()
    for chapter in chapters:
        if chapter.number is None or chapter.number in used:
            chapter.number = max(used | {0}) + 1
        used.add(chapter.number)
    if zero is not None:
        chapters = [zero] + chapters
    numbers = [c.number for c in chapters]
    _assign_ids(chapters)
    built: list[Chapter] = []
    for draft in chapters:
        assert draft.number is not None
        chapter_facts = facts_from(blocks(draft.body_text.splitlines()))
        effort = chapter_facts.effort.get(draft.number) or chapter_facts.effort_all or facts.effort.get(draft.number)
        if not effort and draft.number != 0:
            effort = facts.effort_all
        exercises = []
        for ex in draft.exercises:
            exercises.append(Exercise(
                id=f"ex{draft.number}-{ex.number}", title=ex.title, summary=ex.summary,
                resources=[r.build() for r in ex.resources],
                alternative_to=f"ex{draft.number}-{ex.alternative_to}" if ex.alternative_to else None,
            ))
        helps = [n for n in facts.helps.get(draft.number, []) if n in numbers and n != draft.number]
        built.append(Chapter(
            number=draft.number, title=draft.title or f"Chapter {draft.number}", summary=draft.summary,
            readings=[r.build() for r in draft.readings], exercises=exercises, helps=helps,
            effort_days=list(effort or []), longer_alternative=facts.longer.get(draft.number),
            solutions=solution_links.get(draft.number, []) if exercises else [],
        ))
    importance = []
    for n in facts.importance:
        if n in numbers and n not in importance:
            importance.append(n)
    curriculum = Curriculum(
        name=name, title=title or name, summary=summary, importance=importance, chapters=built,
        source=str(origin.resolve()),
    )
    return catalogue.validate(curriculum, str(origin))


def _assign_ids(chapters: list[ChapterDraft]) -> None:
    """Ids from the link: ``arxiv-<id>`` for arXiv papers, a slug of the title otherwise. Clashes
    are resolved with the chapter (same work twice), the URL (two works, one title) or the exercise
    (a chapter reading that is also an exercise resource)."""
    taken: dict[str, str] = {}

    def base(draft: Draft) -> str:
        arxiv = draft.arxiv
        if arxiv:
            return "arxiv-" + arxiv[0].replace("/", "-")
        return title_slug(draft.title) or slug(_host(draft.url) + urlsplit(draft.url).path) or "link"

    def claim(candidate: str, work: str) -> bool:
        if candidate in taken:
            return False
        taken[candidate] = work
        return True

    for chapter in chapters:
        for ex in chapter.exercises:
            taken[f"ex{chapter.number}-{ex.number}"] = "exercise"
    for chapter in chapters:
        for draft in chapter.readings:
            b = base(draft)
            if claim(b, draft.work):
                draft.id = b
                continue
            if taken[b] == draft.work and claim(f"{b}-ch{chapter.number}", draft.work):
                draft.id = f"{b}-ch{chapter.number}"
                continue
            draft.id = _first_free(f"{b}-{_url_tag(draft.url)}", draft.work, claim)
    for chapter in chapters:
        for ex in chapter.exercises:
            for draft in ex.resources:
                b = base(draft)
                if claim(b, draft.work):
                    draft.id = b
                else:
                    draft.id = _first_free(f"{b}-ex{chapter.number}-{ex.number}", draft.work, claim)


def _url_tag(url: str) -> str:
    """A short slug that tells two links with one title apart: the URL's last path segment, or its host."""
    segments = [seg for seg in urlsplit(url).path.split("/") if seg and seg.lower() not in ("index.html", "edit")]
    tail = re.sub(r"\.(html?|php|pdf)$", "", segments[-1]) if segments else ""
    return slug(tail, 24) or slug(_host(url), 24) or "link"


def _first_free(candidate: str, work: str, claim) -> str:
    if claim(candidate, work):
        return candidate
    n = 2
    while not claim(f"{candidate}-{n}", work):
        n += 1
    return f"{candidate}-{n}"
