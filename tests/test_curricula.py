"""Installed curricula: install, list, use, remove, find, and validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from library import catalogue, curricula, db, progress
from library.catalogue import CatalogueError
from library.errors import NotFound

FIXTURES = Path(__file__).parent / "fixtures"


def test_bundled_is_active_by_default():
    conn = db.connect()
    assert curricula.active_name(conn) == catalogue.BUNDLED_NAME
    assert catalogue.BUNDLED_NAME in curricula.installed_names(conn)


def test_install_use_and_remove():
    conn = db.connect()
    cur = catalogue.load_file(FIXTURES / "tiny.toml")
    report = curricula.install(conn, cur, source="here")
    assert not report.replaced and "basics-paper" in report.added
    curricula.use(conn, "tiny")
    assert curricula.active(conn).title == "Tiny Curriculum"
    curricula.remove(conn, "tiny")
    assert curricula.active_name(conn) == catalogue.BUNDLED_NAME
    with pytest.raises(NotFound):
        curricula.use(conn, "tiny")


def test_cannot_remove_bundled():
    conn = db.connect()
    with pytest.raises(NotFound, match="bundled"):
        curricula.remove(conn, catalogue.BUNDLED_NAME)


def test_reinstall_keeps_progress_and_reports_gone_items():
    conn = db.connect()
    cur = catalogue.load_file(FIXTURES / "tiny.toml")
    curricula.install(conn, cur)
    progress.mark(conn, cur, "basics-paper", "done")
    progress.mark(conn, cur, "standalone-extra", "reading")
    # New version: basics-paper renamed (same arXiv id), standalone-extra dropped.
    text = (FIXTURES / "tiny.toml").read_text()
    text = text.replace('id = "basics-paper"', 'id = "basics-renamed"')
    text = text.replace(
        '[[chapters.readings]]\nid = "standalone-extra"\ntitle = "Extra Reading"\nkind = "html"\n'
        'url = "https://example.org/extra"\nrole = "optional"\n',
        "",
    )
    new = catalogue.decode_toml(text, "tiny v2")
    report = curricula.install(conn, new)
    assert report.replaced
    assert report.renamed == {"basics-paper": "basics-renamed"}
    assert report.gone == ["standalone-extra"]
    rows = progress.statuses(conn, "tiny")
    assert rows["basics-renamed"]["status"] == "done"
    assert rows["standalone-extra"]["status"] == "reading"  # kept, not deleted


@pytest.mark.parametrize(
    "mutation, message",
    [
        (lambda t: t.replace('title = "Basics"', 'title = "Basics'), "not valid TOML"),
        (lambda t: t.replace('id = "follow-paper"', 'id = "basics-paper"'), "already used"),
        (lambda t: t.replace("helps = [2]", "helps = [9]"), "no chapter 9"),
        (lambda t: t.replace('assigned = "Section 2"', 'assigned = "Section ?!"'), "assigned"),
        (lambda t: t.replace("number = 2", 'number = "two"'), "Expected `int`"),
        (lambda t: t.replace('kind = "pdf"', 'kind = "scroll"'), "kind"),
    ],
)
def test_broken_curricula_get_clear_errors(mutation, message):
    text = mutation((FIXTURES / "tiny.toml").read_text())
    with pytest.raises(CatalogueError, match=message) as info:
        catalogue.decode_toml(text, "broken.toml")
    assert str(info.value).startswith("broken.toml")
    assert "\n" not in str(info.value)


def test_find_by_id_arxiv_and_url():
    cur = catalogue.load_file(FIXTURES / "tiny.toml")
    assert curricula.find(cur, "basics-paper").reading.id == "basics-paper"
    assert curricula.find(cur, "arXiv:1111.11111").reading.id == "basics-paper"
    assert curricula.find(cur, "https://example.org/basics").reading.id == "basics-post"
    assert curricula.find(cur, "ex1").kind == "exercise"
    with pytest.raises(NotFound, match="closest"):
        curricula.find(cur, "follow-papr")


def test_cli_curriculum_list_and_use(run_cli):
    conn = db.connect()
    curricula.install(conn, catalogue.load_file(FIXTURES / "tiny.toml"))
    code, out, _ = run_cli("curriculum", "use", "tiny")
    assert code == 0 and "tiny" in out
    code, out, _ = run_cli("curriculum", "list", "--json")
    import json

    items = {i["name"]: i for i in json.loads(out)}
    assert items["tiny"]["active"] and not items[catalogue.BUNDLED_NAME]["active"]
    code, _, err = run_cli("curriculum", "use", "nope")
    assert code == 2 and "no curriculum named 'nope'" in err


def test_reinstall_keeps_user_additions_out_of_gone():
    from library import additions
    from library.catalogue import Reading

    conn = db.connect()
    cur = catalogue.load_file(FIXTURES / "tiny.toml")
    curricula.install(conn, cur)
    mine = Reading(
        id="my-paper",
        title="My Paper",
        kind="arxiv",
        url="https://arxiv.org/abs/3333.33333",
        arxiv_id="3333.33333",
        role="optional",
    )
    additions.add(conn, curricula.load(conn, "tiny"), mine, 1)
    merged = curricula.load(conn, "tiny")
    progress.mark(conn, merged, "my-paper", "done")
    report = curricula.install(conn, cur)
    assert report.gone == [] and "my-paper" not in report.added
    assert curricula.find(curricula.load(conn, "tiny"), "my-paper").chapter.number == 1
    assert progress.statuses(conn, "tiny")["my-paper"]["status"] == "done"


def test_find_exact_id_wins_over_same_work_elsewhere():
    cur = catalogue.load_bundled()
    assert curricula.find(cur, "ex9-red-teaming-paper").reading.role == "resource"
    assert curricula.find(cur, "2202.03286").reading.role == "optional"


@pytest.mark.parametrize(
    "query",
    [
        "1706.03762v5",
        "arXiv:1706.03762",
        "https://arxiv.org/abs/1706.03762v5",
        "https://arxiv.org/pdf/1706.03762",
        "http://ARXIV.org/abs/1706.03762/",
    ],
)
def test_any_spelling_of_a_paper_finds_its_reading(query):
    assert curricula.find(catalogue.load_bundled(), query).reading.id == "attention"


def test_a_reading_with_a_url_fragment_is_the_work_its_link_names():
    from library.store import key_of, key_of_link

    reading = curricula.find(catalogue.load_bundled(), "pseudo-inputs").reading
    assert "#" in reading.url
    assert key_of(reading) == key_of_link(reading.url) == key_of_link(reading.url + "/")


def test_an_arxiv_link_in_any_spelling_is_its_paper():
    from library.store import key_of, key_of_link

    reading = curricula.find(catalogue.load_bundled(), "attention").reading
    for link in ("1706.03762", "arXiv:1706.03762v5", "https://arxiv.org/pdf/1706.03762v2.pdf"):
        assert key_of_link(link) == key_of(reading) == "arxiv:1706.03762"
