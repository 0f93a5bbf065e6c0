"""How long ``img2code --help`` takes to start: medians over many runs, as JSON.

    .venv/bin/python benchmarks/startup.py                      # this checkout
    .venv/bin/python benchmarks/startup.py --baseline ../main/.venv/bin/python   # beside another one

With ``--baseline`` the two interpreters' runs alternate, so a machine that gets busier halfway
weighs on both alike. ``python -c pass`` is measured too: the floor no import can go below.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline", type=Path, help="another venv's python to measure beside this one")
    args = parser.parse_args()
    pythons = {"this": Path(sys.executable)}
    if args.baseline:
        pythons["baseline"] = args.baseline
    times: dict[str, list[float]] = {name: [] for name in pythons}
    bare: list[float] = []
    for _ in range(args.runs):
        bare.append(seconds([sys.executable, "-c", "pass"]))
        for name, python in pythons.items():
            times[name].append(seconds([str(python.with_name("img2code")), "--help"]))
    report = {"runs": args.runs, "python -c pass": summary(bare)}
    report.update({f"img2code --help ({name}: {pythons[name]})": summary(t) for name, t in times.items()})
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
