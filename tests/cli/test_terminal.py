"""`se-lsp` typed at a terminal: one line saying what it is, and Ctrl-C ends it at once.

The command runs on a real pseudo-terminal (its controlling terminal), and Ctrl-C is the
byte 0x03 typed into it, so the terminal driver sends SIGINT as it does for a person.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import clean_env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def read_until(fd: int, wanted: bytes, timeout: float) -> bytes:
    seen = b""
    end = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def wait_exit(pid: int, timeout: float) -> int | None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    return None


def wait_reading(pid: int) -> None:
    """Until the server has its reader thread (Linux: /proc), so ^C meets a running server
    rather than one still importing; then a moment for the thread to block in its read."""
    status = Path(f"/proc/{pid}/status")
    end = time.monotonic() + 30
    while status.exists() and time.monotonic() < end:
        threads = [ln for ln in status.read_text().splitlines() if ln.startswith("Threads:")]
        if threads and int(threads[0].split()[1]) >= 2:
            break
        time.sleep(0.05)
    time.sleep(0.5)


def test_in_a_terminal_it_says_what_it_is_and_one_ctrl_c_ends_it(se_lsp: Path) -> None:
    import pty

    env = clean_env()
    code: int | None = None
    pid, master = pty.fork()
    if pid == 0:  # the child: stdin, stdout and stderr are the terminal
        os.execve(str(se_lsp), [str(se_lsp)], env)
    try:
        shown = read_until(master, b"Ctrl-C", timeout=60)
        assert b"se-lsp is a language server" in shown, shown
        assert b"se-lsp check PATH" in shown
        # The note is one line on the terminal.
        assert shown.strip().count(b"\n") == 0, shown
        wait_reading(pid)
        os.write(master, b"\x03")
        code = wait_exit(pid, timeout=5)
        rest = read_until(master, b"\0", timeout=0.5)
        assert code is not None, "one Ctrl-C did not end it within 5 s"
        assert code == 130, (code, rest)
        assert b"Fatal Python error" not in rest and b"Traceback" not in rest, rest
    finally:
        if code is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(master)
