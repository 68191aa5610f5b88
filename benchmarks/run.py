"""Scale benchmarks: build, stats, gaps, what-if, every canned query and the explorer of one
chain, on synthetic datasets of growing size and of two shapes (``benchmarks.generate.SHAPES``),
with rdflib's in-memory store and pyoxigraph's bulk load of the same triples (the floor)
measured in the same run.

Each measurement runs in its own Python process, so its peak memory (VmHWM) is its own and
no cache carries over; the time is taken around the step only (not the imports).
Results are merged into a JSON file, and ``BENCHMARKS.md`` is written from all of them::

    python -m benchmarks.run --sizes S,M --repeat 3                # both shapes
    python -m benchmarks.run --sizes L --shapes wide --repeat 1    # adds L of one shape

Records are keyed by shape, size and step; a record without a shape (written before shapes
existed) is of the ``base`` shape.

>>> summary = summarise([{"size": "S", "step": "build", "seconds": 2.0, "rss_mb": 100.0, "triples": 10}] * 3)
>>> summary["base"]["S"]["build"]["seconds"]
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

from benchmarks.generate import SHAPES as GENERATED_SHAPES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_WORK = Path(tempfile.gettempdir()) / "kg-bench"
SIZES = ("S", "M", "L", "XL")

SHAPES = tuple(GENERATED_SHAPES)  # the named shapes of benchmarks/generate.py, in its order

# Targets on a 2-core machine. At XL (5M triples), for every shape: the build within 2.5× the
# floor measured in the same run, every kg step's peak memory within 1.5 GB, and growth from
# L (1M) to XL no worse than linear: per step, the ratio XL/L of its median time (steps of at
# least GROWTH_MIN_SECONDS at L, below which the noise of one run is larger than the step) and
# of its peak memory at most the ratio of triples times GROWTH_TOLERANCE.
XL_BUILD_OVER_FLOOR = 2.5
PEAK_MB = 1536.0
GROWTH_TOLERANCE = 1.2
GROWTH_MIN_SECONDS = 0.5
# At L (1M triples): gaps on an endpoint within 3 s, each canned query within 1 s; and the
# earlier targets at L: the build within 3× the floor, gaps on the kept product graph within
# 5 s, peak memory within 1.5 GB.
BUILD_OVER_FLOOR = 3.0
ENDPOINT_GAPS_SECONDS = 3.0
GAPS_SECONDS = 5.0
QUERY_SECONDS = 1.0
REFERENCES = ("floor", "rdflib", "shacl-pyshacl")  # not kg steps: left out of the memory targets

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


def _process_peak_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of another process, in MB, while it runs."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _endpoint_gaps(out: Path, scratch: Path) -> dict[str, Any]:
    """``kg gaps --endpoint``: the analysis over HTTP from a local Oxigraph server (the
    ``oxigraph`` command kg serve runs) holding the build's store, linked into ``scratch``
    as kg serve does. Times the analysis only; ``server_mb`` is the server's peak memory."""
    from kg.analysis.gaps import analyse
    from kg.store.children import die_with_parent
    from kg.store.endpoint import free_port, link_store, oxigraph_binary, wait_listening
    from kg.store.generations import current_generation
    from kg.store.stores import RemoteStore

    served = link_store(current_generation(out) / "store", scratch / "served")
    port = free_port()
    server = subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(served),
                               "--bind", f"127.0.0.1:{port}"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              preexec_fn=die_with_parent)
    try:
        wait_listening("127.0.0.1", port, timeout=300, process=server)
        start = time.perf_counter()
        result = analyse(RemoteStore(f"http://127.0.0.1:{port}/query", timeout=3600))
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "gaps": len(result.gaps), "products": result.graph.number_of_nodes(),
                "server_mb": _process_peak_mb(server.pid)}
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _data_lines(nt: Path):
    """The data triples of graph.nt (the ontology's left out), one line at a time."""
    with open(nt, "rb") as handle:
        for line in handle:
            if line.startswith(b"<https://w3id.org/kg-chain/id/"):
                yield line


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
    elif step == "build-no-turtle":
        from kg.store.build import build

        detail["triples"] = build(data, scratch / "build-no-turtle", force=True, turtle=False).triples
    elif step == "tables":
        from kg.tables.dataset import load_tables

        detail["rows"] = sum(len(f) for f in load_tables(data).values())
    elif step == "map":  # as the build maps: a column at a time, handed on (here dropped), no cycle collection
        from kg.collector import paused
        from kg.graph.mapping import write_ntriples
        from kg.tables.dataset import load_tables

        tables = load_tables(data)
        start = time.perf_counter()
        with paused():
            detail["triples"] = write_ntriples(tables, lambda text: None)
    elif step.startswith("shacl-"):
        engine = step.split("-", 1)[1]
        from kg.graph.shacl import TABLE_CHECKED, TABLE_CHECKED_SHAPES, pyshacl_violations, store_violations

        data_lines = _data_lines(nt)  # the data graph, as the build validates it
        if engine == "pyshacl":
            import rdflib

            text = b"".join(data_lines).decode("utf-8")
            start = time.perf_counter()
            graph = rdflib.Graph().parse(data=text, format="nt")
            detail["violations"] = len(pyshacl_violations(graph))
        else:
            import pyoxigraph as ox

            # As the build runs it: on the on-disk store, loaded in blocks and compacted.
            store = ox.Store(str(scratch / "shacl-store"))
            block: list[bytes] = []
            for line in data_lines:
                block.append(line)
                if len(block) >= 100_000:
                    store.bulk_load(input=b"".join(block), format=ox.RdfFormat.N_TRIPLES)
                    block = []
            store.bulk_load(input=b"".join(block), format=ox.RdfFormat.N_TRIPLES)
            store.optimize()
            start = time.perf_counter()
            # "store" as the build runs it; "all" every shape on every node
            skip, skip_shapes = (TABLE_CHECKED, TABLE_CHECKED_SHAPES) if engine == "store" else ((), ())
            detail["violations"] = len(store_violations(store, skip=skip, skip_shapes=skip_shapes))
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
    elif step == "gaps-endpoint":
        return _endpoint_gaps(out, scratch)
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
    """What is measured at a size: pyshacl and the whole-graph validation on the on-disk
    store only where they finish in minutes (the second ran over 6 minutes at L before it was
    stopped: the company and production nodes are what the build leaves to the table checks),
    rdflib's in-memory store up to L."""
    steps = ["floor", "build", "build-no-turtle", "tables", "map", "shacl-store", "stats", "gaps", "gaps-queried",
             "gaps-endpoint", "whatif", "viz", "rdflib-api"]
    if size in ("S", "M", "L"):
        steps.append("rdflib")
    if size in ("S", "M"):
        steps += ["shacl-all", "shacl-pyshacl"]
    return steps + [f"query:{name}" for name in canned_names()]


