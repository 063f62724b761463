"""The app in a real terminal (tmux): what the terminal is left with, and quitting with work running."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from tmux_app import TmuxApp, have_tmux

needs_tmux = pytest.mark.skipif(
    not have_tmux(), reason="needs tmux (the terminal these tests run the app in)"
)


@needs_tmux
def test_the_image_probe_leaves_the_tmux_pane_title_alone(syllabus_home):
    # SYLLABUS_NO_IMAGES empty: the app asks the terminal what it can draw, as it does for a user.
    with TmuxApp(syllabus_home, env={"SYLLABUS_NO_IMAGES": ""}, width=100, height=30, delay=1.0) as app:
        before = app.display("#{pane_title}")  # during the delay: the title the shell gave the pane
        app.wait_for("Transformers")
        during = app.display("#{pane_title}")
        app.send("q")
    assert "Gi=" not in during, during
    assert during == before


def test_quitting_does_not_wait_for_a_worker_that_cannot_be_interrupted(tmp_path):
    """A worker that never ends (the model's imports take seconds and cannot be stopped): the
    process still ends when the app exits, with the app's exit code."""
    script = textwrap.dedent(
        """
        import threading
        from textual.app import App
        from reader.threads import run_in_daemon_threads

        never = threading.Event()

        class Busy(App):
            def on_mount(self):
                self.run_worker(never.wait, thread=True)
                self.set_timer(0.2, lambda: self.exit(return_code=3))

        run_in_daemon_threads(Busy())
        print("not reached: the process ends in run_in_daemon_threads")
        """
    )
    env = {**os.environ, "TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 3, result.stderr
    assert "not reached" not in result.stdout


def test_a_user_error_that_ended_the_app_reaches_the_cli_as_its_one_line(tmp_path):
    """A damaged database met mid-session ends the app with ``fatal_error`` set: the daemon-thread
    runner must hand it to the CLI (one line, exit 1), not end the process silently."""
    script = textwrap.dedent(
        """
        from textual.app import App
        from library.errors import SyllabusError
        from reader.threads import run_in_daemon_threads

        class Failing(App):
            fatal_error = None

            def on_mount(self):
                self.fatal_error = SyllabusError("syllabus.db is damaged")
                self.set_timer(0.1, lambda: self.exit(return_code=1))

        try:
            run_in_daemon_threads(Failing())
        except SyllabusError as exc:
            print(f"error: {exc}")
            raise SystemExit(1)
        print("not reached")
        """
    )
    env = {**os.environ, "TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 1, result.stderr
    assert "error: syllabus.db is damaged" in result.stdout
    assert "not reached" not in result.stdout
