"""Run every benchmark and print the figures: `python -m bench.run`."""

from __future__ import annotations

from bench import analyzer, lsp_latency, startup


def main() -> None:
    startup.main()
    analyzer.main()
    lsp_latency.main()


if __name__ == "__main__":
    main()
