"""The bundled Deep Learning Curriculum checked against the curriculum's own markdown.

The markdown in the ``hilton`` fixture is parsed here with a small regex of this file's own
(independent of ``library.markdown``), so a link dropped, mistyped or filed under the
wrong role in ``library/data/deep-learning.toml`` shows up as a failing test. The summaries in
the TOML must be Syllabus's own words: none may share six consecutive words with the markdown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from library.catalogue import CatalogueError, Curriculum, Reading, decode_toml, load_bundled

TOML_PATH = Path(__file__).resolve().parent.parent / "library" / "data" / "deep-learning.toml"
LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]+)\)")
ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})(v\d+)?")


@dataclass(frozen=True)
class MdLink:
    chapter: int
    section: str  # "recommended" | "optional" | "exercise" (or a README heading for chapter 0)
    url: str
    nested: bool  # not the first link of its bullet: a link inside a reading's description

    @property
    def arxiv_id(self) -> str | None:
        m = ARXIV.search(self.url)
        return m.group(1) if m else None


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) for every '## ' section of a markdown file."""
    parts = re.split(r"^## +(.+)$", text, flags=re.M)
    return [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts), 2)]


def _section_role(heading: str) -> str:
    lower = heading.lower()
    if lower.startswith("recommended"):
        return "recommended"
    if lower.startswith("optional"):
        return "optional"
    if lower.startswith("suggested exercise"):
        return "exercise"
    raise AssertionError(f"unexpected section heading {heading!r}")


def _links_in(body: str, chapter: int, section: str) -> list[MdLink]:
    """Links in a section; within a top-level bullet, every link after the first is 'nested'."""
    out: list[MdLink] = []
    for block in re.split(r"^(?=- )", body, flags=re.M):
        for i, m in enumerate(LINK.finditer(block)):
            out.append(MdLink(chapter, section, m.group(2), nested=i > 0 and block.startswith("- ")))
    return out


def chapter_links(hilton: Path) -> list[MdLink]:
    links: list[MdLink] = []
    for path in sorted(hilton.glob("[1-9]-*.md")):
        number = int(path.name.split("-")[0])
        for heading, body in _sections(path.read_text(encoding="utf-8")):
            links.extend(_links_in(body, number, _section_role(heading)))
    return links


def readme_links(hilton: Path, headings: tuple[str, ...]) -> list[str]:
    text = (hilton / "README.md").read_text(encoding="utf-8")
    return [
        m.group(2) for heading, body in _sections(text) if heading in headings for m in LINK.finditer(body)
    ]


@pytest.fixture(scope="module")
def cur() -> Curriculum:
    return load_bundled()


def _chapter_items(cur: Curriculum, number: int) -> tuple[list[Reading], list[Reading]]:
    chapter = cur.chapter(number)
    return chapter.readings, [r for e in chapter.exercises for r in e.resources]


# --- every link of the chapter files is in the catalogue, under the right role ---------------------


def test_markdown_link_counts(hilton):
    links = chapter_links(hilton)
    arxiv_ids = {link.arxiv_id for link in links if link.arxiv_id}
    others = {link.url for link in links if not link.arxiv_id}
    # The figures the brief states; if the parser drifted, the other tests would prove little.
    assert len(arxiv_ids) == 39
    assert len(others) == 61


def test_every_arxiv_id_and_link_is_in_the_catalogue(hilton, cur):
    links = chapter_links(hilton)
    all_items = [r for _, r in cur.all_readings()]
    catalogued_ids = {r.arxiv_id for r in all_items if r.arxiv_id}
    catalogued_urls = {r.url for r in all_items}
    missing_ids = {link.arxiv_id for link in links if link.arxiv_id} - catalogued_ids
    missing_urls = {link.url for link in links} - catalogued_urls
    assert not missing_ids, f"arXiv ids not in the catalogue: {sorted(missing_ids)}"
    assert not missing_urls, f"links not in the catalogue: {sorted(missing_urls)}"


def test_each_link_sits_in_its_chapter_with_the_role_of_its_section(hilton, cur):
    problems = []
    for link in chapter_links(hilton):
        readings, resources = _chapter_items(cur, link.chapter)
        if link.section == "exercise":
            pool, want = resources, "resource"
        else:
            pool = readings
            # A link inside a reading's description becomes an optional reading of its own.
            want = "optional" if link.nested else link.section
        matches = [r for r in pool if r.url == link.url]
        if not matches:
            problems.append(f"ch{link.chapter} {link.section}: {link.url} missing")
        elif not any(r.role == want for r in matches):
            problems.append(f"ch{link.chapter}: {link.url} has role {[r.role for r in matches]}, want {want}")
        for r in matches:
            if link.arxiv_id:
                assert r.kind == "arxiv" and r.arxiv_id == link.arxiv_id, r.id
    assert not problems, "\n".join(problems)


