"""The ``syllabus`` command line.

Every command is a thin layer over ``library`` / ``index``. User errors (a
:class:`~library.errors.SyllabusError`) become one line on stderr and a non-zero exit code;
``syllabus`` with no arguments opens the Textual app.

Command groups live in ``reader/commands/``, one module each, and are added to :data:`cli`
in :func:`_register`.
"""

from __future__ import annotations

import sys

import click

from library.errors import SyllabusError
from reader.session import Session


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--curriculum", "curriculum_name", metavar="NAME", help="Use this curriculum instead of the active one.")
@click.version_option(package_name="syllabus")
@click.pass_context
def cli(ctx: click.Context, curriculum_name: str | None) -> None:
    """Syllabus: a terminal reading companion for paper-based curricula.

    Run without a command to open the app.
    """
    session = Session(curriculum_name)
    ctx.obj = session
    ctx.call_on_close(session.close)
    if ctx.invoked_subcommand is None:
        from reader.app import run_app

        run_app(curriculum_name=curriculum_name)


def _register() -> None:
    from reader.commands import catalogue_cmds

    for module in (catalogue_cmds,):
        for command in module.COMMANDS:
            cli.add_command(command)
    # Optional groups: each owns one module; absent ones are simply not offered yet.
    import importlib

    for name in ("documents", "reading", "notes", "search", "study", "export"):
        try:
            module = importlib.import_module(f"reader.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"reader.commands.{name}":
                raise
            continue
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI, turning user errors into one-line messages."""
    try:
        cli.main(args=argv, prog_name="syllabus", standalone_mode=False)
    except SyllabusError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # `syllabus read ... | head`: the pager went away; not an error worth a traceback.
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
