"""Where the benchmarks find the peer tools they measure against (the "anchors").

A peer rig is a folder with a `run.sh` that installs and runs a peer tool (pygeoapi, pa11y-ci) on this
machine and prints its figures; our benchmark runs it in the same command as our own server, so that the
figures are ratios from one run. The rigs are not part of this repository: KOTODX_BENCH_PEERS names the
folder that holds them (`pygeoapi-anchor/`, `pa11y-anchor/`), by default `../shared/bench` beside the
checkout, where this project's development machines have them. Without a rig, its benchmark says so and
is skipped; `make bench` goes on, and `make test` never runs the benchmarks.
"""

from __future__ import annotations

import os
from pathlib import Path

PEERS = Path(os.environ.get("KOTODX_BENCH_PEERS") or Path(__file__).resolve().parents[2] / "shared" / "bench")


def absent(name: str, rig: Path, what: str) -> None:
    print(
        f"{name}: SKIPPED, the peer rig is not at {rig} ({what}). Set KOTODX_BENCH_PEERS to the folder "
        "holding it (see bench/peers.py); our own figures without the peer's would be no ratio."
    )
