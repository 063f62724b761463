"""The CLI loads its command modules lazily (``reader.cli.LazyGroup``), and loses nothing by it.

``syllabus`` alone opens the app without importing any ``reader/commands`` module,
``syllabus CMD`` imports only the module that defines CMD, and ``--help`` still lists every
command. The table that maps commands to modules is checked against the modules themselves.
Imports are checked in a fresh interpreter: in-process, other tests would have loaded them.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

from reader import cli as cli_module

REPO = Path(__file__).resolve().parent.parent
HEAVY = (
    "torch",
    "sentence_transformers",
    "faiss",
    "transformers",
    "fitz",
    "pymupdf",
    "numpy",
    "httpx",
    "trafilatura",
    "arxiv",
    "textual",
)


def command_modules_on_disk() -> list[str]:
    return sorted(p.stem for p in (REPO / "reader" / "commands").glob("*.py") if p.stem != "__init__")


def loaded_after(code: str, home: Path) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sys.modules))"
    env = {**os.environ, "SYLLABUS_HOME": str(home)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, env=env, check=True
    )
    return set(out.stdout.split())


def test_every_command_module_is_known():
    assert sorted(cli_module.MODULE_ORDER) == command_modules_on_disk()


def test_the_table_names_the_module_that_defines_each_command():
    defined = {}
    for name in cli_module.MODULE_ORDER:
        module = importlib.import_module(f"reader.commands.{name}")
        for command in module.COMMANDS:
            assert command.name not in defined, (
                f"{command.name} is defined in {defined.get(command.name)} and {name}"
            )
            defined[command.name] = name
    assert defined == cli_module.COMMAND_MODULES


def test_help_lists_every_command(run_cli):
    code, out, _ = run_cli("--help")
    assert code == 0
    listed = {line.split()[0] for line in out.split("Commands:", 1)[1].splitlines() if line.strip()}
    assert listed == set(cli_module.COMMAND_MODULES)


def test_a_command_runs_from_its_own_module(run_cli):
    code, out, _ = run_cli("chapters")
    assert code == 0 and "Chapter" in out
    code, _, err = run_cli("no-such-command")
    assert code != 0 and "No such command" in err


def test_importing_the_cli_imports_no_command_module(tmp_path):
    loaded = loaded_after("import reader.cli", tmp_path)
    assert not {m for m in loaded if m.startswith("reader.commands.")}


def test_a_command_imports_only_its_module(tmp_path):
    loaded = loaded_after(
        "from reader.cli import main\ntry:\n    main(['chapters'])\nexcept SystemExit:\n    pass",
        tmp_path,
    )
    assert {m for m in loaded if m.startswith("reader.commands.")} == {"reader.commands.catalogue_cmds"}


def test_command_modules_import_nothing_heavy(tmp_path):
    # What `import reader.cli` used to check for them when it imported every command module.
    statement = "\n".join(f"import reader.commands.{name}" for name in command_modules_on_disk())
    loaded = loaded_after(statement, tmp_path)
    for heavy in HEAVY:
        assert heavy not in loaded, f"a reader/commands module imports {heavy} at start-up"
