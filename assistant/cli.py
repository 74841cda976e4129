"""The `assistant` command: one subcommand per job, sharing the settings flags."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
import httpx
from tqdm import tqdm

from assistant import targets_table
from assistant.components import (
    build_assistant,
    catch_up_lexical,
    chunking_options,
    embedder_for,
    lexical_dir,
    open_store,
)
from assistant.evaluation.questions import load_questions
from assistant.evaluation.report import write_report
from assistant.evaluation.runner import run_questions
from assistant.evaluation.thresholds import check_thresholds, parse_thresholds
from assistant.evaluation.totals import summarize
from assistant.record import RECOGNISED_NOTE, AnswerRecord
from assistant.settings import Settings, SettingsError, choices, flag_name, help_text
from index.commit import WriteConflictError
from index.indexer import ingest_paths
from index.lexical_cache import LexicalCache
from index.store import ModelMismatchError, Store, StoreUnavailableError, connect
from index.verify import Rebuild, check_index, repair_index

# The settings each kind of command takes as flags; every value goes through Settings.load.
STORE = ("data_dir", "db", "chroma_url", "embedding_model", "device", "embedding_form")
CHUNKING = ("chunk_tokens", "chunk_overlap", "max_file_mb")
ANSWERING = ("k", "retrieval", "llm_url", "llm_model")
SERVING = ("host", "port", "max_question_chars")


def settings_options(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """One flag per named setting, its help from the setting; the command gets Settings first.

    Flags arrive as text and are converted and checked by Settings.load, so a bad flag
    and a bad ASSISTANT_* variable get the same message, naming where the value came from.
    """

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            flags = {name: kwargs.pop(name) for name in names}
            try:
                settings = Settings.load(**flags)
            except SettingsError as error:
                raise click.UsageError(str(error)) from error
            try:
                return command(settings, *args, **kwargs)
            except (ModelMismatchError, StoreUnavailableError, WriteConflictError) as error:
                raise click.ClickException(str(error)) from error
            except httpx.TransportError as error:  # the Chroma server went away mid-run
                raise click.ClickException(
                    f"lost the Chroma server at {settings.chroma_url} ({error}); "
                    "a document being written when it went is not visible: run the command again"
                ) from error

        for name in reversed(names):
            allowed = choices(name)
            wrapper = click.option(
                flag_name(name),
                name,
                type=click.Choice(allowed) if allowed else str,
                help=help_text(name),
            )(wrapper)
        return wrapper

    return decorate


@click.group()
@click.version_option(package_name="vn-docs-assistant")
def main() -> None:
    """Vietnamese chat assistant over documents, answering with cited passages."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Remove indexed documents whose files are gone.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the index already holds documents.")
@settings_options(*STORE, *CHUNKING, "prepare_workers")
def ingest(settings: Settings, paths: tuple[Path, ...], prune: bool, if_empty: bool) -> None:
    """Load, clean, chunk, embed and store files or folders (.txt .md .pdf .html)."""
    store = open_store(settings)
    if if_empty and not store.is_empty():
        click.echo(f"index at {settings.chroma_url or settings.db_path} already holds documents")
        return
    embedder = embedder_for(settings)
    with tqdm(desc="ingest", unit="chunk", total=0) as bar:

        def moved(done: int, found: int) -> None:
            bar.total = found
            bar.update(done - bar.n)

        summary = ingest_paths(
            paths,
            store,
            embedder,
            chunking_options(settings),
            prune=prune,
            chunk_progress=moved,
            workers=settings.prepare_workers,
        )
    for error in summary.failed:
        click.echo(f"failed: {error.path}: {error.reason}", err=True)
    for name, note in summary.notes:
        click.echo(f"note: {name}: {note}", err=True)
    for kept in summary.kept:
        click.echo(
            f"kept: {kept.name}: {kept.kept:,} of {kept.total:,} characters ({kept.share:.0%})"
        )
        if kept.low:
            click.echo(
                f"warning: {kept.name}: only {kept.share:.0%} of its text was kept as article "
                "text; the rest was read as page furniture (menus, links, comments)",
                err=True,
            )
    click.echo(
        f"documents: {len(summary.added)} added, {len(summary.updated)} updated, "
        f"{len(summary.skipped)} unchanged, {len(summary.removed)} removed, "
        f"{len(summary.failed)} failed; chunks written: {summary.chunks}"
    )
    if note := catch_up_lexical(settings, store):
        click.echo(note, err=True)
    if not summary.ok:
        sys.exit(1)


