"""Test-only name mapping for subprocesses: one reserved host name resolves to 127.0.0.1.

Put this folder on a subprocess's PYTHONPATH and set SE_LSP_TEST_HOST to a name under
the reserved `.test` domain (RFC 6761): that one name resolves to 127.0.0.1, so tests can
exercise "a host that is not this machine" without any address but loopback ever being
reached. Every other name resolves as usual; without the variable nothing changes. The
server's own code is untouched: this only answers the resolver.
"""

from __future__ import annotations

import os
import socket

_NAME = os.environ.get("SE_LSP_TEST_HOST", "").lower()

if _NAME.endswith(".test"):
    _resolve = socket.getaddrinfo

    def _getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if isinstance(host, str) and host.lower().rstrip(".") == _NAME:
            host = "127.0.0.1"
        return _resolve(host, *args, **kwargs)

    socket.getaddrinfo = _getaddrinfo
