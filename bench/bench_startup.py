"""Benchmark: how long the light commands take to start, next to a bare ``python -c pass``.

Each command runs in a fresh interpreter, alternating with the baseline so that machine load hits both
alike; the best of N runs of each is compared. Target (issue 13): ``check`` on the example course within
10x of the bare interpreter. Run: ``uv run python bench/bench_startup.py [--runs N]``.

``--instructions`` also counts the instructions each start executes, under valgrind (callgrind), with a
fixed hash seed: a count that machine load does not change, where the wall and CPU ratios of a shared
machine swing from run to run. It needs valgrind, and takes about a minute.

Each command runs as a user runs it: the installed ``ta-delivery`` script beside the interpreter (``python -m
ta_delivery`` where there is none, which adds ``runpy``). The table gives the best of N runs and, for
``check``, the ratio of the medians too: the best bare start is the one most lucky with the machine.

Bytecode: a package installed by pip has its ``.pyc`` files (uv writes them with ``--compile-bytecode``,
else the first start does). The development container sets ``PYTHONDONTWRITEBYTECODE=1``, which makes every
start compile every module from source; the runs here unset it and keep the bytecode in a temporary
``PYTHONPYCACHEPREFIX`` (one warm-up run fills it), so they measure a start as an installed copy makes it.
``--no-bytecode`` measures the other.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rtpc-caribbean-2027" / "course.toml"
_SCRIPT = Path(sys.executable).with_name("ta-delivery")
#: How a user starts the command line: the installed script, run by this interpreter.
ENTRY = [str(_SCRIPT)] if _SCRIPT.is_file() else ["-m", "ta_delivery"]

COMMANDS: dict[str, list[str]] = {
    "--version": [*ENTRY, "--version"],
    "--help": [*ENTRY, "--help"],
    "check (example course)": [*ENTRY, "check", str(EXAMPLE)],
    "slots (example, one week)": [
        *ENTRY,
        "slots",
        str(EXAMPLE),
        "--minutes",
        "90",
        "--from",
        "2027-08-09",
        "--to",
        "2027-08-13",
    ],
}
BASELINE = ["-c", "pass"]


def wall(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run in a fresh interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], check=False, capture_output=True, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def instructions(args: list[str], env: dict[str, str]) -> int | None:
    """Instructions one start executes (valgrind's callgrind count), or ``None`` without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    run = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, *args],
        check=False,
        capture_output=True,
        text=True,
        env={**env, "PYTHONHASHSEED": "0"},
    )
    found = re.search(r"Collected : (\d+)", run.stderr)
    return int(found.group(1)) if found else None


def count_instructions(env: dict[str, str]) -> None:
    base = instructions(BASELINE, env)
    if base is None:
        print("instructions: valgrind is not installed")
        return
    print(f"{'command':28} {'instructions':>14} {'bare':>10} {'ratio':>6}")
    for name, args in COMMANDS.items():
        ours = instructions(args, env) or 0
        print(f"{name:28} {ours / 1e6:12.0f} M {base / 1e6:8.0f} M {ours / base:5.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-bytecode", action="store_true", help="compile from source at every start")
    parser.add_argument("--instructions", action="store_true", help="also count instructions (valgrind)")
    options = parser.parse_args()
    env = dict(os.environ)
    cache = tempfile.TemporaryDirectory(prefix="ta-delivery-pyc-")
    if options.no_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache.name
        for args in COMMANDS.values():  # warm-up: writes the bytecode
            wall(args, env)
    print(f"load average: {os.getloadavg()[0]:.1f}; best of {options.runs} runs")
    print(f"{'command':28} {'wall':>8} {'bare':>8} {'ratio':>6}   {'CPU':>8} {'bare':>8} {'ratio':>6}")
    check = (0.0, 0.0, 0.0)
    for name, args in COMMANDS.items():
        ours: list[tuple[float, float]] = []
        bare: list[tuple[float, float]] = []
        for _ in range(options.runs):  # side by side: one of each, in turn
            bare.append(wall(BASELINE, env))
            ours.append(wall(args, env))
        w, wb = min(t[0] for t in ours), min(t[0] for t in bare)
        c, cb = min(t[1] for t in ours), min(t[1] for t in bare)
        if name.startswith("check"):
            median = statistics.median(t[0] for t in ours) / statistics.median(t[0] for t in bare)
            check = (w / wb, c / cb, median)
        print(f"{name:28} {w:7.3f}s {wb:7.3f}s {w / wb:5.1f}x   {c:7.3f}s {cb:7.3f}s {c / cb:5.1f}x")
    print(
        f"check / bare python: {check[0]:.1f}x wall, {check[1]:.1f}x CPU (best of each); "
        f"{check[2]:.1f}x wall (medians); target: within 10x"
    )
    if options.instructions:
        count_instructions(env)
    cache.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
