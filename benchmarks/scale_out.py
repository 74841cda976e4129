"""Scaling out: one and then two app processes against one Chroma server, the same load.

A benchmark, not a test. It

1. builds an index of the bundled articles with `assistant ingest` (embedded; `--work DIR`
   keeps it) and serves that folder with `chroma run` (the on-disk format is the same);
2. for each round, for 1 and then 2 app processes: starts them with
   `assistant serve --chroma-url ...`, all sharing one data folder (so one lexical cache,
   which they keep up to date under tantivy's writer lock; the model folder is linked in),
   asks each one question untimed, then runs `--clients` HTTP clients of
   benchmarks/load.py for `--seconds`, split evenly across the apps;
3. reports each run and the throughput ratio of two apps to one, round by round (the
   rounds alternate so that other jobs on the machine weigh on both alike), as a Markdown
   table and, with `--json OUT`, as JSON. Every run records the load average.

    .venv/bin/python benchmarks/scale_out.py --clients 20 --seconds 60 --rounds 2
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import HOST, ROOT, AppServer, assistant_command, log, machine_info
from benchmarks.load import ask_first, build_index, run_load

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"


class ClientApp(AppServer):
    """`assistant serve` on a Chroma server rather than an embedded folder."""

    def __init__(self, chroma_url: str, data_dir: Path, log_path: Path, timeout: float) -> None:
        super().__init__(data_dir, log_path, None, timeout)
        self.chroma_url = chroma_url
        self.data_dir = data_dir

    def command(self) -> list[str]:
        return assistant_command(
            "serve",
            *("--chroma-url", self.chroma_url, "--data-dir", str(self.data_dir)),
            *("--host", HOST, "--port", str(self.port)),
        )


def shared_data_dir(work: Path) -> Path:
    """A data folder of the apps' own, with the built model linked in."""
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    models = data / "models"
    if not models.exists():
        models.symlink_to((ROOT / ".data" / "models").resolve())
    return data


def measure(apps: int, chroma_url: str, work: Path, args: argparse.Namespace) -> dict:
    """One load run against `apps` app processes on the Chroma server."""
    data = shared_data_dir(work)
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(
                ClientApp(chroma_url, data, work / f"app-{apps}-{n}.log", args.startup_timeout)
            )
            for n in range(apps)
        ]
        first = [ask_first(server.url, args.province, args.k) for server in servers]
        load_before = os.getloadavg()
        log(f"{args.clients} clients across {apps} app(s) for {args.seconds:.0f} s")
        load = run_load(
            [server.url for server in servers],
            args.clients,
            args.seconds,
            args.province,
            args.k,
            args.request_timeout,
        )
        load_after = os.getloadavg()
    return load | {
        "apps": apps,
        "first_question_s": [round(x, 3) for x in first],
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
    }


def markdown(runs: list[dict]) -> str:
    lines = [
        "| round | apps | clients | served | errors | answers/s | p50 (s) | p95 (s) | max (s) "
        "| load avg (1 min) before / after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        lines.append(
            f"| {run['round']} | {run['apps']} | {run['clients']} | {run['requests']} "
            f"| {run['errors']} | {run['throughput_rps']:.2f} | {run.get('p50_s', 0):.2f} "
            f"| {run.get('p95_s', 0):.2f} | {run.get('max_s', 0):.2f} "
            f"| {run['load_average_before'][0]:.2f} / {run['load_average_after'][0]:.2f} |"
        )
    return "\n".join(lines)


def ratios(runs: list[dict]) -> list[float]:
    """Two apps' throughput over one app's, round by round."""
    by_round: dict[int, dict[int, float]] = {}
    for run in runs:
        by_round.setdefault(run["round"], {})[run["apps"]] = run["throughput_rps"]
    return [round(r[2] / r[1], 3) for r in by_round.values() if r.get(1) and 2 in r]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=1, help="1 app then 2 apps, per round")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--province", help="a province filter; default every province")
    parser.add_argument("--request-timeout", type=float, default=120.0)
    parser.add_argument("--startup-timeout", type=float, default=300.0)
    parser.add_argument("--work", type=Path, help="keep the index and the logs here")
    parser.add_argument("--json", type=Path, help="write the report as JSON here")
    args = parser.parse_args(argv)
    if args.clients < 2 or args.seconds <= 0 or args.rounds < 1:
        parser.error("--clients must be at least 2, --seconds and --rounds positive")

    from assistant.web.filters import ALL_PROVINCES
    from assistant.web.layout import CONCURRENCY
    from benchmarks.common import ChromaServer

    args.province = args.province or ALL_PROVINCES
    machine = machine_info()
    work = args.work or Path(tempfile.mkdtemp(prefix="vd-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    runs: list[dict] = []
    try:
        build_index(work / "chroma", None)
        with ChromaServer(work / "chroma", work / "chroma-server.log") as chroma:
            log(f"Chroma server at {chroma.url}")
            for number in range(1, args.rounds + 1):
                for apps in (1, 2):
                    runs.append(measure(apps, chroma.url, work, args) | {"round": number})
                    log(markdown(runs[-1:]))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    report = {
        "runs": runs,
        "two_over_one": ratios(runs),
        "k": args.k,
        "province": args.province,
        "app_concurrency": CONCURRENCY,
        "machine": machine,
    }
    print(markdown(runs))
    print(f"\nthroughput, two apps over one, by round: {report['two_over_one']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if all(run["errors"] == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