@main.command()
@click.option("--repair", is_flag=True, help="Sweep strays; re-index broken documents.")
@settings_options(*STORE, *CHUNKING)
def verify(settings: Settings, repair: bool) -> None:
    """Check every document is whole, no chunk is a stray, and the lexical index follows."""
    store = open_store(settings)
    report = check_index(store)
    for fault in report.faults:
        click.echo(f"fault: {fault.line()}", err=True)
    click.echo(report.summary())
    lexical_ok = _verify_lexical(LexicalCache(lexical_dir(settings, store)), store, repair)
    if report.ok and (lexical_ok or repair):
        return
    if not repair:
        sys.exit(1)

    def rebuild() -> Rebuild:
        embedder = embedder_for(settings)
        options = chunking_options(settings)
        return Rebuild(
            embedder.embed_passages,
            embedder.count_tokens,
            options.max_tokens,
            options.overlap_tokens,
        )

    for source in repair_index(store, report, rebuild):
        click.echo(f"re-indexed {source}")
    after = check_index(store)
    click.echo(f"after repair: {after.summary()}")
    for fault in after.faults:
        click.echo(f"still broken: {fault.line()} (ingest its file again)", err=True)
    if not after.ok:
        sys.exit(1)


def _verify_lexical(cache: LexicalCache, store: Store, repair: bool) -> bool:
    """Whether the lexical cache, caught up, holds exactly the store's live chunks.

    A faulty cache is rebuilt from the store with --repair: it is derived, so nothing is lost.
    """
    faults = cache.faults(store)
    for line in faults:
        click.echo(f"fault: lexical index: {line}", err=True)
    if faults and repair:
        cache.rebuild(store)
        click.echo("rebuilt the lexical index from the store")
    return not faults


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON record per document.")
@settings_options(*STORE)
def sources(settings: Settings, as_json: bool) -> None:
    """List the indexed documents."""
    # Their markers say all a listing shows: no document's text or targets are read.
    docs = sorted(open_store(settings).document_heads(), key=lambda d: d.source)
    if as_json:
        for doc in docs:
            record = {
                "doc_id": doc.doc_id,
                "source": doc.source,
                "title": doc.title,
                "date": doc.date,
                "byline": doc.byline,
                "provinces": list(doc.provinces),
                "merged_provinces": list(doc.merged_provinces),
                "chunks": doc.chunk_count,
                "content_hash": doc.content_hash,
                "ingested_at": doc.ingested_at,
                "path": doc.path,
                "kind": doc.kind,
                "confidences": list(doc.confidences),
            }
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    if not docs:
        click.echo("no documents indexed")
    for doc in docs:
        provinces = ", ".join(doc.provinces) or "-"
        click.echo(f"{doc.source}  [{doc.chunk_count} chunks]  {doc.date or '-'}  {provinces}")
        click.echo(f"    {doc.title}")
        if doc.confidences:
            click.echo(f"    OCR confidence by page: {_page_confidences(doc.confidences)}")


def _page_confidences(confidences: Sequence[float | None]) -> str:
    """`1: text layer, 2: 96%, 3: 60% (left out)`: how each page of a scan was read."""
    from ingest.load_pdf import left_out_pages  # the PDF readers only where a scan is listed

    left_out = set(left_out_pages(confidences))
    shown = []
    for number, confidence in enumerate(confidences, start=1):
        if confidence is None:
            shown.append(f"{number}: text layer")
        else:
            note = " (left out)" if number in left_out else ""
            shown.append(f"{number}: {confidence:.0f}%{note}")
    return ", ".join(shown)


@main.command()
@click.argument("question")
@click.option("--province", help="Only passages about this province (old or merged name).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer record as JSON.")
@settings_options(*STORE, *ANSWERING)
def ask(settings: Settings, question: str, province: str | None, as_json: bool) -> None:
    """Answer a question in Vietnamese, with citations."""
    assistant = build_assistant(settings)
    record = assistant.ask(question, province=province)
    if as_json:
        click.echo(json.dumps(record.to_json(), ensure_ascii=False))
        return
    click.echo(render_text(record))


def render_text(record: AnswerRecord) -> str:
    """The answer and its evidence, for reading in a terminal."""
    lines = [record.answer, ""]
    if record.short_answer:
        lines.insert(0, f"Trả lời ngắn: {record.short_answer}")
    if record.resolved_question:
        lines.insert(0, f"(hiểu là: {record.resolved_question})")
    evidence = record.related if record.abstained else record.citations
    if evidence:
        lines.append("Đoạn liên quan:" if record.abstained else "Nguồn:")
    for cite in evidence:
        where = ", ".join(
            part
            for part in (
                cite.date,
                f"trang {cite.page}" if cite.page else None,
                RECOGNISED_NOTE if cite.recognised else None,
            )
            if part
        )
        lines.append(f"[{cite.marker}] {cite.title} ({cite.source}{', ' + where if where else ''})")
        lines.append(f"    “{cite.quote}”  [ký tự {cite.start}–{cite.end}]")
    return "\n".join(lines).rstrip()


