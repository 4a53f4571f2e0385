"""Starts, feeds, times and replaces the analysis process (worker.py).

One process, one analysis at a time, in the order asked. Each document's text
is sent once; after that only its edits travel, as code-point offsets, with the
version they apply to and the length they must produce, so a process that got
out of step is noticed and sent the whole text again. An analysis that runs past
its budget has the process killed and a new one started; an analysis that was
cancelled while it ran is left to finish, and its answer is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from se_lsp.core.settings import Settings
from se_lsp.lsp.documents import Document, Edit
from se_lsp.lsp.worker import HEADER

log = logging.getLogger(__name__)

# The process imports tree-sitter, the grammars and the rules before it says it is
# ready: about half a second, much more on a loaded machine. Not part of any budget.
START_TIMEOUT = 60.0


class Overrun(Exception):
    """The analysis ran past its budget; the process was stopped and will be replaced."""


class Crashed(Exception):
    """The analysis process ended without answering (a crash, or killed from outside)."""


@dataclass
class Answer:
    """What the analysis process made of one document version."""

    kind: str  # "done", "skipped" or "failed"
    version: int = 0  # the document version analysed
    exact: bool = True
    rendered: str = ""
    rows: bytes = b""
    count: int = 0  # findings in `rows`
    reason: str = ""
    timing: dict[str, float] = field(default_factory=dict)
    sent_bytes: int = 0
    received_bytes: int = 0
    problems: list[str] = field(default_factory=list)  # with the settings, e.g. unknown rules


def command() -> list[str]:
    """How to start the analysis process: this interpreter, with this process's sys.path."""
    boot = (
        "import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
        "from se_lsp.lsp.worker import main; main()"
    )
    return [sys.executable, "-I", "-c", boot, json.dumps(sys.path)]


@dataclass
class _Job:
    doc: Document
    exact: bool
    encoding: str
    future: asyncio.Future[Answer]


