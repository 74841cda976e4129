"""Load on the web app's `/ask` API: N concurrent HTTP clients for S seconds.

A benchmark, not a test. It

1. builds an index of the bundled articles (`data/articles/`) in a temporary folder with
   `assistant ingest` (the real pipeline and the real embedding model; `--work DIR` keeps
   it and reuses it next time);
2. starts the app with `assistant serve` on 127.0.0.1 and a free port, as a subprocess,
   and waits for it to answer;
3. asks one question untimed (the first refreshes the searcher: its lexical cache catches up);
4. starts `--clients` threads, each with its own HTTP connection (`ApiClient`: Gradio's
   `POST /gradio_api/call/ask`, then its event stream), which ask the
   questions of tests/data/qa.jsonl (each client from its own offset, round robin;
   through `/ask`, i.e. without conversation history, so follow-ups are asked alone)
   back to back for `--seconds`; a request started before the end is waited for, at most
   `--request-timeout` seconds, and counted;
5. stops the server and reports requests served, errors (by kind), throughput and
   latency (p50 / p95 interpolated as in every report, see
   assistant/evaluation/percentile.py, and max; from submit to result, so queueing in
   the app's Gradio queue is included), as a Markdown table and, with `--json OUT`, as JSON.

Every request goes to 127.0.0.1 only; HF_HUB_OFFLINE=1.
The app runs its events with `default_concurrency_limit=CONCURRENCY` (assistant.web.layout) and
an unbounded queue, so requests beyond that wait in the queue instead of failing.

    .venv/bin/python benchmarks/load.py --clients 20 --seconds 60 --json /tmp/load.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.evaluation.percentile import percentile
from assistant.evaluation.questions import load_questions
from benchmarks.common import (
    ARTICLES,
    HOST,
    QUESTIONS,
    ROOT,
    AppServer,
    PeakRss,
    assistant_command,
    log,
    machine_info,
    mib,
)

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"


API_PATH = "/gradio_api/call/ask"


def question_texts() -> list[str]:
    return [question.question for question in load_questions(QUESTIONS)]


def build_index(db: Path, device: str | None) -> float:
    """`assistant ingest data/articles --if-empty` into `db`; returns the seconds it took."""
    started = time.perf_counter()
    command = assistant_command("ingest", str(ARTICLES), "--db", str(db), "--if-empty")
    if device:
        command += ["--device", device]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"ingest failed:\n{done.stdout}\n{done.stderr}")
    log(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "ingest done")
    return time.perf_counter() - started


# --- the clients ---------------------------------------------------------------------------


@dataclass
class ClientResult:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    abstained: int = 0
    unfinished: bool = False


def _kind(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:160]}" if text else type(error).__name__


class ApiClient:
    """Gradio's HTTP API over one kept-alive connection: POST the call, read its event stream.

    A plain client (the standard library's http.client) rather than gradio_client, whose
    threads took the CPU from the server they measured.
    """

    def __init__(self, url: str, timeout: float) -> None:
        parsed = urlparse(url)
        self.connection = http.client.HTTPConnection(
            parsed.hostname or HOST, parsed.port or 80, timeout=timeout
        )

    def _request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # reconnects on the next request
            raise
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status} from {path}: {data[:120]!r}")
        return data

    def ask(self, question: str, province: str, k: int) -> dict:
        payload = json.dumps({"data": [question, province, k]}).encode()
        event = json.loads(self._request("POST", API_PATH, payload))["event_id"]
        stream = self._request("GET", f"{API_PATH}/{event}").decode("utf-8")
        kind, data = "", ""
        for line in stream.splitlines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data = line.split(":", 1)[1].strip()
        if kind != "complete":
            raise RuntimeError(f"event {kind or 'missing'}: {data[:120]}")
        return json.loads(data)[0]

    def close(self) -> None:
        self.connection.close()


def run_client(
    number: int,
    url: str,
    questions: list[str],
    province: str,
    k: int,
    start: threading.Barrier,
    deadline: list[float],
    request_timeout: float,
    result: ClientResult,
) -> None:
    client = ApiClient(url, request_timeout)
    try:
        start.wait(timeout=600)
    except threading.BrokenBarrierError:
        return
    i = number * 7  # each client starts at its own place in the questions
    while time.perf_counter() < deadline[0]:
        question = questions[i % len(questions)]
        i += 1
        began = time.perf_counter()
        try:
            record = client.ask(question, province, k)
            elapsed = time.perf_counter() - began
            if not isinstance(record, dict) or "answer" not in record:
                result.errors.append(f"bad result: {type(record).__name__}")
                continue
            result.latencies.append(elapsed)
            result.abstained += bool(record.get("abstained"))
        except Exception as error:
            result.errors.append(_kind(error))
    client.close()


def run_load(
    urls: list[str],
    clients: int,
    seconds: float,
    province: str,
    k: int,
    request_timeout: float,
) -> dict:
    questions = question_texts()
    results = [ClientResult() for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    deadline = [float("inf")]
    threads = [
        threading.Thread(
            target=run_client,
            args=(
                n,
                urls[n % len(urls)],  # the clients split evenly across the apps
                questions,
                province,
                k,
                start,
                deadline,
                request_timeout,
                results[n],
            ),
            daemon=True,
            name=f"client-{n}",
        )
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    start.wait(timeout=600)  # every client connected (or failed to)
    began = time.perf_counter()
    deadline[0] = began + seconds
    for thread in threads:
        thread.join(timeout=max(0.0, deadline[0] + request_timeout + 5 - time.perf_counter()))
    finished = time.perf_counter()
    for thread, result in zip(threads, results, strict=True):
        if thread.is_alive():
            result.unfinished = True
            result.errors.append("unfinished: still waiting for an answer at the stop")
    latencies = [x for r in results for x in r.latencies]
    errors = Counter(e for r in results for e in r.errors)
    elapsed = finished - began
    served = len(latencies)
    summary = {
        "clients": clients,
        "seconds": seconds,
        "elapsed_s": round(elapsed, 2),
        "requests": served,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common()),
        "throughput_rps": round(served / elapsed, 3) if elapsed > 0 else 0.0,
        "abstained": sum(r.abstained for r in results),
        "per_client_requests": [len(r.latencies) for r in results],
        "questions": len(questions),
    }
    if latencies:
        summary |= {
            "p50_s": round(percentile(latencies, 50), 3),
            "p95_s": round(percentile(latencies, 95), 3),
            "max_s": round(max(latencies), 3),
            "mean_s": round(statistics.fmean(latencies), 3),
            "min_s": round(min(latencies), 3),
        }
    return summary


# --- report --------------------------------------------------------------------------------


def markdown(report: dict) -> str:
    load = report["load"]

    def seconds(key: str) -> str:
        return f"{load[key]:.2f}" if key in load else "—"

    lines = [
        f"Load on `/ask`: {load['clients']} concurrent HTTP clients for "
        f"{load['seconds']:.0f} s ({load['elapsed_s']:.1f} s until the last answer), "
        f"app concurrency limit {report['app_concurrency']}, k={report['k']}, "
        f"province {report['province']!r}.",
        "",
        "| clients | requests served | errors | throughput (req/s) | p50 (s) | p95 (s) "
        "| max (s) | mean (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {load['clients']} | {load['requests']} | {load['errors']} "
        f"| {load['throughput_rps']:.2f} | {seconds('p50_s')} | {seconds('p95_s')} "
        f"| {seconds('max_s')} | {seconds('mean_s')} |",
        "",
    ]
    per_client = load["per_client_requests"]
    if per_client:
        lines.append(
            f"Requests per client: min {min(per_client)}, max {max(per_client)}; "
            f"abstentions {load['abstained']} (follow-ups are asked without history); "
            f"first (untimed) question {report['first_question_s']:.2f} s; "
            f"server peak RSS {report['server_peak_rss_mib'] or 0:.0f} MiB; "
            f"server CPU {report['server_cpu_ms_per_answer']:.0f} ms per answer."
        )
    if load["error_kinds"]:
        lines += ["", "| error | count |", "|---|---:|"]
        lines += [f"| {kind} | {count} |" for kind, count in load["error_kinds"].items()]
    lines += ["", "| machine | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in report["machine"].items()]
    return "\n".join(lines)


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) the app's process and its children have used so far.

    Over the load, divided by the answers, it says how much CPU an answer costs, which
    on a shared machine is what throughput is bound by.
    """
    process = psutil.Process(pid)
    processes = [process, *process.children(recursive=True)]
    return sum(sum(p.cpu_times()[:2]) for p in processes if p.is_running())


def ask_first(url: str, province: str, k: int) -> float:
    """Seconds of one question, untimed in the load: the searcher's first refresh."""
    first = ApiClient(url, 600)
    began = time.perf_counter()
    first.ask(question_texts()[0], province, k)
    seconds = time.perf_counter() - began
    first.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--province", help="a province filter; default every province")
    parser.add_argument("--request-timeout", type=float, default=120.0)
    parser.add_argument("--startup-timeout", type=float, default=300.0)
    parser.add_argument("--device", choices=["cpu", "cuda"], help="for ingest and serve")
    parser.add_argument("--work", type=Path, help="keep the index (and the server log) here")
    parser.add_argument("--json", type=Path, help="write the report as JSON here")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients must be at least 1 and --seconds positive")

    from assistant.web.filters import ALL_PROVINCES
    from assistant.web.layout import CONCURRENCY

    args.province = args.province or ALL_PROVINCES
    machine = machine_info()
    work = args.work or Path(tempfile.mkdtemp(prefix="vd-load-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "chroma"
    try:
        log(f"indexing {ARTICLES} into {db}")
        ingest_s = build_index(db, args.device)
        app = AppServer(db, work / "server.log", args.device, args.startup_timeout)
        log(f"starting the app at {app.url}")
        with app as server:
            first_s = ask_first(server.url, args.province, args.k)
            log(f"{args.clients} clients asking for {args.seconds:.0f} s")
            cpu_before = server_cpu_seconds(server.pid)
            with PeakRss(server.pid, interval=0.5) as peak:
                load = run_load(
                    [server.url],
                    args.clients,
                    args.seconds,
                    args.province,
                    args.k,
                    args.request_timeout,
                )
            server_cpu = server_cpu_seconds(server.pid) - cpu_before
            if load["errors"]:
                log("server log (tail):\n" + server.log_tail())
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    machine["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report = {
        "load": load,
        "k": args.k,
        "province": args.province,
        "app_concurrency": CONCURRENCY,
        "ingest_s": round(ingest_s, 2),
        "server_startup_s": round(app.startup_s, 2),
        "first_question_s": round(first_s, 3),
        "server_peak_rss_mib": mib(peak.peak_server) if peak.peak_server else None,
        "server_cpu_s": round(server_cpu, 1),
        "server_cpu_ms_per_answer": round(1000 * server_cpu / max(load["requests"], 1), 1),
        "machine": machine,
    }
    print(markdown(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if load["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