def _suffix(shape: str) -> str:
    """Folder-name suffix of a shape: none for base, whose folders keep their earlier names."""
    return "" if shape == "base" else f"-{shape}"


def dataset(size: str, work: Path, seed: int = 8, shape: str = "base") -> Path:
    """The synthetic dataset of a size and shape, generated once per (size, seed, shape)."""
    from benchmarks.generate import SIZES as TRIPLES
    from benchmarks.generate import generate

    folder = work / f"data-{size}-{seed}{_suffix(shape)}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        counts = generate(folder, TRIPLES[size], seed, shape)
        marker.write_text(json.dumps(counts), encoding="utf-8")
    return folder


def shape_of(record: dict) -> str:
    """The shape of a result record; records from before shapes existed are ``base``."""
    return record.get("shape", "base")


def run_size(size: str, repeat: int, work: Path, results: list[dict], save, steps: list[str] | None = None,
             log=print, shape: str = "base") -> None:
    """Measure every step (or ``steps``) of one size and shape, replacing earlier records of
    the same shape, size and step in ``results``; ``save`` is called after each run."""
    from kg.store.build import build

    data = dataset(size, work, shape=shape)
    out = work / f"build-{size}{_suffix(shape)}"
    built = build(data, out)
    triples = built.triples
    results[:] = [r for r in results
                  if (shape_of(r), r["size"]) != (shape, size) or (steps and r["step"] not in steps)]
    for step in steps or steps_for(size):
        times = 1 if step in ("rdflib", "shacl-pyshacl", "shacl-all") and size not in ("S",) else repeat
        for i in range(times):
            result = run_step(step, data, out, work)
            result.update(shape=shape, size=size, step=step, run=i, triples=triples, load=os.getloadavg()[0],
                          at=time.time())
            results.append(result)
            save()
            shown = f"{result['seconds']:.3f} s, {result['rss_mb']:.0f} MB" if "seconds" in result else result["error"]
            log(f"{shape} {size} {step} #{i + 1}: {shown}")
            if "error" in result:
                break


