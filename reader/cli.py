"""The ``syllabus`` command line.

Every command is a thin layer over ``library`` / ``index``. User errors (a
:class:`~library.errors.SyllabusError`) become one line on stderr and a non-zero exit code;
``syllabus`` with no arguments opens the Textual app.

Command groups live in ``reader/commands/``, one module each (``COMMANDS`` lists its click
commands). They are loaded lazily by :class:`LazyGroup`: ``syllabus`` alone (the app) imports
none of them, ``syllabus CMD`` imports the one module that defines CMD, and ``--help`` imports
them all to list every command. Each module costs 5-20 ms of imports at start-up.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys

import click

from library.errors import SyllabusError
from reader.output import protect_streams
from reader.session import Session

# Which module of reader/commands/ defines each command, so `syllabus CMD` imports only that
# module. A command missing here still works (every module is then loaded to find it), and
# tests/test_cli_lazy.py checks that this table and the modules' COMMANDS agree.
COMMAND_MODULES: dict[str, str] = {
    **dict.fromkeys(("chapters", "show", "mark", "progress", "next", "curriculum"), "catalogue_cmds"),
    **dict.fromkeys(("fetch", "add", "attach", "remove", "rename", "detach"), "documents"),
    "open": "viewer",
    **dict.fromkeys(("extract", "read"), "reading"),
    "note": "notes",
    **dict.fromkeys(("backup", "import"), "backup"),
    **dict.fromkeys(("search", "related", "index"), "search"),
    **dict.fromkeys(("log", "plan"), "study"),
    **dict.fromkeys(("review", "solutions"), "review"),
    "export": "export",
}
MODULE_ORDER = (
    "catalogue_cmds",
    "documents",
    "viewer",
    "reading",
    "notes",
    "backup",
    "search",
    "study",
    "review",
    "export",
)


class LazyGroup(click.Group):
    """A click group whose commands are imported from ``reader.commands`` on first use."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: set[str] = set()

    def _load(self, module_name: str) -> None:
        if module_name in self._loaded:
            return
        self._loaded.add(module_name)
        module = importlib.import_module(f"reader.commands.{module_name}")
        for command in module.COMMANDS:
            self.add_command(command)

    def load_all(self) -> None:
        for module_name in MODULE_ORDER:
            self._load(module_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_all()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            module_name = COMMAND_MODULES.get(cmd_name)
            if module_name is not None:
                self._load(module_name)
            if cmd_name not in self.commands:
                self.load_all()
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--curriculum", "curriculum_name", metavar="NAME", help="Use this curriculum instead of the active one."
)
@click.version_option(package_name="syllabus")
@click.pass_context
def cli(ctx: click.Context, curriculum_name: str | None) -> None:
    """Syllabus: a terminal reading companion for paper-based curricula.

    Run without a command to open the app.
    """
    protect_streams()  # again here for callers of `cli` that bypass main() (click's test runner)
    session = Session(curriculum_name)
    ctx.obj = session
    ctx.call_on_close(session.close)
    if ctx.invoked_subcommand is None:
        # Textual and the app: ~0.5 s that every other command skips
        from reader.app import run_app

        run_app(curriculum_name=curriculum_name)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI, turning user errors into one-line messages."""
    protect_streams()
    try:
        # Under standalone_mode=False click does not exit: a command's `ctx.exit(code)` (and --help,
        # --version) comes back as the return value, so it is passed on here or the shell sees 0.
        # Commands return None; anything else they returned would not be an exit code.
        code = cli.main(args=argv, prog_name="syllabus", standalone_mode=False)
    except SyllabusError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # `syllabus read ... | head`: the pager went away; not an error worth a traceback. Output
        # still buffered would fail again at exit, so stdout now goes nowhere (Python's documented way).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except sqlite3.DatabaseError as exc:
        # A damaged database, a full disk, a read-only home: one line naming what to do (a damaged
        # database is also remembered, so no later run writes to it). Anything else is a bug.
        from library import dbhealth

        translated = dbhealth.translate(exc)
        if translated is None:
            raise
        click.echo(f"error: {translated}", err=True)
        sys.exit(translated.exit_code)
    except UnicodeEncodeError as exc:
        # An argument with bytes that are not UTF-8 (Python keeps them as lone surrogates): such
        # text cannot be stored or shown. A file name like that still works where a path is asked.
        around = exc.object[max(0, exc.start - 20) : exc.end + 20]
        click.echo(f"error: {around!r}: not valid UTF-8 text", err=True)
        sys.exit(2)
    except OverflowError:
        click.echo(f"error: a number is too large (at most {2**63 - 1})", err=True)
        sys.exit(2)
    except OSError as exc:
        # A destination the user named that cannot be written (no such folder, no permission,
        # a full disk). Writes are atomic, so nothing half-written was left behind.
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"error: {exc.strerror or exc}{where}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
