"""The reply cache: content-addressed keys, memory LRU, sqlite that survives a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from se_lsp.agent.cache import Entry, ReplyCache, cache_dir, cache_key


def key(**kw: str) -> str:
    base = {
        "system_prompt": "you review",
        "model": "m",
        "endpoint": "http://127.0.0.1:1/v1",
        "prompt_version": "1",
        "snippet": "rust\n\nlet x = 1;",
    }
    base.update(kw)
    return cache_key(**base)


def test_key_changes_with_every_input_and_ignores_trailing_slash() -> None:
    k = key()
    for field, value in [
        ("system_prompt", "other"),
        ("model", "m2"),
        ("endpoint", "http://127.0.0.1:2/v1"),
        ("prompt_version", "2"),
        ("snippet", "rust\n\nlet y = 1;"),
    ]:
        assert key(**{field: value}) != k, field
    assert key(endpoint="http://127.0.0.1:1/v1/") == k


async def test_survives_a_restart(tmp_path: Path) -> None:
    first = ReplyCache(tmp_path)
    await first.put("k1", Entry('{"findings": []}', 7))
    assert await first.get("k1") == Entry('{"findings": []}', 7)
    first.close()
    second = ReplyCache(tmp_path)
    assert await second.get("k1") == Entry('{"findings": []}', 7)
    assert await second.get("missing") is None
    await second.clear()
    assert await second.get("k1") is None
    second.close()
    third = ReplyCache(tmp_path)
    assert await third.get("k1") is None, "clear reaches the disk too"
    third.close()


async def test_memory_is_bounded(tmp_path: Path) -> None:
    cache = ReplyCache(tmp_path, memory_items=2)
    for i in range(3):
        await cache.put(f"k{i}", Entry("r", i))
    assert list(cache._memory) == ["k1", "k2"]
    assert await cache.get("k0") == Entry("r", 0)  # still on disk
    cache.close()


async def test_unwritable_directory_degrades_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = ReplyCache(blocker / "sub")
    await cache.put("k", Entry("r", 1))
    assert await cache.get("k") == Entry("r", 1)
    cache.close()


def test_cache_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SE_LSP_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("SE_LSP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x" / "se-lsp"