def test_catalogue_adds_no_links_of_its_own(hilton, cur):
    """Chapters 1-9 hold only links the curriculum has, chapter 0 only links from the README."""
    chapter_urls = {link.url for link in chapter_links(hilton)}
    readme_urls = set(
        readme_links(hilton, ("Pre-prerequisites", "Prerequisites", "Alternatives to this curriculum"))
    )
    for chapter, reading in cur.all_readings():
        allowed = readme_urls if chapter.number == 0 else chapter_urls
        assert reading.url in allowed, f"{reading.id}: {reading.url} is not in the curriculum"


def test_ids_are_unique_slugs(cur):
    ids = [r.id for _, r in cur.all_readings()] + [e.id for _, e in cur.all_exercises()]
    assert len(ids) == len(set(ids))
    for item_id in ids:
        assert re.fullmatch(r"[a-z0-9][a-z0-9\-.]*", item_id), item_id
    for wanted in ("attention", "gpt3", "scaling-laws", "chinchilla", "moe", "t5", "adam", "ex3-adam"):
        assert wanted in ids


def test_arxiv_readings_are_consistent(cur):
    for _, r in cur.all_readings():
        if r.kind == "arxiv":
            m = ARXIV.search(r.url)
            assert m and m.group(1) == r.arxiv_id, r.id
            assert r.arxiv_version == m.group(2), r.id  # pinned exactly when the URL pins it


# --- assigned parts ----------------------------------------------------------------------------------


def _by_arxiv(cur: Curriculum, arxiv_id: str, role: str | None = None) -> Reading:
    found = [r for _, r in cur.all_readings() if r.arxiv_id == arxiv_id and (role is None or r.role == role)]
    assert len(found) == 1, (arxiv_id, [r.id for r in found])
    return found[0]


@pytest.mark.parametrize(
    ("arxiv_id", "numbers"),
    [
        ("1706.03762", ("3",)),
        ("2001.08361", ("1",)),
        ("1812.06162", ("2",)),
        ("1701.06538", ("2",)),
    ],
)
def test_assigned_sections(cur, arxiv_id, numbers):
    pointer = _by_arxiv(cur, arxiv_id).pointer
    assert pointer.kind == "sections" and pointer.numbers == numbers


def test_attention_is_recommended_section_3(cur):
    reading = cur.chapter(1).readings[0]
    assert (reading.id, reading.role, reading.pointer.label) == ("attention", "recommended", "Section 3")


def test_contrastive_post_names_its_section(hilton, cur):
    reading = next(r for r in cur.chapter(5).readings if "contrastive" in r.url)
    assert reading.assigned == '"Contrastive Training Objectives"'
    assert reading.pointer.kind == "named"
    assert f'"{reading.pointer.title}"' in (hilton / "5-Modeling-Objectives.md").read_text(encoding="utf-8")


def test_sutton_barto_chapters_3_and_13(cur):
    reading = next(r for r in cur.chapter(6).readings if r.url.endswith("RLbook2020.pdf"))
    assert reading.pointer.kind == "chapters" and reading.pointer.numbers == ("3", "13")
    assert reading.pointer.label == "Chapters 3 and 13"


def test_reward_normalization_section_9_3_of_v3(cur):
    reading = _by_arxiv(cur, "1811.02553")
    assert reading.role == "resource" and reading.arxiv_version == "v3"
    assert reading.url == "https://arxiv.org/pdf/1811.02553v3.pdf"
    pointer = reading.pointer
    assert (pointer.kind, pointer.numbers, pointer.version) == ("sections", ("9.3",), "v3")


def test_elk_report_first_49_pages(cur):
    exercise = next(e for e in cur.chapter(7).exercises if e.id == "ex7-elk")
    report = next(r for r in exercise.resources if "eliciting-latent-knowledge" in r.url)
    assert (report.pointer.kind, report.pointer.first_page, report.pointer.last_page) == ("pages", 1, 49)


def test_red_teaming_resource_section_3_1(cur):
    resource = _by_arxiv(cur, "2202.03286", role="resource")
    assert resource.pointer.numbers == ("3.1",)
    assert _by_arxiv(cur, "2202.03286", role="optional").pointer.kind == "whole"


# --- curriculum-level facts from the README --------------------------------------------------------


def test_importance_matches_readme(hilton, cur):
    text = (hilton / "README.md").read_text(encoding="utf-8")
    m = re.search(r"order of importance is something like: ([\d, ]+)", text)
    assert m
    assert cur.importance == [int(n) for n in m.group(1).split(",")] == [1, 6, 2, 7, 4, 8, 9, 3, 5]
    assert cur.importance_order() == [1, 6, 2, 7, 4, 8, 9, 3, 5, 0]
    assert (cur.name, cur.author, cur.source) == (
        "deep-learning",
        "Jacob Hilton",
        "https://github.com/jacobhilton/deep_learning_curriculum",
    )


