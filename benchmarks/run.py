"""Scale benchmarks: build, stats, gaps, what-if, every canned query and the explorer of one
chain, on synthetic datasets of growing size, with rdflib's in-memory store and pyoxigraph's
bulk load of the same triples (the floor) measured in the same run.

Each measurement runs in its own Python process, so its peak memory (VmHWM) is its own and
no cache carries over; the time is taken around the step only (not the imports).
Results are merged into a JSON file, and ``BENCHMARKS.md`` is written from all of them::

    python -m benchmarks.run --sizes S,M --repeat 3
    python -m benchmarks.run --sizes L --repeat 1      # adds L to the same results

>>> summary = summarise([{"size": "S", "step": "build", "seconds": 2.0, "rss_mb": 100.0, "triples": 10}] * 3)
>>> summary["S"]["build"]["seconds"]
2.0
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_WORK = Path(tempfile.gettempdir()) / "kg-bench"
SIZES = ("S", "M", "L", "XL")

# Targets at L on a 2-core machine (issue 8).
TARGET_SIZE = "L"
BUILD_OVER_FLOOR = 3.0
GAPS_SECONDS = 5.0
QUERY_SECONDS = 1.0
PEAK_MB = 1536.0

# Parameter values for the canned queries on synthetic data, by parameter kind (the shipped
# defaults name real products and companies, which the synthetic data does not have).
SYNTHETIC_PARAMS = {"product": "p-000010", "company": "c-0000001", "iri": "project:j-000001", "chain": "salt",
                    "integer": "2026", "status": "operating", "segment": "midstream"}


# --- one measurement, in a child process -------------------------------------------------

def _store(out: Path):
    from kg.store.generations import current_generation
    from kg.store.stores import LocalStore

    return LocalStore(current_generation(out) / "store")


def _query_step(name: str, out: Path) -> dict[str, Any]:
    from kg.store.sparql import bind, canned_queries, run

    query = next(q for q in canned_queries() if q.name == name)
    values = {p.name: SYNTHETIC_PARAMS[p.kind] for p in query.params if p.default is not None
              and p.kind in SYNTHETIC_PARAMS}
    store = _store(out)
    terms = bind(query, values)
    start = time.perf_counter()
    result = run(store, query.text, terms, name)
    rows = len(result.rows) if result.rows is not None else 0
    return {"seconds": time.perf_counter() - start, "rows": rows}


def measure(step: str, data: Path, out: Path, scratch: Path) -> dict[str, Any]:
    """Run one step once and time it; ``out`` holds a current build of ``data`` for the
    steps that read the graph. Returns ``seconds`` and what the step produced."""
    import importlib

    for module in ("pyoxigraph", "rdflib", "oxrdflib", "pandas", "networkx", "kg.store.build", "kg.tables.dataset",
                   "kg.graph.mapping", "kg.graph.shacl", "kg.store.stores", "kg.analysis.stats", "kg.store.sparql",
                   "kg.store.projection", "kg.analysis.gaps", "kg.analysis.whatif", "kg.outputs.explorer"):
        importlib.import_module(module)  # before the clock starts, for every step alike
    nt = out / "graph.nt"
    if step.startswith("query:"):
        return _query_step(step.split(":", 1)[1], out)
    start = time.perf_counter()
    detail: dict[str, Any] = {}
    if step == "floor":  # pyoxigraph's bulk load of the build's triples into an on-disk store
        import pyoxigraph as ox

        store = ox.Store(str(scratch / "floor-store"))
        store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        detail["triples"] = len(store)
    elif step == "rdflib":  # rdflib's in-memory store parsing the same N-Triples
        import rdflib

        graph = rdflib.Graph()
        graph.parse(str(nt), format="nt")
        detail["triples"] = len(graph)
    elif step == "build":
        from kg.store.build import build

        detail["triples"] = build(data, scratch / "build", force=True).triples
    elif step == "tables":
        from kg.tables.dataset import load_tables

        detail["rows"] = sum(len(f) for f in load_tables(data).values())
    elif step == "map":
        from kg.graph.mapping import to_ntriples
        from kg.tables.dataset import load_tables

        tables = load_tables(data)
        start = time.perf_counter()
        detail["triples"] = len(to_ntriples(tables))
    elif step.startswith("shacl-"):
        engine = step.split("-", 1)[1]
        from kg.graph.shacl import TABLE_CHECKED, pyshacl_violations, store_violations

        lines = [line for line in nt.read_text(encoding="utf-8").splitlines()
                 if line.startswith("<https://w3id.org/kg-chain/id/")]  # the data graph, as the build validates
        start = time.perf_counter()
        if engine == "pyshacl":
            import rdflib

            graph = rdflib.Graph().parse(data="\n".join(lines), format="nt")
            detail["violations"] = len(pyshacl_violations(graph))
        else:
            import pyoxigraph as ox

            store = ox.Store()
            store.bulk_load(input=("\n".join(lines) + "\n").encode(), format=ox.RdfFormat.N_TRIPLES)
            loaded = time.perf_counter()
            detail["load_seconds"] = loaded - start
            skip = TABLE_CHECKED if engine == "store" else ()
            detail["violations"] = len(store_violations(store, skip=skip))
            start = loaded  # the build validates the store it loads anyway: time the queries only
    elif step == "stats":
        from kg.analysis.stats import chain_stats, totals

        store = _store(out)
        start = time.perf_counter()
        detail["chains"] = len(chain_stats(store))
        detail["triples"] = totals(store)["triples"]
    elif step == "gaps":
        from kg.analysis.gaps import analyse

        store = _store(out)
        start = time.perf_counter()
        result = analyse(store)
        detail["gaps"] = len(result.gaps)
        detail["products"] = result.graph.number_of_nodes()
    elif step == "gaps-queried":  # as on a remote endpoint, or a build without projection.json
        from kg.analysis.gaps import analyse
        from kg.store.projection import product_graph

        store = _store(out)
        start = time.perf_counter()
        result = analyse(product_graph(store, cached=False))
        detail["gaps"] = len(result.gaps)
        detail["products"] = result.graph.number_of_nodes()
    elif step == "whatif":
        from kg.analysis.whatif import whatif
        from kg.store.projection import product_graph

        store = _store(out)
        start = time.perf_counter()
        G = product_graph(store)
        missing = sorted(p for p, d in G.nodes(data=True) if d.get("status") == "missing")[:10]
        result = whatif(G, add_products=missing)
        detail["changed"] = len(result.changed)
    elif step == "viz":  # as `kg viz --chain salt`: projection, analysis, one chain's HTML
        from kg.analysis.gaps import analyse
        from kg.outputs.explorer import write_explorer

        store = _store(out)
        start = time.perf_counter()
        graph = analyse(store).graph
        path = write_explorer(graph, scratch / "salt.html", chains=["salt"])
        detail["html_kb"] = path.stat().st_size // 1024
    elif step == "rdflib-api":  # kg.store.stores.rdflib_graph: rdflib's API over the build's store
        from kg.store.stores import rdflib_graph

        graph = rdflib_graph(out)
        rows = list(graph.query("SELECT ?c (COUNT(?p) AS ?n) WHERE { ?p a kg:Product ; kg:inChain ?c } GROUP BY ?c"))
        detail["rows"] = len(rows)
    else:
        raise SystemExit(f"unknown step {step!r}")
    detail["seconds"] = time.perf_counter() - start
    return detail


def peak_mb() -> float:
    """Peak resident memory of this process in MB: VmHWM, which starts afresh at exec (Linux
    carries ``ru_maxrss`` over from the parent that forked the process)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