def summarise(results: list[dict]) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
    """shape -> size -> step -> median seconds, max peak MB, runs, triples (failed runs left
    out)."""
    summary: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    for r in results:
        sizes = summary.setdefault(shape_of(r), {})
        if "seconds" not in r:
            sizes.setdefault(r["size"], {}).setdefault(r["step"], {"error": r.get("error", "failed")})
            continue
        cell = sizes.setdefault(r["size"], {}).setdefault(r["step"], {"all": [], "rss": []})
        cell.setdefault("all", []).append(r["seconds"])
        cell.setdefault("rss", []).append(r["rss_mb"])
        cell["triples"] = r["triples"]
        cell["detail"] = {k: v for k, v in r.items()
                          if k not in ("seconds", "rss_mb", "shape", "size", "step", "run")}
    for sizes in summary.values():
        for cell in (cell for steps in sizes.values() for cell in steps.values()):
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
    "build-no-turtle": "build --no-turtle: the same without graph.ttl (the national-size build, docs/scale-out.md)",
    "tables": "  of which: read + check the tables",
    "map": "  of which: map to N-Triples",
    "shacl-store": "  of which: SHACL on the on-disk store, company/production nodes and labels left to the tables",
    "shacl-all": "SHACL on the on-disk store, every node (not in the build)",
    "shacl-pyshacl": "SHACL with pyshacl, every node (not in the build)",
    "stats": "stats (totals + per chain)",
    "gaps": "gaps (the product graph the build kept + analysis)",
    "gaps-queried": "gaps, the product graph queried from the on-disk store (as on an endpoint)",
    "gaps-endpoint": "gaps --endpoint, a local Oxigraph server over the same store (kg's process)",
    "whatif": "whatif (10 products added)",
    "viz": "viz of one chain (the kept product graph + analysis + HTML)",
    "rdflib-api": "rdflib API over the store (oxrdflib): open + GROUP BY",
}