def test_helps_effort_and_longer_alternatives(hilton, cur):
    text = (hilton / "README.md").read_text(encoding="utf-8")
    m = re.search(r"Chapter 1 is helpful for understanding chapters ([\d, and]+?), and chapter (\d)", text)
    assert m
    assert cur.chapter(1).helps == [int(n) for n in re.findall(r"\d+", m.group(1))] == [2, 3, 8, 9]
    assert cur.chapter(6).helps == [7]
    for n in (2, 3, 4, 5, 7, 8, 9):
        assert cur.chapter(n).helps == []
    assert cur.helpers_of(7) == [0, 6]
    assert "between half a week and 2 weeks" in text
    for n in range(1, 10):
        assert cur.chapter(n).effort_days == [3.5, 14]
    for n in (7, 8):
        alt = cur.chapter(n).longer_alternative
        assert alt is not None and f"[{alt.title}]({alt.url})" in text
    assert cur.chapter(7).longer_alternative.url == "https://www.agisafetyfundamentals.com/"
    assert (
        cur.chapter(8).longer_alternative.url
        == "https://www.neelnanda.io/mechanistic-interpretability/getting-started"
    )


def test_exercises_and_alternatives(cur):
    expected_alternatives = {
        "ex3-fused-adam": "ex3-data-parallel",
        "ex7-elk": "ex7-rlhf",
        "ex8-induction-heads": "ex8-mnist-circuits",
    }
    for chapter in cur.chapters:
        assert chapter.exercises, f"chapter {chapter.number} has no exercise"
        first = chapter.exercises[0]
        assert first.id.startswith(f"ex{chapter.number}-") and first.alternative_to is None
        for exercise in chapter.exercises[1:]:
            assert expected_alternatives[exercise.id] == exercise.alternative_to == first.id
        for exercise in chapter.exercises:
            assert exercise.title and exercise.summary
            assert all(
                r.role == "resource" and r.id.startswith(f"ex{chapter.number}-") for r in exercise.resources
            )


def test_solutions_cover_the_chapters_solutions_md_says(hilton, cur):
    text = (hilton / "Solutions.md").read_text(encoding="utf-8")
    coverage = {
        "https://github.com/ckkissane/rlhf-shakespeare": {7},
        "https://github.com/ckkissane/deep_learning_curriculum/tree/master/solutions": {
            1,
            2,
            3,
            4,
            5,
            6,
            8,
            9,
        },
        "https://ziyuewang25.github.io/blog/2023/DLC/": {1, 2, 6, 7, 8, 9},
        "https://github.com/MatthewBaggins/deep_learning_curriculum": {1, 2, 5, 9},
        "https://github.com/jpdonasolo/Deep-Learning-Curriculum": {1},
    }
    assert {m.group(2) for m in LINK.finditer(text)} == set(coverage)
    for url, chapters in coverage.items():
        assert {c.number for c in cur.chapters if any(s.url == url for s in c.solutions)} == chapters, url


