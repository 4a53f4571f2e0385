"""Content-addressed cache of agent replies: an in-memory LRU in front of sqlite on disk.

The key covers everything that shapes an answer (the agent's prompt, model,
endpoint, prompt format version and the normalised snippet), so a hit is the
answer the model would be asked for again. The raw reply is stored, not findings:
on a hit it is validated again against the document as it is now. sqlite runs on
a thread of its own, never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import sqlite3
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DB_NAME = "agent-cache.sqlite3"


def cache_dir() -> Path:
    """`$SE_LSP_CACHE_DIR`, else `$XDG_CACHE_HOME/se-lsp`, else `~/.cache/se-lsp`."""
    if os.environ.get("SE_LSP_CACHE_DIR"):
        return Path(os.environ["SE_LSP_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "se-lsp"


def cache_key(
    *, system_prompt: str, model: str, endpoint: str, prompt_version: str, snippet: str
) -> str:
    parts = {
        "agent": hashlib.sha256(system_prompt.encode("utf-8")).hexdigest(),
        "model": model,
        "endpoint": endpoint.rstrip("/"),
        "version": prompt_version,
        "snippet": snippet,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """A cached reply and the 0-based document line its snippet started on."""

    reply: str
    first_line: int


class ReplyCache:
    def __init__(self, directory: Path | None = None, memory_items: int = 256) -> None:
        self.directory = directory
        self._memory: OrderedDict[str, Entry] = OrderedDict()
        self._limit = memory_items
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="se-lsp-cache")
        self._db: sqlite3.Connection | None = None
        self._disabled = False

    # -- sqlite, on the cache thread only ---------------------------------------------

    def _conn(self) -> sqlite3.Connection | None:
        if self._disabled:
            return None
        if self._db is None:
            try:
                directory = self.directory or cache_dir()
                directory.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(directory / DB_NAME, check_same_thread=False)
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS replies "
                    "(key TEXT PRIMARY KEY, reply TEXT, first_line INTEGER, created REAL)"
                )
                self._db.commit()
            except (OSError, sqlite3.Error) as err:
                log.warning("agent cache on disk disabled: %s", err)
                self._disabled = True
                return None
        return self._db

    def _load(self, key: str) -> Entry | None:
        db = self._conn()
        if db is None:
            return None
        try:
            row = db.execute(
                "SELECT reply, first_line FROM replies WHERE key = ?", (key,)
            ).fetchone()
        except sqlite3.Error as err:
            log.warning("agent cache read failed: %s", err)
            return None
        return Entry(row[0], int(row[1])) if row else None

    def _store(self, key: str, entry: Entry) -> None:
        db = self._conn()
        if db is None:
            return
        try:
            db.execute(
                "INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?)",
                (key, entry.reply, entry.first_line, time.time()),
            )
            db.commit()
        except sqlite3.Error as err:
            log.warning("agent cache write failed: %s", err)

    def _wipe(self) -> None:
        db = self._conn()
        if db is not None:
            try:
                db.execute("DELETE FROM replies")
                db.commit()
            except sqlite3.Error as err:
                log.warning("agent cache clear failed: %s", err)

    # -- async API ----------------------------------------------------------------------

    def _remember(self, key: str, entry: Entry) -> None:
        self._memory[key] = entry
        self._memory.move_to_end(key)
        while len(self._memory) > self._limit:
            self._memory.popitem(last=False)

    async def get(self, key: str) -> Entry | None:
        entry = self._memory.get(key)
        if entry is not None:
            self._memory.move_to_end(key)
            return entry
        entry = await asyncio.get_running_loop().run_in_executor(self._pool, self._load, key)
        if entry is not None:
            self._remember(key, entry)
        return entry

    async def put(self, key: str, entry: Entry) -> None:
        self._remember(key, entry)
        await asyncio.get_running_loop().run_in_executor(self._pool, self._store, key, entry)

    async def clear(self) -> None:
        self._memory.clear()
        await asyncio.get_running_loop().run_in_executor(self._pool, self._wipe)

    def close(self) -> None:
        def shut() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        try:
            self._pool.submit(shut).result(5)
        except RuntimeError:
            pass
        self._pool.shutdown(wait=False)
