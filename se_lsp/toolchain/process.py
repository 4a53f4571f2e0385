"""Running a toolchain's program (cargo, g++, go, clang-tidy, a benchmark) without blocking.

Every external program se-lsp starts goes through `run`: an asyncio subprocess in a
session of its own, so a time limit or a cancelled request ends the whole tree it
started (cargo runs rustc, `go build` runs compile and link), never just the parent.
Output is read concurrently and capped, so a tool that prints megabytes cannot fill
memory or stall on a full pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Enough for any first error and for a linter's JSON on a large package.
OUTPUT_LIMIT = 16 * 1024 * 1024


@dataclass(frozen=True)
class Completed:
    """What a program did: its exit status and output, or that it ran out of time."""

    argv: tuple[str, ...]
    returncode: int | None  # None when it was killed for the time limit
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def limited(argv: Sequence[str], *, memory_mb: int | None, cpu_seconds: int | None) -> list[str]:
    """`argv` started through `sh` with `ulimit`, so the limits bind it and its children.

    `setrlimit` in a `preexec_fn` is not safe in a process that runs threads (the
    server does); a shell that sets the limit and then `exec`s the program is.
    """
    if memory_mb is None and cpu_seconds is None:
        return list(argv)
    script = ""
    if memory_mb is not None:
        # Address space where the system limits it (Linux); macOS refuses -v, so the data
        # segment is tried next, and the run goes on without a memory limit if neither holds.
        kb = int(memory_mb) * 1024
        script += f"ulimit -v {kb} 2>/dev/null || ulimit -d {kb} 2>/dev/null; "
    if cpu_seconds is not None:
        script += f"ulimit -t {int(cpu_seconds)}; "
    return ["sh", "-c", script + 'exec "$@"', "sh", *argv]


async def run(
    argv: Sequence[str],
    *,
    cwd: Path | str | None = None,
    timeout: float,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
) -> Completed:
    """Run `argv` to completion or until `timeout` seconds pass, whichever is first.

    Cancelling the awaiting task kills the program's whole process group and re-raises.
    A program that cannot be started raises OSError (FileNotFoundError when missing).
    """
    start = time.perf_counter()
    full_env = None if env is None else {**os.environ, **env}
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=None if cwd is None else str(cwd),
        env=full_env,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    truncated = False

    async def read(stream: asyncio.StreamReader) -> bytes:
        nonlocal truncated
        chunks: list[bytes] = []
        size = 0
        while chunk := await stream.read(65536):
            if size < OUTPUT_LIMIT:
                chunks.append(chunk[: OUTPUT_LIMIT - size])
                size += len(chunk)
            else:
                truncated = True  # keep draining so the program never blocks on a full pipe
        return b"".join(chunks)

    async def feed() -> None:
        if stdin is not None and proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                proc.stdin.write(stdin)
                await proc.stdin.drain()
            proc.stdin.close()

    work = asyncio.gather(read(proc.stdout), read(proc.stderr), feed(), proc.wait())
    try:
        out, err, _, code = await asyncio.wait_for(work, timeout)
    except TimeoutError:
        _kill_group(proc)
        await _reap(proc)
        return Completed(tuple(argv), None, "", "", time.perf_counter() - start, timed_out=True)
    except BaseException:
        _kill_group(proc)
        await _reap(proc)
        raise
    return Completed(
        tuple(argv),
        code,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        time.perf_counter() - start,
        truncated=truncated,
    )


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL the session the program leads (it and everything it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


async def _reap(proc: asyncio.subprocess.Process) -> None:
    # Shielded: a second cancel while reaping must not leave a zombie behind.
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.shield(asyncio.wait_for(proc.wait(), 5))