def test_pages_match_the_corpus(corpus, cur):
    pages = {}
    for line in (corpus / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        if cols[1].startswith("arxiv/"):
            pages[cols[0]] = int(cols[2])
    assert pages
    for _, r in cur.all_readings():
        if r.arxiv_id in pages:
            assert r.pages == pages[r.arxiv_id], r.id
        else:
            assert r.pages is None, f"{r.id}: pages given without a corpus PDF to count them"


# --- chapter 0 -----------------------------------------------------------------------------------------


def test_chapter_zero(hilton, cur):
    zero = cur.chapter(0)
    assert zero.title == "Before you start"
    assert zero.helps == list(range(1, 10))
    allowed = {
        "linear algebra",
        "probability",
        "calculus",
        "programming",
        "statistics",
        "information theory",
        "deep learning basics",
        "alternatives",
    }
    topics = {r.topic for r in zero.readings}
    assert topics <= allowed
    assert {
        "linear algebra",
        "calculus",
        "programming",
        "information theory",
        "deep learning basics",
        "alternatives",
    } <= topics
    assert all(r.role == "optional" for r in zero.readings)
    assert all(r.topic is None for n in range(1, 10) for r in cur.chapter(n).readings)
    # The optional extras are named as such.
    assert (
        "statistics" in zero.summary and "information theory" in zero.summary and "optional" in zero.summary
    )
    # Every link of the README's prerequisite and alternative sections is there.
    urls = {r.url for r in zero.readings} | {r.url for e in zero.exercises for r in e.resources}
    wanted = readme_links(hilton, ("Pre-prerequisites", "Prerequisites", "Alternatives to this curriculum"))
    assert len(wanted) >= 24
    assert set(wanted) <= urls, sorted(set(wanted) - urls)
    by_url = {r.url: r for r in zero.readings}
    assert by_url["https://www.3blue1brown.com/topics/linear-algebra"].topic == "linear algebra"
    assert by_url["https://www.3blue1brown.com/topics/calculus"].topic == "calculus"
    assert by_url["http://neuralnetworksanddeeplearning.com/"].topic == "deep learning basics"
    assert by_url["https://github.com/jacobhilton/backgammon"].topic == "alternatives"


def test_chapter_zero_mnist_exercise(cur):
    (exercise,) = cur.chapter(0).exercises
    assert exercise.id == "ex0-mnist"
    assert "99%" in exercise.summary and "PyTorch" in exercise.summary
    assert {r.url for r in exercise.resources} == {
        "http://yann.lecun.com/exdb/mnist/",
        "https://cs231n.github.io/convolutional-networks/",
        "https://cs231n.github.io/neural-networks-2/",
        "https://pytorch.org/tutorials/beginner/deep_learning_60min_blitz.html",
    }


# --- our words ----------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("’", "'"))


def _summaries(cur: Curriculum) -> list[tuple[str, str]]:
    out = [("curriculum", cur.summary)]
    for chapter in cur.chapters:
        out.append((f"chapter {chapter.number}", chapter.summary))
        if chapter.longer_alternative:
            out.append((f"chapter {chapter.number} longer alternative", chapter.longer_alternative.summary))
        out.extend((f"solution {s.url}", s.summary) for s in chapter.solutions)
        for exercise in chapter.exercises:
            out.append((exercise.id, exercise.summary))
    out.extend((r.id, r.summary) for _, r in cur.all_readings())
    return out


def test_every_summary_is_one_line_of_our_own(hilton, cur):
    grams: set[tuple[str, ...]] = set()
    for path in hilton.glob("*.md"):
        words = _words(LINK.sub(r"\1", path.read_text(encoding="utf-8")))
        grams.update(tuple(words[i : i + 6]) for i in range(len(words) - 5))
    copied = []
    for where, summary in _summaries(cur):
        assert summary and "\n" not in summary, f"{where}: summary must be one non-empty line"
        words = _words(summary)
        for i in range(len(words) - 5):
            if tuple(words[i : i + 6]) in grams:
                copied.append(f"{where}: {' '.join(words[i : i + 6])!r}")
    assert not copied, "summaries sharing six words in a row with the curriculum:\n" + "\n".join(copied)


def test_the_overlap_check_can_fail(hilton):
    """The six-word check above really catches curriculum prose (guards against a vacuous test)."""
    words = _words((hilton / "1-Transformers.md").read_text(encoding="utf-8"))
    sample = words[10:16]
    grams = {tuple(words[i : i + 6]) for i in range(len(words) - 5)}
    assert tuple(sample) in grams


# --- through the CLI ------------------------------------------------------------------------------------


def test_cli_chapters_json(run_cli):
    code, out, err = run_cli("chapters", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["curriculum"] == "deep-learning"
    assert [c["number"] for c in data["chapters"]] == list(range(10))
    assert data["importance"][:9] == [1, 6, 2, 7, 4, 8, 9, 3, 5]


def test_cli_show_attention_json(run_cli):
    code, out, err = run_cli("show", "1706.03762", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["id"] == "attention"
    assert data["role"] == "recommended"
    assert data["chapter"] == 1
    assert data["assigned"]["kind"] == "sections" and data["assigned"]["numbers"] == ["3"]
    assert data["assigned"]["label"] == "Section 3"


# --- broken files -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toml_text() -> str:
    return TOML_PATH.read_text(encoding="utf-8")


def test_bundled_text_decodes(toml_text):
    assert decode_toml(toml_text, "deep-learning.toml").name == "deep-learning"


def test_bad_syntax_is_a_catalogue_error(toml_text):
    with pytest.raises(CatalogueError, match=r"deep-learning\.toml: not valid TOML"):
        decode_toml(toml_text + "\n[[chapters\n", "deep-learning.toml")


def test_duplicate_id_is_a_catalogue_error(toml_text):
    broken = toml_text.replace('id = "gpt3"', 'id = "attention"', 1)
    assert broken != toml_text
    with pytest.raises(CatalogueError, match=r"id 'attention' is already used at chapters\[1\]") as info:
        decode_toml(broken, "deep-learning.toml")
    assert str(info.value).startswith("deep-learning.toml: ")


def test_unknown_chapter_in_helps_is_a_catalogue_error(toml_text):
    broken = toml_text.replace("helps = [7]", "helps = [7, 12]", 1)
    assert broken != toml_text
    with pytest.raises(CatalogueError, match=r"\(chapter 6\)\.helps: no chapter 12"):
        decode_toml(broken, "deep-learning.toml")