class Supervisor:
    def __init__(self, argv: Callable[[], list[str]] = command) -> None:
        self._argv = argv
        self._proc: asyncio.subprocess.Process | None = None
        self._starting: asyncio.Task[asyncio.subprocess.Process] | None = None
        self._jobs: asyncio.Queue[_Job] = asyncio.Queue()
        self._runner: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)
        # What the process holds: uri -> version; edits made since, per uri (None: resend).
        self._synced: dict[str, int] = {}
        self._pending: dict[str, list[Edit] | None] = {}
        self._settings: Settings | None = None
        self._generation = 0
        self._sent_generation = -1
        self.budget = 5.0
        self.starts = 0  # processes started (a figure for tests and benchmarks)
        self.kills = 0

    # -- what the server tells it --------------------------------------------------------

    def configure(self, settings: Settings, budget_seconds: float) -> None:
        self._settings = settings
        self._generation += 1
        self.budget = budget_seconds

    def edited(self, uri: str, edits: list[Edit] | None) -> None:
        """Remember a document's edits until its next analysis carries them across."""
        if uri not in self._synced:
            return
        pending = self._pending.get(uri, [])
        if edits is None or pending is None:
            self._pending[uri] = None
        else:
            pending.extend(edits)
            self._pending[uri] = pending

    def opened(self, uri: str) -> None:
        """A document was opened (again): its next analysis sends the whole text."""
        if uri in self._synced:
            self._pending[uri] = None

    def closed(self, uri: str) -> None:
        if self._synced.pop(uri, None) is not None:
            self._pending.pop(uri, None)
            self._send_soon(("close", uri))

    async def analyze(self, doc: Document, *, exact: bool, encoding: str) -> Answer:
        """Analyse the document as it is now; raises Overrun or Crashed."""
        if self._runner is None or self._runner.done():
            self._runner = asyncio.get_running_loop().create_task(self._run())
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        await self._jobs.put(_Job(doc, exact, encoding, future))
        return await future

    async def stop(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            with contextlib.suppress(BaseException):
                await self._starting
        proc = self._proc
        self._proc = None
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(Exception):
                assert proc.stdin is not None
                proc.stdin.close()
                await asyncio.wait_for(proc.wait(), 2)
            if proc.returncode is None:
                proc.kill()

    # -- the one consumer ----------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            job = await self._jobs.get()
            if job.future.done():  # cancelled while it waited: a newer one is coming
                continue
            try:
                answer = await self._one(job)
            except asyncio.CancelledError:
                if not job.future.done():
                    job.future.cancel()
                raise
            except (Overrun, Crashed) as err:
                if not job.future.done():
                    job.future.set_exception(err)
                continue
            except Exception as err:  # a broken pipe, a bad message: report, keep serving
                log.warning("the analysis process failed: %s", err)
                await self._kill()
                if not job.future.done():
                    job.future.set_exception(Crashed(str(err)))
                continue
            if not job.future.done():
                job.future.set_result(answer)

    def warm_up(self) -> None:
        """Start the process now, so the first document does not wait for its imports."""
        with contextlib.suppress(RuntimeError):
            self._starting_task()

    def _starting_task(self) -> asyncio.Task[asyncio.subprocess.Process]:
        if self._starting is None or self._starting.done():
            self._starting = asyncio.get_running_loop().create_task(self._start())
        return self._starting

    async def _process(self) -> asyncio.subprocess.Process:
        if self._proc is not None and self._proc.returncode is None:
            return self._proc
        return await asyncio.shield(self._starting_task())

    async def _start(self) -> asyncio.subprocess.Process:
        self._synced.clear()
        self._pending.clear()
        self._sent_generation = -1
        proc = await asyncio.create_subprocess_exec(
            *self._argv(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=256 * 1024 * 1024,
        )
        self.starts += 1
        try:
            ready = await asyncio.wait_for(self._read(proc), START_TIMEOUT)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError) as err:
            await _end(proc)
            why = str(err) or type(err).__name__
            raise Crashed(f"the analysis process did not start ({why})") from None
        except BaseException:
            await _end(proc)
            raise
        if ready[0][0] != "ready":
            await _end(proc)
            raise Crashed(f"unexpected first message from the analysis process: {ready[0][0]}")
        self._proc = proc
        return proc

    async def _one(self, job: _Job) -> Answer:
        doc = job.doc
        problems: list[str] = []
        for _attempt in range(2):
            proc = await self._process()
            version = doc.version
            sent = self._sync(proc, doc)
            job_id = next(self._ids)
            sent += self._write(
                proc, ("analyze", job_id, doc.uri, doc.version, job.exact, job.encoding)
            )
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self.budget):
                    reply, size = await self._read(proc)
                    while reply[0] == "problems":  # about the settings just sent
                        problems.extend(reply[1])
                        reply, size = await self._read(proc)
            except TimeoutError:
                await self._kill()
                raise Overrun(f"{self.budget:g} s") from None
            except (asyncio.IncompleteReadError, ConnectionError) as err:
                await self._kill()
                raise Crashed(str(err) or "the process ended") from None
            kind = reply[0]
            if kind == "unknown":  # the process lost step with this document: send it whole
                self._synced.pop(doc.uri, None)
                continue
            answer = _answer(reply)
            answer.problems = problems
            answer.version = version
            answer.sent_bytes, answer.received_bytes = sent, size
            answer.timing["round_trip_ms"] = (time.perf_counter() - started) * 1e3
            return answer
        raise Crashed("the analysis process could not follow the document")

    def _sync(self, proc: asyncio.subprocess.Process, doc: Document) -> int:
        """Bring the process's copy of the settings and of `doc` up to date."""
        sent = 0
        if self._sent_generation != self._generation and self._settings is not None:
            sent += self._write(proc, ("settings", self._generation, self._settings))
            self._sent_generation = self._generation
        base = self._synced.get(doc.uri)
        pending = self._pending.get(doc.uri, [])
        if base is None or pending is None:
            assert doc.language is not None
            sent += self._write(
                proc, ("open", doc.uri, doc.language, doc.version, doc.text, _path(doc.uri))
            )
        elif base != doc.version:
            edits = [(e.start_offset, e.end_offset, e.text) for e in pending]
            sent += self._write(proc, ("edit", doc.uri, base, doc.version, edits, len(doc.text)))
        self._synced[doc.uri] = doc.version
        self._pending[doc.uri] = []
        return sent

    # -- the pipe --------------------------------------------------------------------------

    def _write(self, proc: asyncio.subprocess.Process, message: tuple[Any, ...]) -> int:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        assert proc.stdin is not None
        proc.stdin.write(HEADER.pack(len(data)) + data)  # buffered; never blocks the loop
        return len(data) + HEADER.size

    def _send_soon(self, message: tuple[Any, ...]) -> None:
        proc = self._proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(Exception):
                self._write(proc, message)

    async def _read(self, proc: asyncio.subprocess.Process) -> tuple[tuple[Any, ...], int]:
        assert proc.stdout is not None
        head = await proc.stdout.readexactly(HEADER.size)
        (n,) = HEADER.unpack(head)
        data = await proc.stdout.readexactly(n)
        message: tuple[Any, ...] = pickle.loads(data)
        return message, n + HEADER.size

    async def _kill(self) -> None:
        proc, self._proc = self._proc, None
        self._starting = None
        self._synced.clear()
        self._pending.clear()
        if proc is not None:
            if proc.returncode is None:
                self.kills += 1
            await _end(proc)


async def _end(proc: asyncio.subprocess.Process) -> None:
    """Kill `proc` if it still runs, and wait (a bounded time) so its pipes are closed."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(proc.wait(), 5)


def _path(uri: str) -> str | None:
    from pygls.uris import to_fs_path

    return to_fs_path(uri)


def _answer(reply: tuple[Any, ...]) -> Answer:
    kind = reply[0]
    if kind == "done":
        _, _job, _uri, exact, rendered, rows, count, timing = reply
        return Answer("done", exact=exact, rendered=rendered, rows=rows, count=count, timing=timing)
    if kind == "skipped":
        return Answer("skipped", reason=reply[3])
    if kind == "failed":
        return Answer("failed", reason=reply[3])
    raise Crashed(f"unexpected message from the analysis process: {kind}")