@main.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="Evaluation", help="Heading of the report.")
@click.option("--min-key-facts", type=float, help="Fail below this key-fact accuracy (0-1).")
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="METRIC=VALUE",
    help="Fail when a metric misses VALUE (a maximum for latency and error rates). Repeatable.",
)
@settings_options(*STORE, *ANSWERING)
def evaluate_command(
    settings: Settings,
    questions: Path,
    out: Path,
    report_dir: Path | None,
    title: str,
    min_key_facts: float | None,
    thresholds: tuple[str, ...],
) -> None:
    """Run a question set and write the answers, a report, and threshold results."""
    try:
        items = load_questions(questions)
        limits = parse_thresholds(thresholds)
        if min_key_facts is not None:
            limits["key_facts"] = min_key_facts
        check_thresholds({}, limits)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    assistant = build_assistant(settings)
    store = assistant.searcher.store
    out.parent.mkdir(parents=True, exist_ok=True)
    results = run_questions(
        items,
        lambda q, history: assistant.ask(q.question, history=history),
        out,
        document_text=lambda doc_id: _text_or_none(store, doc_id),
        progress=lambda seq: tqdm(seq, desc="eval", unit="q"),
    )
    summary = summarize(results)
    summary["retrieval"] = settings.retrieval
    summary["embedding_model"] = settings.embedding_model
    if report_dir:
        for path in write_report(results, summary, report_dir, title):
            click.echo(f"wrote {path}")
    for name in (
        "key_facts",
        "hit_at_1",
        "hit_at_5",
        "mrr",
        "citation_integrity",
        "abstention_accuracy",
        "latency_p50_ms",
        "latency_p95_ms",
    ):
        click.echo(f"{name}: {summary.get(name)}")
    missed = check_thresholds(summary, limits)
    for line in missed:
        click.echo(f"threshold missed: {line}", err=True)
    if missed:
        sys.exit(1)


def _text_or_none(store: Store, doc_id: str) -> str | None:
    try:
        return store.document_text(doc_id)
    except KeyError:
        return None


@main.command()
@click.option("--province", help="Only this province (old or merged name).")
@click.option("--indicator", help="Only indicators containing this text.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row.")
@click.option("--json", "as_json", is_flag=True, help="One JSON record per row.")
@settings_options(*STORE)
def targets(
    settings: Settings, province: str | None, indicator: str | None, as_csv: bool, as_json: bool
) -> None:
    """The targets and results stated in the indexed documents, each with its sentence."""
    if as_csv and as_json:
        raise click.UsageError("choose one of --csv and --json")
    table = targets_table.rows(open_store(settings).list_documents(), province, indicator)
    if as_json:
        for row in table:
            click.echo(json.dumps(targets_table.record(row), ensure_ascii=False))
    elif as_csv:
        targets_table.write_csv(table, sys.stdout)
    elif not table:
        click.echo("no targets found")
    else:
        for row in table:
            click.echo(
                f"{targets_table.describe(row)}  ({row['source']}:{row['start']}-{row['end']})"
            )
            click.echo(f"    “{row['quote']}”")


@main.command()
@settings_options(*STORE)
def reindex(settings: Settings) -> None:
    """Re-embed what the index holds with --embedding-model, from its stored text."""
    store = Store(connect(str(settings.db_path), settings.chroma_url), None)
    embedder = embedder_for(settings)
    with tqdm(desc="reindex", unit="chunk") as bar:
        count = store.reembed(embedder.name, embedder.embed_passages, bar.update)
    click.echo(f"re-embedded {count} chunks with {embedder.name}")
    if note := catch_up_lexical(settings, store):
        click.echo(note, err=True)


@main.command()
@settings_options("data_dir", "embedding_model")
def model(settings: Settings) -> None:
    """Build the default embedding model and its ONNX forms under DATA_DIR/models, once."""
    from index.e5_build import DEFAULT_MODEL_NAME, ensure_e5_model
    from index.e5_onnx_export import ensure_onnx_forms

    if settings.embedding_model != DEFAULT_MODEL_NAME:
        click.echo(f"{settings.embedding_model} is loaded as it is; nothing to build")
        return
    click.echo(ensure_onnx_forms(ensure_e5_model(settings.models_dir / DEFAULT_MODEL_NAME)))


@main.command()
@settings_options(*STORE, *CHUNKING, *ANSWERING, *SERVING)
def serve(settings: Settings) -> None:
    """Serve the chat in the browser (never a public share link)."""
    from assistant.web.serve import serve as serve_app

    serve_app(settings)


if __name__ == "__main__":
    main()
