"""The real ``syllabus`` app in a detached tmux session: what a user's terminal sees.

Used by the tests that need a real terminal (the pane title under tmux) and by
``tests/benchmarks/bench_app.py``. Each session runs on a tmux server of its own, its socket in a
temporary folder (``-S``), so a test never meets the user's sessions; closing the session ends
the server and removes the folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYLLABUS = Path(sys.executable).parent / "syllabus"


def have_tmux() -> bool:
    return shutil.which("tmux") is not None


class TmuxApp:
    """``syllabus ARGS`` in a tmux pane ``width`` x ``height``, with ``env`` set for it alone."""

    def __init__(
        self,
        home: Path,
        *args: str,
        env: dict[str, str] | None = None,
        width: int = 120,
        height: int = 40,
        delay: float = 0.0,
        name: str = "syllabus-test",
        program: list[str] | None = None,
    ) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="syllabus-tmux-"))
        self.socket = str(self._folder / "socket")
        self.session = name
        settings = {"SYLLABUS_HOME": str(home), **(env or {})}
        # Explicit, because tmux gives a new pane the server's environment, not the caller's.
        exports = " ".join(f"{key}={_quote(value)}" for key, value in settings.items())
        argv = " ".join(_quote(part) for part in [*(program or [str(SYLLABUS)]), *args])
        command = f"{exports} exec {argv}"
        if delay:
            command = f"sleep {delay}; {command}"
        self.started = time.perf_counter()
        self._tmux("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), command)
        self.pid = int(self.display("#{pane_pid}"))

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-S", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        if result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def display(self, fmt: str) -> str:
        """A tmux format of the pane (``#{pane_title}``)."""
        return self._tmux("display-message", "-p", "-t", self.session, fmt).strip()

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.session)

    def send(self, *keys: str) -> None:
        """tmux key names ("Enter", "PageDown", "q"): see ``tmux send-keys``."""
        self._tmux("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        """Characters as typed, each one a key ("/" included)."""
        self._tmux("send-keys", "-t", self.session, "-l", text)

    def wait_for(self, text: str, timeout: float = 30.0, poll: float = 0.005) -> float:
        """Seconds from the session's start until ``text`` is on screen."""
        while time.perf_counter() - self.started < timeout:
            if text in self.screen():
                return time.perf_counter() - self.started
            time.sleep(poll)
        raise TimeoutError(f"{text!r} not on screen after {timeout} s:\n{self.screen()}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system, every thread) the app's process has used so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def alive(self) -> bool:
        """Whether the app's process still runs (a zombie has ended)."""
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> TmuxApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"