def _fmt(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


def _shape_words(shape: str) -> str:
    """What a shape is, in the words of its parameters."""
    known = GENERATED_SHAPES.get(shape)
    if known is None:
        return shape
    sources = "every row citing its own source" if known.own_sources else "every row citing the one synthetic source"
    return (f"about {known.producers:.1f} company–product rows and {known.projects_per_product:.1f} projects per "
            f"product, {sources}")


def _medians(sizes: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """The table of medians of one shape: a row per step, a column per size."""
    present = [z for z in SIZES if z in sizes]
    steps = [s for s in STEP_NAMES if any(s in sizes[z] for z in present)]
    steps += sorted({s for z in present for s in sizes[z] if s.startswith("query:")})
    lines = ["| step | " + " | ".join(
        f"{z} ({sizes[z]['floor']['triples']:,} triples)" if "triples" in sizes[z].get("floor", {}) else z
        for z in present) + " |", "|---|" + "---|" * len(present)]
    for step in steps:
        cells = []
        for z in present:
            cell = sizes[z].get(step)
            if cell is None:
                cells.append("–")
            elif "error" in cell and "seconds" not in cell:
                cells.append(f"failed: {cell['error'][:60]}")
            else:
                floor = sizes[z].get("floor", {}).get("seconds")
                ratio = f" ({cell['seconds'] / floor:.1f}×)" if floor else ""
                cells.append(f"{_fmt(cell['seconds'])}{ratio} ×{cell['runs']}, {cell['rss_mb']:.0f} MB")
        lines.append(f"| {STEP_NAMES.get(step, step.replace('query:', 'query: '))} | " + " | ".join(cells) + " |")
    return lines


def markdown(results: list[dict], info: dict[str, Any]) -> str:
    """BENCHMARKS.md from the results: machine, a table of medians with ratios to the floor
    per shape, and each target per shape, met or not."""
    summary = summarise(results)
    shapes = [z for z in SHAPES if z in summary] + sorted(set(summary) - set(SHAPES))
    lines = ["# Benchmarks", "",
             "Written by `python -m benchmarks.run` (do not edit by hand). Synthetic data from",
             "`benchmarks/generate.py` (seed 8), in the shapes named below; each cell is the median of the",
             "runs shown, in seconds, then the ratio to the floor (pyoxigraph's bulk load of the same",
             "triples, measured in the same run). Each measurement runs in its own process; peak memory is",
             "that process's VmHWM.", ""]
    missing = [z for z in SHAPES if z not in summary]
    if missing:
        lines += [f"Not measured in these results: shape {', '.join(missing)}.", ""]
    lines += ["## Machine", ""]
    m = info["machine"]
    lines += [f"- {m['cpus']} CPUs ({m['cpu']}), {m['memory']} memory; {m['os']}",
              f"- Python {m['python']}, kg {m['kg']}, pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}, "
              f"pyshacl {m['pyshacl']}, pandas {m['pandas']}, networkx {m['networkx']}",
              f"- run {info['date']}; load average while running: {info.get('load', 'n/a')} "
              "(sampled after each step)", ""]
    for shape in shapes:
        lines += [f"## Medians, shape {shape}", "", f"Shape `{shape}`: {_shape_words(shape)}.", ""]
        lines += _medians(summary[shape]) + [""]
    lines += ["Cells: median seconds (ratio to the floor) ×runs, peak memory of the process.", ""]
    lines += ["## Targets", "", "For each shape, on this machine:", "",
              f"- at XL (5M triples): the build within {XL_BUILD_OVER_FLOOR:g}× the floor of the same run; the peak "
              f"memory of every kg step within {PEAK_MB / 1024:g} GB (the floor's, rdflib's and pyshacl's "
              "reference rows left out); growth from L (1M) to XL no worse than linear, per step: its median "
              "time at XL over that at "
              f"L (steps of {GROWTH_MIN_SECONDS:g} s or more at L) and its peak memory at XL over that at L, each "
              f"at most the ratio of triples × {GROWTH_TOLERANCE:g} (a tolerance for the noise of single runs);",
              f"- at L (1M): gaps on a local Oxigraph endpoint within {ENDPOINT_GAPS_SECONDS:g} s; each canned "
              f"query within {QUERY_SECONDS:g} s; and the earlier targets at L: the build within "
              f"{BUILD_OVER_FLOOR:g}× the floor, gaps on the kept product graph within {GAPS_SECONDS:g} s, peak "
              f"memory within {PEAK_MB / 1024:g} GB.", ""]
    for shape in shapes:
        lines += [f"### Shape {shape}", ""] + targets(summary[shape])
    return "\n".join(lines) + "\n"


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def _peak(at: dict[str, dict[str, Any]]) -> tuple[float, str]:
    """The highest peak memory of a kg step at one size, and its step."""
    return max((v["rss_mb"], k) for k, v in at.items() if "rss_mb" in v and k not in REFERENCES)


def growth(small: dict[str, dict[str, Any]], large: dict[str, dict[str, Any]]) -> tuple[float, list[str]]:
    """The ratio of triples from ``small`` to ``large`` (one size's steps each), and every
    step that grows worse than linear: time (steps of at least GROWTH_MIN_SECONDS at the
    small size) or peak memory (kg steps) over the ratio of triples × GROWTH_TOLERANCE, or a
    step that finished at the small size and not at the large."""
    ratio = large["floor"]["triples"] / small["floor"]["triples"]
    limit = ratio * GROWTH_TOLERANCE
    worse = []
    for step, cell in large.items():
        base = small.get(step, {})
        if "seconds" not in base:
            continue
        if "seconds" not in cell:
            worse.append(f"{step} did not finish")
            continue
        if base["seconds"] >= GROWTH_MIN_SECONDS and cell["seconds"] / base["seconds"] > limit:
            times = cell["seconds"] / base["seconds"]  # the exponent k of time ∝ triples^k says by how much
            worse.append(f"{step} time {times:.1f}× (k = {math.log(times) / math.log(ratio):.2f})")
        if step not in REFERENCES and cell["rss_mb"] / base["rss_mb"] > limit:
            worse.append(f"{step} memory {cell['rss_mb'] / base['rss_mb']:.1f}×")
    return ratio, worse


def _without_turtle(cells: dict[str, dict[str, Any]], floor: float, limit: float) -> list[str]:
    """The build-target line for ``kg build --no-turtle``, when it was measured."""
    seconds = cells.get("build-no-turtle", {}).get("seconds")
    if seconds is None:
        return []
    return [f"  - without graph.ttl (`kg build --no-turtle`, as docs/scale-out.md builds national-size data): "
            f"{seconds:.1f} s / {floor:.1f} s = {seconds / floor:.1f}× — {_verdict(seconds <= limit * floor)}"]


def targets(sizes: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """The targets of one shape (size -> step -> cell), each met or the measured gap."""
    out = []
    xl, at = sizes.get("XL"), sizes.get("L")
    if xl and "seconds" in xl.get("floor", {}) and "seconds" in xl.get("build", {}):
        floor, build = xl["floor"]["seconds"], xl["build"]["seconds"]
        peak, where = _peak(xl)
        out += ["At XL:", "",
                f"- build ≤ {XL_BUILD_OVER_FLOOR:g}× floor: {build:.1f} s / {floor:.1f} s = {build / floor:.1f}× — "
                f"{_verdict(build <= XL_BUILD_OVER_FLOOR * floor)}",
                *_without_turtle(xl, floor, XL_BUILD_OVER_FLOOR),
                f"- peak memory ≤ {PEAK_MB / 1024:g} GB (any kg step): {peak:.0f} MB ({where}) — "
                f"{_verdict(peak <= PEAK_MB)}"]
        if at and "triples" in at.get("floor", {}):
            ratio, worse = growth(at, xl)
            out.append(f"- L → XL growth no worse than linear (triples ×{ratio:.2f}, limit "
                       f"×{ratio * GROWTH_TOLERANCE:.2f} per step): "
                       + (_verdict(True) if not worse else f"{_verdict(False)}: " + ", ".join(worse)))
        else:
            out.append("- L → XL growth: L was not measured in these results: no verdict.")
        out.append("")
    else:
        out += ["XL was not measured in these results: no verdict at XL.", ""]
    if not at or "seconds" not in at.get("floor", {}) or "seconds" not in at.get("build", {}):
        return out + ["L was not measured in these results: no verdict at L.", ""]
    floor, build = at["floor"]["seconds"], at["build"]["seconds"]
    queries = {k: v for k, v in at.items() if k.startswith("query:")}
    slow = {k[6:]: v["seconds"] for k, v in queries.items() if v.get("seconds", 1e9) > QUERY_SECONDS}
    out += ["At L:", ""]
    endpoint = at.get("gaps-endpoint", {})
    queried = at.get("gaps-queried", {}).get("seconds")
    if "seconds" in endpoint:
        server = endpoint.get("detail", {}).get("server_mb")
        out.append(f"- gaps --endpoint on a local Oxigraph server ≤ {ENDPOINT_GAPS_SECONDS:g} s: "
                   f"{endpoint['seconds']:.1f} s — {_verdict(endpoint['seconds'] <= ENDPOINT_GAPS_SECONDS)}"
                   + (f" (the server's peak memory: {server:.0f} MB)" if server else ""))
        if queried is not None:
            out.append(f"  - for comparison, the product graph queried in-process from the on-disk store: "
                       f"{queried:.1f} s")
    elif queried is not None:  # results from before the endpoint step: the in-process query stands in
        out.append(f"- gaps as on an endpoint ≤ {ENDPOINT_GAPS_SECONDS:g} s (no endpoint run in these results; the "
                   f"product graph queried in-process from the on-disk store stands in): {queried:.1f} s — "
                   f"{_verdict(queried <= ENDPOINT_GAPS_SECONDS)}")
    else:
        out.append(f"- gaps --endpoint ≤ {ENDPOINT_GAPS_SECONDS:g} s: not measured"
                   + (f" ({endpoint['error'][:80]})" if "error" in endpoint else ""))
    out.append(f"- each canned query ≤ {QUERY_SECONDS:g} s: {len(queries)} queries, slowest "
               + (f"{max(v.get('seconds', 0) for v in queries.values()):.2f} s" if queries else "n/a")
               + f" — {_verdict(not slow and bool(queries))}" + (f" (over: {', '.join(sorted(slow))})" if slow else ""))
    out.append(f"- build ≤ {BUILD_OVER_FLOOR:g}× floor: {build:.1f} s / {floor:.1f} s = {build / floor:.1f}× — "
               f"{_verdict(build <= BUILD_OVER_FLOOR * floor)}")
    gaps = at.get("gaps", {}).get("seconds")
    out.append(f"- gaps on the kept product graph ≤ {GAPS_SECONDS:g} s: "
               + (f"{gaps:.1f} s — {_verdict(gaps <= GAPS_SECONDS)}" if gaps is not None else "not measured"))
    peak, where = _peak(at)
    out.append(f"- peak memory ≤ {PEAK_MB / 1024:g} GB (any kg step): {peak:.0f} MB ({where}) — "
               f"{_verdict(peak <= PEAK_MB)}")
    return out + [""]


def _render(results: list[dict], info: dict[str, Any], output: Path, notes: Path) -> None:
    text = markdown(results, info)
    if notes.exists():
        text += "\n" + notes.read_text(encoding="utf-8")
    output.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the kg scale benchmarks and write BENCHMARKS.md.")
    parser.add_argument("--sizes", default="S,M", help="comma-separated sizes among S, M, L, XL")
    parser.add_argument("--shapes", default=",".join(SHAPES),
                        help=f"comma-separated shapes among {', '.join(SHAPES)} (benchmarks/generate.py)")
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
            end = f"{last:%H:%M}" if last.date() == first.date() else f"{last:%Y-%m-%d %H:%M}"
            info["date"] = f"{first:%Y-%m-%d %H:%M}–{end} UTC"
        args.results.write_text(json.dumps({"info": info, "results": results}, indent=1), encoding="utf-8")
        _render(results, info, args.output, args.notes)

    steps = [s for s in args.steps.split(",") if s] or None
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    for size in sizes:
        if size not in SIZES:
            raise SystemExit(f"unknown size {size!r}: use {', '.join(SIZES)}")
    for shape in shapes:
        if shape not in SHAPES:
            raise SystemExit(f"unknown shape {shape!r}: use {', '.join(SHAPES)}")
    for shape in shapes:
        for size in sizes:
            run_size(size, args.repeat, args.work, results, save, steps, shape=shape)
    save()
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
