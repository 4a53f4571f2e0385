"""Run every benchmark and print the figures: `python -m bench.run`."""

from __future__ import annotations

from bench import agent, analyzer, lsp_latency, memory, reply, startup, toolchains


def main() -> None:
    startup.main()
    analyzer.main()
    lsp_latency.main()
    agent.main()
    reply.main()
    memory.main()
    toolchains.main()


if __name__ == "__main__":
    main()
