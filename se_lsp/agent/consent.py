"""Asking before code goes to a host the user has not used: the gate in front of every request.

Where code may go is the user's choice alone. A workspace can carry settings, so an
endpoint that appears in the settings is not by itself the user's choice: the first time
a session would send code to a host that is not this machine, the editor asks
(window/showMessageRequest: Allow / Always for this host / Cancel) before any connection
is made. "Always" is remembered in the user's state directory, never in the workspace.
A client that cannot ask gets a message and nothing is sent; it, and `se-lsp check
--agent`, allow hosts by naming them in the environment (SE_LSP_ALLOW_HOSTS) or on the
command line. The policy of what counts as this machine is core/policy.py's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from se_lsp.agent.errors import HostNotAllowed
from se_lsp.core.policy import host_needing_consent

if TYPE_CHECKING:
    from se_lsp.agent.client import Endpoint

log = logging.getLogger(__name__)

ENV_ALLOW = "SE_LSP_ALLOW_HOSTS"
STATE_FILE = "allowed-hosts.json"
ALLOW = "Allow"
ALWAYS = "Always for this host"
CANCEL = "Cancel"


class HostGate(Protocol):
    """Raises HostNotAllowed, before any connection, when code may not go to the endpoint."""

    async def check(self, endpoint: Endpoint) -> None: ...


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's state directory for se-lsp (XDG_STATE_HOME or the platform's equivalent)."""
    env = os.environ if env is None else env
    if env.get("SE_LSP_STATE_DIR"):
        return Path(env["SE_LSP_STATE_DIR"])
    if sys.platform == "win32":
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "se-lsp"
    if sys.platform == "darwin" and not env.get("XDG_STATE_HOME"):
        return Path.home() / "Library" / "Application Support" / "se-lsp"
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "se-lsp"


def hosts_from(text: str | None) -> set[str]:
    """Host names from a comma- or space-separated list."""
    return {h.strip().lower() for h in (text or "").replace(",", " ").split() if h.strip()}


class AllowedHosts:
    """Hosts the user allowed for good ("Always"), in a small JSON file of their own."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or state_dir() / STATE_FILE

    def load(self) -> set[str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return set()
        except (OSError, ValueError) as err:
            log.warning("%s cannot be read (%s): no host is remembered", self.path, err)
            return set()
        hosts = data.get("hosts") if isinstance(data, dict) else None
        return {str(h).lower() for h in hosts} if isinstance(hosts, list) else set()

    def remember(self, host: str) -> None:
        hosts = sorted(self.load() | {host.lower()})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"hosts": hosts}, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.path)


class ListGate:
    """For `se-lsp check --agent`: only loopback and the hosts named by the user."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = {h.lower() for h in allowed}

    async def check(self, endpoint: Endpoint) -> None:
        host = host_needing_consent(endpoint.base_url)
        if host is not None and host not in self.allowed:
            raise HostNotAllowed(
                f"se-lsp check --agent would send code to {host} ({endpoint.base_url}), which "
                f"you have not named: nothing was sent. Allow it with --allow-host {host} "
                f"or {ENV_ALLOW}={host}."
            )


Ask = Callable[[str, list[str]], Awaitable[str | None]]


class AskingGate:
    """For the editor: ask once per new host, remember "Always", never ask twice at once."""

    def __init__(
        self,
        ask: Ask,
        can_ask: Callable[[], bool],
        store: AllowedHosts | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._ask = ask
        self._can_ask = can_ask
        self.store = store or AllowedHosts()
        self._env = env
        self.allowed: set[str] = set()  # "Allow": for this session
        self._pending: dict[str, asyncio.Future[str | None]] = {}

    def _known(self, host: str) -> bool:
        env = os.environ if self._env is None else self._env
        return (
            host in self.allowed
            or host in hosts_from(env.get(ENV_ALLOW))
            or host in self.store.load()
        )

    async def check(self, endpoint: Endpoint) -> None:
        host = host_needing_consent(endpoint.base_url)
        if host is None or self._known(host):
            return
        if not self._can_ask():
            raise HostNotAllowed(
                f"se-lsp has not sent your code to {host} ({endpoint.base_url}): you have not "
                "allowed this host, and this editor cannot ask (it does not support "
                f"window/showMessageRequest). Allow it with {ENV_ALLOW}={host} in the "
                "environment that starts the server."
            )
        pending = self._pending.get(host)
        if pending is None:
            pending = asyncio.ensure_future(self._question(host, endpoint))
            self._pending[host] = pending
            pending.add_done_callback(lambda _f: self._pending.pop(host, None))
        # A cancelled run does not withdraw the question other runs may be waiting on.
        answer = await asyncio.shield(pending)
        if answer in (ALLOW, ALWAYS):
            return
        raise HostNotAllowed(f"You did not allow {host}: the code was not sent.")

    async def _question(self, host: str, endpoint: Endpoint) -> str | None:
        message = (
            f"se-lsp: send the selected code to {host}? You have not used this host before "
            f"({endpoint.base_url}, model {endpoint.model})."
        )
        try:
            answer = await self._ask(message, [ALLOW, ALWAYS, CANCEL])
        except Exception as err:  # a client that fails to answer counts as "no"
            log.warning("window/showMessageRequest failed: %s", err)
            return None
        if answer in (ALLOW, ALWAYS):
            self.allowed.add(host)
        if answer == ALWAYS:
            try:
                self.store.remember(host)
            except OSError as err:
                log.warning("cannot remember %s in %s: %s", host, self.store.path, err)
        return answer
