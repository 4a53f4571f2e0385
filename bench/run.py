"""Run every benchmark and print the figures: `python -m bench.run`."""

from __future__ import annotations

from bench import (
    agent,
    analyzer,
    lsp_latency,
    memory,
    redaction,
    reply,
    startup,
    toolchains,
    worker,
)


def main() -> None:
    startup.main()
    analyzer.main()
    worker.main()
    lsp_latency.main()
    agent.main()
    reply.main()
    memory.main()
    redaction.main()
    toolchains.main()


if __name__ == "__main__":
    main()
