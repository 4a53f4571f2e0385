"""Start-up: process spawn to the initialize result, beside a bare Python echo process."""

from __future__ import annotations

import time
from typing import Any

from bench.common import fmt, header, summary, write
from bench.rpc import INIT_PARAMS, echo_server, se_lsp_server

RUNS = 12


def _spawn_to_result(make: Any) -> float:
    t = time.perf_counter()
    rpc = make()
    rpc.request("initialize", INIT_PARAMS)
    elapsed = (time.perf_counter() - t) * 1000
    rpc.close()
    return elapsed


def main() -> dict[str, Any]:
    header("start-up: spawn to initialize result")
    server, floor = [], []
    for _ in range(RUNS):  # interleaved so machine noise hits both alike
        floor.append(_spawn_to_result(echo_server))
        server.append(_spawn_to_result(se_lsp_server))
    s_server, s_floor = summary(server), summary(floor)
    print(fmt("python echo process (floor)", s_floor))
    print(fmt("se-lsp", s_server, "≤ 600 ms"))
    results = {"se_lsp": s_server, "floor": s_floor}
    write("startup", results)
    return results


if __name__ == "__main__":
    main()