MEMORY_LIMIT_MB = 6 * 1024  # a step past this is stopped: the machine is shared


def _watch_memory(limit_mb: float = MEMORY_LIMIT_MB) -> None:
    """Stop this process (exit 3, with a message) when its resident memory passes the limit."""
    import threading

    def watch() -> None:
        while True:
            try:
                rss = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                           if line.startswith("VmRSS:")) / 1024
            except (OSError, StopIteration):
                return
            if rss > limit_mb:
                print(f"stopped: resident memory passed {limit_mb:.0f} MB", file=sys.stderr, flush=True)
                os._exit(3)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()


def _child(args: argparse.Namespace) -> None:
    _watch_memory()
    scratch = Path(tempfile.mkdtemp(prefix="kg-step-", dir=args.scratch))
    try:
        result = measure(args.measure, Path(args.data), Path(args.out), scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["rss_mb"] = peak_mb()
    print(json.dumps(result))


def run_step(step: str, data: Path, out: Path, scratch: Path, timeout: float = 3600) -> dict[str, Any]:
    """One measurement in a fresh Python process; its JSON result (or ``error``)."""
    command = [sys.executable, "-m", "benchmarks.run", "--measure", step, "--data", str(data), "--out", str(out),
               "--scratch", str(scratch)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:300]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the whole run -------------------------------------------------------------------------

def canned_names() -> list[str]:
    """Names of the canned queries present now (kg/store/queries/*.rq)."""
    try:
        from kg.store.sparql import canned_queries
    except ImportError:
        return []
    return [q.name for q in canned_queries()]


def steps_for(size: str) -> list[str]:
    """What is measured at a size: pyshacl only where it finishes in minutes, the whole-graph
    store validation up to L, rdflib's in-memory store up to L."""
    steps = ["floor", "build", "tables", "map", "shacl-store", "stats", "gaps", "gaps-queried", "whatif", "viz",
             "rdflib-api"]
    if size in ("S", "M", "L"):
        steps += ["shacl-all", "rdflib"]
    if size in ("S", "M"):
        steps.append("shacl-pyshacl")
    return steps + [f"query:{name}" for name in canned_names()]


def dataset(size: str, work: Path, seed: int = 8) -> Path:
    """The synthetic dataset of a size, generated once per (size, seed)."""
    from benchmarks.generate import SIZES as TRIPLES
    from benchmarks.generate import generate

    folder = work / f"data-{size}-{seed}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        counts = generate(folder, TRIPLES[size], seed)
        marker.write_text(json.dumps(counts), encoding="utf-8")
    return folder


def run_size(size: str, repeat: int, work: Path, results: list[dict], save, steps: list[str] | None = None,
             log=print) -> None:
    from kg.store.build import build

    data = dataset(size, work)
    out = work / f"build-{size}"
    built = build(data, out)
    triples = built.triples
    results[:] = [r for r in results if r["size"] != size or (steps and r["step"] not in steps)]
    for step in steps or steps_for(size):
        times = 1 if step in ("rdflib", "shacl-pyshacl", "shacl-all") and size not in ("S",) else repeat
        for i in range(times):
            result = run_step(step, data, out, work)
            result.update(size=size, step=step, run=i, triples=triples, load=os.getloadavg()[0], at=time.time())
            results.append(result)
            save()
            shown = f"{result['seconds']:.3f} s, {result['rss_mb']:.0f} MB" if "seconds" in result else result["error"]
            log(f"{size} {step} #{i + 1}: {shown}")
            if "error" in result:
                break


def summarise(results: list[dict]) -> dict[str, dict[str, dict[str, Any]]]:
    """size -> step -> median seconds, max peak MB, runs, triples (failed runs left out)."""
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for r in results:
        if "seconds" not in r:
            summary.setdefault(r["size"], {}).setdefault(r["step"], {"error": r.get("error", "failed")})
            continue
        cell = summary.setdefault(r["size"], {}).setdefault(r["step"], {"all": [], "rss": []})
        cell.setdefault("all", []).append(r["seconds"])
        cell.setdefault("rss", []).append(r["rss_mb"])
        cell["triples"] = r["triples"]
        cell["detail"] = {k: v for k, v in r.items() if k not in ("seconds", "rss_mb", "size", "step", "run")}
    for steps in summary.values():
        for cell in steps.values():
            if "all" in cell:
                cell["seconds"] = statistics.median(cell["all"])
                cell["runs"] = len(cell["all"])
                cell["rss_mb"] = max(cell["rss"])
    return summary


def machine() -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        memory = f"{mem_kb / 1024 / 1024:.1f} GB"
    except (OSError, StopIteration):
        memory = "unknown"
    import networkx
    import pandas
    import pyoxigraph
    import pyshacl
    import rdflib

    import kg

    return {"cpus": str(os.cpu_count()), "cpu": cpu or platform.processor(), "memory": memory,
            "python": platform.python_version(), "kg": kg.__version__, "pyoxigraph": pyoxigraph.__version__,
            "rdflib": rdflib.__version__, "pyshacl": pyshacl.__version__, "pandas": pandas.__version__,
            "networkx": networkx.__version__, "os": platform.platform()}


STEP_NAMES = {
    "floor": "floor: pyoxigraph bulk load of graph.nt (on disk)",
    "rdflib": "reference: rdflib in-memory parse of graph.nt",
    "build": "build: tables → checked → RDF → SHACL → store + graph.nt + graph.ttl",
    "tables": "  of which: read + check the tables",
    "map": "  of which: map to N-Triples",
    "shacl-store": "  of which: SHACL on the store, company/production nodes left to the table checks",
    "shacl-all": "SHACL on the store, every node (not in the build)",
    "shacl-pyshacl": "SHACL with pyshacl, every node (not in the build)",
    "stats": "stats (totals + per chain)",
    "gaps": "gaps (the product graph the build kept + analysis)",
    "gaps-queried": "gaps, the product graph queried from the on-disk store (as on an endpoint)",
    "whatif": "whatif (10 products added)",
    "viz": "viz of one chain (the kept product graph + analysis + HTML)",
    "rdflib-api": "rdflib API over the store (oxrdflib): open + GROUP BY",
}


def _fmt(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


def markdown(results: list[dict], info: dict[str, Any]) -> str:
    """BENCHMARKS.md from the results: machine, a table of medians with ratios to the floor,
    and each target at L, met or not."""
    summary = summarise(results)
    sizes = [s for s in SIZES if s in summary]
    steps = [s for s in STEP_NAMES if any(s in summary[z] for z in sizes)]
    steps += sorted({s for z in sizes for s in summary[z] if s.startswith("query:")})
    lines = ["# Benchmarks", "",
             "Written by `python -m benchmarks.run` (do not edit by hand). Synthetic data from",
             "`benchmarks/generate.py` (seed 8); each cell is the median of the runs shown, in seconds,",
             "then the ratio to the floor (pyoxigraph's bulk load of the same triples, measured in the same",
             "run). Each measurement runs in its own process; peak memory is that process's VmHWM.", "",
             "## Machine", ""]
    m = info["machine"]
    lines += [f"- {m['cpus']} CPUs ({m['cpu']}), {m['memory']} memory; {m['os']}",
              f"- Python {m['python']}, kg {m['kg']}, pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}, "
              f"pyshacl {m['pyshacl']}, pandas {m['pandas']}, networkx {m['networkx']}",
              f"- run {info['date']}; load average while running: {info.get('load', 'n/a')} "
              "(sampled after each step)", ""]
    lines += ["## Medians", "", "| step | " + " | ".join(
        f"{z} ({summary[z]['floor']['triples']:,} triples)" if "floor" in summary[z] else z for z in sizes) + " |",
        "|---|" + "---|" * len(sizes)]
    for step in steps:
        cells = []
        for z in sizes:
            cell = summary[z].get(step)
            if cell is None:
                cells.append("–")
            elif "error" in cell and "seconds" not in cell:
                cells.append(f"failed: {cell['error'][:60]}")
            else:
                floor = summary[z].get("floor", {}).get("seconds")
                ratio = f" ({cell['seconds'] / floor:.1f}×)" if floor else ""
                cells.append(f"{_fmt(cell['seconds'])}{ratio} ×{cell['runs']}, {cell['rss_mb']:.0f} MB")
        lines.append(f"| {STEP_NAMES.get(step, step.replace('query:', 'query: '))} | " + " | ".join(cells) + " |")
    lines += ["", "Cells: median seconds (ratio to the floor) ×runs, peak memory of the process.", ""]
    lines += targets(summary)
    return "\n".join(lines) + "\n"


def targets(summary: dict) -> list[str]:
    """The targets of issue 8 at L, each met or the measured gap."""
    out = ["## Targets at L", ""]
    at = summary.get(TARGET_SIZE)
    if not at or "floor" not in at or "seconds" not in at.get("build", {}):
        return out + ["L was not measured in these results: no verdict.", ""]
    floor, build = at["floor"]["seconds"], at["build"]["seconds"]
    queries = {k: v for k, v in at.items() if k.startswith("query:")}
    slow = {k[6:]: v["seconds"] for k, v in queries.items() if v.get("seconds", 1e9) > QUERY_SECONDS}
    peak = max(v["rss_mb"] for k, v in at.items() if "rss_mb" in v and k not in ("rdflib", "shacl-pyshacl"))

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**not met**"

    out.append(f"- build ≤ {BUILD_OVER_FLOOR:g}× floor: {build:.1f} s / {floor:.1f} s = {build / floor:.1f}× — "
               f"{verdict(build <= BUILD_OVER_FLOOR * floor)}")
    gaps = at.get("gaps", {}).get("seconds")
    out.append(f"- gaps ≤ {GAPS_SECONDS:g} s: " + (f"{gaps:.1f} s — {verdict(gaps <= GAPS_SECONDS)}"
                                                   if gaps is not None else "not measured"))
    queried = at.get("gaps-queried", {}).get("seconds")
    if queried is not None:
        out.append(f"  - the same with the product graph queried from the store, as on an endpoint: {queried:.1f} s"
                   f" — {verdict(queried <= GAPS_SECONDS)}")
    out.append(f"- each canned query ≤ {QUERY_SECONDS:g} s: {len(queries)} queries, slowest "
               + (f"{max(v.get('seconds', 0) for v in queries.values()):.2f} s" if queries else "n/a")
               + f" — {verdict(not slow and bool(queries))}" + (f" (over: {', '.join(sorted(slow))})" if slow else ""))
    out.append(f"- peak memory ≤ {PEAK_MB / 1024:g} GB (any kg step, rdflib and pyshacl references excluded): "
               f"{peak:.0f} MB — {verdict(peak <= PEAK_MB)}")
    first, last = ("M", "XL") if "XL" in summary else ("M", "L")
    if first in summary and last in summary and "build" in summary[last]:
        growth = summary[last]["floor"]["triples"] / summary[first]["floor"]["triples"]
        worse = []
        for step, cell in summary[last].items():
            base = summary[first].get(step, {})
            if "seconds" not in cell and "seconds" in base:
                worse.append(f"{step} did not finish")
            elif "seconds" in cell and "seconds" in base and base["seconds"] > 0.05:
                ratio = cell["seconds"] / base["seconds"]
                if ratio > growth:  # the exponent k of time ∝ triples^k says by how much
                    worse.append(f"{step} {ratio:.0f}× (k = {math.log(ratio) / math.log(growth):.2f})")
        out.append(f"- {first} → {last} growth no worse than linear (triples ×{growth:.1f}; steps over 0.05 s at "
                   f"{first}): " + (verdict(True) if not worse else f"{verdict(False)}: " + ", ".join(worse)))
    return out + [""]


def _render(results: list[dict], info: dict[str, Any], output: Path, notes: Path) -> None:
    text = markdown(results, info)
    if notes.exists():
        text += "\n" + notes.read_text(encoding="utf-8")
    output.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the kg scale benchmarks and write BENCHMARKS.md.")
    parser.add_argument("--sizes", default="S,M", help="comma-separated sizes among S, M, L, XL")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step (the median is reported)")
    parser.add_argument("--steps", default="", help="only these steps (comma-separated), e.g. build,gaps")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="datasets and builds (kept between runs)")
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--output", type=Path, default=HERE / "BENCHMARKS.md")
    parser.add_argument("--notes", type=Path, default=HERE / "NOTES.md",
                        help="hand-written analysis appended to BENCHMARKS.md when the file exists")
    parser.add_argument("--render", action="store_true",
                        help="measure nothing: write BENCHMARKS.md again from the results file and the notes")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        _child(args)
        return
    stored = json.loads(args.results.read_text(encoding="utf-8")) if args.results.exists() else {}
    results: list[dict] = stored.get("results", [])
    if args.render:
        if "info" not in stored:
            raise SystemExit(f"--render: no results in {args.results}; run the benchmarks first")
        _render(results, stored["info"], args.output, args.notes)
        print(f"wrote {args.output}")
        return
    args.work.mkdir(parents=True, exist_ok=True)
    info = {"machine": machine(), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}

    def save() -> None:
        # The load and time of the results kept (each step records its own), not of every run ever.
        loads = [r["load"] for r in results if "load" in r]
        if loads:
            info["load"] = f"{statistics.median(loads):.1f} median, {max(loads):.1f} max (1-minute)"
        times = [r["at"] for r in results if "at" in r]
        if times:
            first, last = (datetime.fromtimestamp(t, UTC) for t in (min(times), max(times)))
            info["date"] = f"{first:%Y-%m-%d %H:%M}–{last:%H:%M} UTC"
        args.results.write_text(json.dumps({"info": info, "results": results}, indent=1), encoding="utf-8")
        _render(results, info, args.output, args.notes)

    steps = [s for s in args.steps.split(",") if s] or None
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        if size not in SIZES:
            raise SystemExit(f"unknown size {size!r}: use {', '.join(SIZES)}")
        run_size(size, args.repeat, args.work, results, save, steps)
    save()
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
