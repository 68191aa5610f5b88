"""`kg serve` under load, on loopback, bounded in time: 50 concurrent clients send the canned
queries for 30 s while one client sends a runaway query (a cross product of all triples).
Every request is answered or refused with an HTTP status (no reset, no hang), the runaway is
stopped at the timeout while the other clients keep being served, and the server's memory
stays bounded. The figures are printed and written to load-figures.json."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from kg.paths import default_data_dir
from kg.store.sparql import bind, canned_queries
from kg.store.stores import inline_values, with_prefixes
from tests.conftest import kg_serve

CLIENTS = 50
SECONDS = float(os.environ.get("KG_LOAD_SECONDS", "30"))
TIMEOUT = 3  # kg serve --timeout
GRACE = max(2.0, TIMEOUT / 2)  # what kg serve waits past the timeout before it ends a query for certain
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
MEMORY_LIMIT = 1 << 30  # bytes: the server (front and engine together) stays under 1 GiB


def queries() -> list[str]:
    """The canned queries with their default parameters, as the query page sends them."""
    texts = []
    for query in canned_queries():
        body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#")).strip()
        texts.append(with_prefixes(inline_values(body, bind(query, {}))))
    return texts


def rss_of_tree(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            with open(f"/proc/{current}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def ask(url: str, query: str, timeout: float) -> tuple[str, int | None, float]:
    """One request: ('ok'|'refused'|'broken', HTTP status, seconds). 'broken' is anything that
    is not an HTTP answer (reset, timeout, unreadable body)."""
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(url, data=data, headers={
        "Accept": "application/sparql-results+json, application/n-triples;q=0.9"})  # SELECT/ASK or CONSTRUCT
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            if "json" in response.headers.get("Content-Type", ""):
                json.loads(body)
            return "ok", response.status, time.monotonic() - started
    except urllib.error.HTTPError as exc:
        exc.read()
        return "refused", exc.code, time.monotonic() - started
    except Exception:  # noqa: BLE001 - every other failure is what this test counts
        return "broken", None, time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


@pytest.fixture
def server(shipped_build, tmp_path):
    """`kg serve` over the shipped build on a free loopback port, stopped after the test."""
    with kg_serve(default_data_dir(), shipped_build, tmp_path / "serve.log", TIMEOUT) as (base, process):
        yield f"{base}/query", process


def test_fifty_clients_and_a_runaway_query(server, tmp_path, capsys):
    url, process = server
    texts = queries()
    for text in texts:  # each canned query works on its own first
        assert ask(url, text, 30)[0] == "ok", text
    results: list[tuple[float, str, int | None, float]] = []  # (start offset, outcome, status, seconds)
    lock = threading.Lock()
    began = time.monotonic()
    deadline = began + SECONDS
    peak = [rss_of_tree(process.pid)]

    def client(number: int) -> None:
        i = number
        while time.monotonic() < deadline:
            start = time.monotonic() - began
            outcome = ask(url, texts[i % len(texts)], timeout=TIMEOUT + GRACE + 10)
            with lock:
                results.append((start, *outcome))
            i += 1

    runaway: dict[str, object] = {}

    def runaway_client() -> None:
        time.sleep(min(5.0, SECONDS / 4))
        runaway["start"] = time.monotonic() - began
        runaway["outcome"], runaway["status"], runaway["seconds"] = ask(url, RUNAWAY, timeout=60)

    def watch_memory() -> None:
        while time.monotonic() < deadline + 1:
            peak[0] = max(peak[0], rss_of_tree(process.pid))
            time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    threads += [threading.Thread(target=runaway_client), threading.Thread(target=watch_memory)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    assert not any(t.is_alive() for t in threads), "a client never finished"
    elapsed = time.monotonic() - began

    ok = [r for r in results if r[1] == "ok"]
    refused = [r for r in results if r[1] == "refused"]
    broken = [r for r in results if r[1] == "broken"]
    latencies = [r[3] for r in ok]
    window = (runaway["start"], runaway["start"] + runaway["seconds"])
    served_during = [r for r in ok if window[0] <= r[0] and r[0] + r[3] <= window[1]]
    figures = {
        "clients": CLIENTS, "seconds": round(elapsed, 1), "requests": len(results), "answered": len(ok),
        "refused": len(refused), "refused_by_status": dict(Counter(str(r[2]) for r in refused)), "errors": len(broken),
        "requests_per_second": round(len(results) / elapsed, 1),
        "p50_ms": round(1000 * percentile(latencies, 0.50), 1), "p99_ms": round(1000 * percentile(latencies, 0.99), 1),
        "max_ms": round(1000 * max(latencies), 1), "peak_memory_mb": round(peak[0] / 2**20, 1),
        "runaway": {"status": runaway["status"], "stopped_after_s": round(runaway["seconds"], 2),
                    "timeout_s": TIMEOUT, "answered_meanwhile": len(served_during)},
    }
    (tmp_path / "load-figures.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    with capsys.disabled():
        print(f"\nload test figures: {json.dumps(figures)}")

    assert not broken, f"{len(broken)} requests got no HTTP answer"
    assert len(ok) >= CLIENTS and len(ok) > 0.9 * len(results)
    assert runaway["outcome"] == "refused" and runaway["status"] == 503
    assert runaway["seconds"] <= TIMEOUT + GRACE + 3  # stopped at the timeout, not when it finished
    assert served_during, "no other client was answered while the runaway query ran"
    assert peak[0] < MEMORY_LIMIT
    assert process.poll() is None  # the server is still up
    assert ask(url, texts[0], 30)[0] == "ok"  # and still answers
