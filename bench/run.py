"""`make bench`: run every benchmark in bench/ and write their figures to bench/RESULTS.md.

Each benchmark module has `run() -> list[str]`, the Markdown lines of its section. Machines
here are shared and noisy, so every figure is paired with the bare library doing the same
work in the same run, and the ratio is what to compare between runs.
"""

from __future__ import annotations

import importlib
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS = [
    "bench.bench_filing",
    "bench.bench_inbox",
    "bench.bench_generate",
    "bench.bench_seals",
    "bench.bench_analyzers",
    "bench.bench_index",
    "bench.bench_engines",
    "bench.bench_recall",
    "bench.bench_scale",
    "bench.bench_backup",
    "bench.bench_stores",
    "bench.bench_pgcatalog",
    "bench.bench_province",
    "bench.bench_startup",
    "bench.bench_web",
    "bench.bench_suite",
]
RESULTS = Path(__file__).with_name("RESULTS.md")
SECTIONS = Path(__file__).with_name("out")  # the latest section of each benchmark (not kept)


def main(names: list[str]) -> int:
    """Run the benchmarks named (`bench_startup` or just `startup`), or all of them."""
    unknown = [n for n in names if not any(n in _names(b) for b in BENCHMARKS)]
    if unknown:
        known = ", ".join(_names(b)[1] for b in BENCHMARKS)
        print(f"bench.run: no benchmark {', '.join(unknown)} (one of {known})", file=sys.stderr)
        return 2
    chosen = [b for b in BENCHMARKS if not names or set(_names(b)) & set(names)]
    SECTIONS.mkdir(exist_ok=True)
    for name in chosen:
        print(f"running {name} ...", flush=True)
        lines = importlib.import_module(name).run()
        print("\n".join(lines), flush=True)
        stamp = (
            f"_Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
            f"Python {platform.python_version()}, {_cpus()} CPUs._"
        )
        (SECTIONS / f"{name}.md").write_text("\n".join([*lines, "", stamp]), encoding="utf-8")
    write_results(chosen)
    return 0


def _names(benchmark: str) -> tuple[str, str]:
    """The names a benchmark is chosen by: its module's, with and without `bench_`."""
    module = benchmark.rsplit(".", 1)[1]
    return module, module.removeprefix("bench_")


def write_results(ran: list[str]) -> None:
    """RESULTS.md with the sections of the benchmarks in `ran` as they were just written to
    bench/out/, and every other section as RESULTS.md holds it (an output left in bench/out/
    by an earlier run may be older than what RESULTS.md now says: it is not used)."""
    kept = _committed_sections()
    sections = []
    for b in BENCHMARKS:
        fresh = SECTIONS / f"{b}.md"
        if b in ran and fresh.is_file():
            sections.append(fresh.read_text(encoding="utf-8"))
        elif b in kept:
            sections.append(kept[b])
    header = [
        "# Benchmark results",
        "",
        "Reproduce with `make bench` (all) or `.venv/bin/python -m bench.run NAME` (one of "
        + ", ".join(f"`{b.rsplit('.', 1)[1]}`" for b in BENCHMARKS)
        + "). Machines here are shared and noisy: compare the ratios, not the absolute times.",
        "",
    ]
    RESULTS.write_text("\n".join(header) + "\n\n".join(sections) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


def _committed_sections() -> dict[str, str]:
    """The sections of the current RESULTS.md, by benchmark (a heading names its file)."""
    if not RESULTS.is_file():
        return {}
    found: dict[str, list[str]] = {}
    owner: str | None = None
    for line in RESULTS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            owner = next(
                (b for b in BENCHMARKS if f"`bench/{b.rsplit('.', 1)[1]}.py`" in line), None
            )
        if owner:
            found.setdefault(owner, []).append(line)
    return {b: "\n".join(lines).strip() for b, lines in found.items()}


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
