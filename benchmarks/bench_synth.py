"""Benchmark ``familyhub synth``: wall time, CPU time, peak memory and rows per source.

The generator runs in a child process so its peak resident memory (numpy and pyarrow
buffers included) is read from ``ru_maxrss`` of the children. People default to 1,000,000;
set ``FAMILYHUB_BENCH_SYNTH_PEOPLE`` (and ``FAMILYHUB_BENCH_SYNTH_SEED``) to change them:

    .venv/bin/python -m benchmarks synth
    FAMILYHUB_BENCH_SYNTH_PEOPLE=100000 .venv/bin/python -m benchmarks synth
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 180
TARGET_GB = 4.0


def _child(people: int, seed: int, out: str) -> None:
    from familyhub.synth.generate import generate

    generate(people=people, seed=seed, out=Path(out))


def main() -> None:
    people = int(os.environ.get("FAMILYHUB_BENCH_SYNTH_PEOPLE", "1000000"))
    seed = int(os.environ.get("FAMILYHUB_BENCH_SYNTH_SEED", "1"))
    with tempfile.TemporaryDirectory(prefix="bench_synth_") as tmp:
        start = time.perf_counter()
        child = ["-m", "benchmarks.bench_synth", "--child", str(people), str(seed), tmp]
        subprocess.run(
            [sys.executable, *child],
            check=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        wall = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        manifest = json.loads((Path(tmp) / "truth" / "manifest.json").read_text("utf-8"))
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    peak_gb = usage.ru_maxrss / 1024 / 1024  # ru_maxrss is in KiB on Linux
    print(f"people: {people:,}  seed: {seed}")
    print(f"wall time: {wall:.1f} s (target < {TARGET_SECONDS} s)")
    print(f"cpu time: user {usage.ru_utime:.1f} s, system {usage.ru_stime:.1f} s")
    print(f"peak RSS: {peak_gb:.2f} GB (target < {TARGET_GB} GB)")
    print(f"output: {size / 1024**2:.0f} MB")
    for name, rows in manifest["files"].items():
        print(f"  {name}: {rows:,} rows")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        main()
