"""Compile-checking a fix: the one entry point, with its cache and its limits.

`Verifier.verify` checks a file's text with a fix applied using the project's own
toolchain, and, when that fails, the text without the fix, so that only errors the
fix brings in are held against it. Results are cached by the texts checked (the file
and the fix), in memory for the session. One check runs at a time by default: each
already uses every core (cargo, the Go build), and the editor must stay responsive.
A check is an asyncio task: cancelling it (the document changed, the server stops)
kills the compiler.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from se_lsp.core.languages import CPP, GO, RUST
from se_lsp.verify import cpp, go, rust
from se_lsp.verify.verdict import Attempt, Verdict, judge

log = logging.getLogger(__name__)

Check = Callable[[Path, str, Path | None, float], Awaitable[Attempt]]

CHECKS: dict[str, Check] = {RUST: rust.check, CPP: cpp.check, GO: go.check}


def _key(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


class Verifier:
    def __init__(self, *, concurrency: int = 1, cache_items: int = 512) -> None:
        self._verdicts: OrderedDict[str, Verdict] = OrderedDict()
        self._attempts: OrderedDict[str, Attempt] = OrderedDict()
        self._limit = cache_items
        self._concurrency = concurrency
        self._semaphores: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._inflight: dict[str, asyncio.Task[Verdict]] = {}
        self._by_path: dict[str, set[str]] = {}
        self.checks = 0  # toolchain runs, for tests and stats

    def cached(self, path: Path, language: str, text: str, original: str | None) -> Verdict | None:
        return self._verdicts.get(_key(language, str(path), text, original or ""))

    def running(self, path: Path, language: str, text: str, original: str | None) -> bool:
        return _key(language, str(path), text, original or "") in self._inflight

    async def verify(
        self,
        path: Path,
        language: str,
        text: str,
        root: Path | None,
        *,
        original: str | None = None,
        timeout: float = 30.0,
    ) -> Verdict:
        """The verdict on `text` (the file with a fix applied); `original` is it without."""
        key = _key(language, str(path), text, original or "")
        found = self._verdicts.get(key)
        if found is not None:
            self._verdicts.move_to_end(key)
            return found
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(
                self._verify(key, path, language, text, root, original, timeout)
            )
            self._inflight[key] = task
            self._by_path.setdefault(str(path), set()).add(key)
            task.add_done_callback(lambda _t: self._forget(key, str(path)))
        # Several waiters may share one check; one of them going away does not stop it.
        return await asyncio.shield(task)

    def cancel(self, path: Path) -> None:
        """Stop every check of `path` still running (its document changed or closed)."""
        for key in list(self._by_path.get(str(path), ())):
            task = self._inflight.get(key)
            if task is not None:
                task.cancel()

    def cancel_all(self) -> None:
        for task in list(self._inflight.values()):
            task.cancel()

    def _forget(self, key: str, path: str) -> None:
        self._inflight.pop(key, None)
        keys = self._by_path.get(path)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_path[path]

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        sem = self._semaphores.get(loop)
        if sem is None:
            self._semaphores = {k: v for k, v in self._semaphores.items() if not k.is_closed()}
            sem = self._semaphores[loop] = asyncio.Semaphore(self._concurrency)
        return sem

    async def _verify(
        self,
        key: str,
        path: Path,
        language: str,
        text: str,
        root: Path | None,
        original: str | None,
        timeout: float,
    ) -> Verdict:
        fixed = await self._attempt(path, language, text, root, timeout)
        before = None
        if fixed.errors and original is not None and original != text:
            before = await self._attempt(path, language, original, root, timeout)
        verdict = judge(fixed, before, root)
        if not verdict.timed_out:  # a timeout says nothing about the fix: try again next time
            _remember(self._verdicts, key, verdict, self._limit)
        return verdict

    async def _attempt(
        self, path: Path, language: str, text: str, root: Path | None, timeout: float
    ) -> Attempt:
        key = _key("attempt", language, str(path), text)
        found = self._attempts.get(key)
        if found is not None:
            return found
        check = CHECKS.get(language)
        if check is None:
            return Attempt("none", unchecked=f"no compile check for {language}")
        async with self._semaphore():
            self.checks += 1
            try:
                attempt = await check(path, text, root, timeout)
            except OSError as err:
                attempt = Attempt(language, unchecked=f"the toolchain could not run ({err})")
        log.info(
            "%s on %s: %s in %.2f s",
            attempt.tool,
            path.name,
            "ok" if attempt.compiled else attempt.unchecked or "errors",
            attempt.seconds,
        )
        if not attempt.unchecked:
            _remember(self._attempts, key, attempt, self._limit)
        return attempt


T = TypeVar("T")


def _remember(table: OrderedDict[str, T], key: str, value: T, limit: int) -> None:
    table[key] = value
    while len(table) > limit:
        table.popitem(last=False)
