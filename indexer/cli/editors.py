"""The editors' commands (issue D): `similar`, `duplicates`, `report queries`, `eval rqe`.

Thin wrappers over `indexer.editors` (similar, duplicates, querylog) and `indexer.eval.rqe`;
`indexer.cli` registers them on the `qasearch` group.
"""

from __future__ import annotations

from pathlib import Path

import click

from indexer.cli.common import Failure, batch_format, library_errors, output_format
from indexer.settings import Settings


@click.group("report", epilog="""\b
Examples:
  qasearch report queries --days 7
""")
def report_group() -> None:
    """Reports for editors (query statistics)."""


@report_group.command("queries", epilog="""\b
Examples:
  qasearch report queries                          # the last QASEARCH_QUERY_LOG_RETENTION_DAYS
  qasearch report queries --days 7 --limit 20
  qasearch report queries --format csv --log-dir /var/lib/qasearch > queries.csv
  qasearch report queries --storage redis://10.0.0.5:6379/1   # every server's searches
""")
@output_format("text", "json", "csv")
@click.option("--days", type=int, default=None, help="Period in days (default: the retention).")
@click.option("--limit", type=int, default=50, show_default=True, help="Rows per list.")
@click.option("--k", "k", type=int, default=None,
              help="Minimum distinct sessions per query (never below QASEARCH_QUERY_LOG_K).")
@click.option("--log-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Query statistics directory (default: QASEARCH_QUERY_LOG_DIR).")
@click.option("--storage", default=None, help="Query statistics shared by several servers, "
              "e.g. redis://host:6379/1 (default: QASEARCH_QUERY_LOG_STORAGE; empty: --log-dir).")
def report_queries(fmt: str, days: int | None, limit: int, k: int | None,
                   log_dir: Path | None, storage: str | None) -> None:
    """What visitors searched for and what they could not find (k-anonymous counts)."""
    from indexer.editors.querylog import QueryLog, render_report

    settings = Settings.load(overrides={"query_log_dir": log_dir, "query_log_storage": storage})
    if limit < 1:
        raise click.BadParameter("must be at least 1", param_hint="--limit")
    shared = settings.query_log_storage.strip()
    if not shared and not Path(settings.query_log_dir).is_dir():  # never creates the folder
        raise click.ClickException(
            f"no query statistics folder at {settings.query_log_dir}: check --log-dir (or "
            "QASEARCH_QUERY_LOG_DIR); `qasearch serve` creates it on the first search")
    with library_errors(also=(ValueError,)):
        log = QueryLog(settings)
        try:
            click.echo(render_report(log.report(days=days, limit=limit, k=k), fmt))
        finally:
            log.close()


# ---------------------------------------------------------------------------------------------
# similar


def _index_option(f):
    return click.option(
        "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Index directory (default: QASEARCH_INDEX_DIR or ./index).",
    )(f)


@click.command("similar", epilog="""\b
Examples:
  qasearch similar "is acupuncture safe in early pregnancy?"
  qasearch similar "my back hurts after lifting" --limit 5 --format json
  qasearch similar --batch drafts.tsv --run-out run.txt   # drafts.tsv: 'qid<TAB>text' lines

\b
Exit status (as grep): 0 when similar questions are shown, 1 when there are none,
2 on an error (a bad option, a missing or damaged index).
""")
@click.argument("text", required=False)
@output_format("text", "json", "trec",
               help="Output format: text (a table), json, or trec (the only format of a "
                    "--batch run).")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--batch", type=click.File("r", encoding="utf-8"), default=None,
              help="File of lines 'qid<TAB>text' (like `search --batch`).")
@click.option("--run-out", type=click.File("w", encoding="utf-8"), default=None,
              help="With --batch: where to write the TREC run (qid Q0 docid rank score tag).")
@click.option("--tag", default="qasearch-similar", show_default=True, help="Run tag (batch).")
@click.option("--semantic/--no-semantic", default=None,
              help="Use the optional sentence embeddings (default: QASEARCH_SEMANTIC); the "
                   "first use on an index embeds its questions (cached).")
@_index_option
def similar_cmd(text: str | None, fmt: str, limit: int, batch, run_out,
                tag: str, semantic: bool | None, index_dir: Path | None) -> None:
    """Archived questions similar to a draft question ("was this already answered?")."""
    from indexer.index.store import IndexStore
    from indexer.text import semantic as sem

    batch_format(fmt, batch is not None)
    settings = Settings.load(overrides={"index_dir": index_dir, "semantic": semantic})
    if settings.semantic:
        try:
            sem.require()
        except sem.SemanticUnavailable as exc:
            raise Failure(str(exc)) from exc
    if (text is None) == (batch is None):
        raise click.UsageError("give a draft question or --batch FILE (not both)")
    if run_out is not None and batch is None:
        raise click.UsageError("--run-out needs --batch")
    store = IndexStore(settings.index_dir)
    if not store.exists():
        raise Failure(f"no index at {settings.index_dir}: run `qasearch index` first")
    with library_errors(Failure), store.searcher() as s:
        if batch is None:
            found = _similar_one(s, text or "", limit, fmt, settings.semantic)
        else:
            _similar_batch(s, batch, run_out, limit, tag, settings.semantic)
            found = True
    if not found:
        raise click.exceptions.Exit(1)  # nothing to show: grep's "no lines selected"


def _similar_one(s, text: str, limit: int, fmt: str, semantic: bool) -> bool:
    """Print the questions similar to `text`; False when there is none."""
    import json

    from indexer.editors import similar

    hits = similar.similar_questions(s, text, limit=limit, semantic=semantic)
    if fmt == "json":
        click.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return bool(hits)
    if not hits:
        click.echo("No similar questions.")
    for rank, h in enumerate(hits, 1):
        flag = "ANSWERED?" if h.likely_answered else ""
        click.echo(f"{rank:3d}. {h.score:.3f} {flag:9s} [{h.id}] {h.question}")
        terms = ", ".join(m.term for m in h.matches[:8])
        if terms:
            click.echo(f"      matched: {terms}")
    return bool(hits)


def _similar_batch(s, batch, run_out, limit: int, tag: str, semantic: bool) -> None:
    """Write the TREC run of every 'qid<TAB>text' line of `batch`."""
    from indexer.editors import similar

    out = run_out or click.get_text_stream("stdout")
    n = 0
    for lineno, line in enumerate(batch, 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        qid, sep, qtext = line.partition("\t")
        if not sep or not qid.strip():
            raise Failure(f"line {lineno}: expected 'qid<TAB>text'")
        hits = similar.similar_questions(s, qtext, limit=limit, semantic=semantic)
        for rank, h in enumerate(hits, 1):
            out.write(f"{qid.strip()} Q0 {h.id} {rank} {h.score:.6f} {tag}\n")
        n += 1
    if run_out is not None:
        click.echo(f"{n} questions -> {run_out.name}", err=True)


# ---------------------------------------------------------------------------------------------
# duplicates


@click.command("duplicates", epilog="""\b
Examples:
  qasearch duplicates --format html --out dups.html --base-url https://search.example.org
  qasearch duplicates --format csv --out dups.csv --kind "same question"
  qasearch duplicates --all --format json        # with the groups editors already decided
  qasearch duplicates --recompute --medquad-check --out /dev/null
""")
@output_format("html", "json", "csv", default="json")
@click.option("--out", type=click.File("w", encoding="utf-8"), default="-",
              help="Where to write the report (default: standard output).")
@click.option("--kind", type=click.Choice(["same question", "stock answer"]), default=None,
              help="Only groups of this kind (default: both).")
@click.option("--all", "include_decided", is_flag=True,
              help="Also list the groups editors marked 'not duplicates' or 'merged'.")
@click.option("--decisions-dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Where editors' decisions are kept (default: "
                                 "QASEARCH_QUERY_LOG_DIR, beside the query statistics).")
@click.option("--base-url", default=None,
              help="Link each record of the HTML report to BASE_URL/records/<id> (default: "
                   "to the record's own page on its source site, when it has one).")
@click.option("--recompute", is_flag=True,
              help="Compute the groups now instead of reading those the index build stored.")
@click.option("--medquad-check", is_flag=True,
              help="Also print precision/recall against MedQuAD's focus CUI + question type "
                   "(on an index built from MedQuAD; implies --recompute).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
@_index_option
def duplicates_cmd(fmt: str, out, kind: str | None, include_decided: bool,
                   decisions_dir: Path | None, base_url: str | None, recompute: bool,
                   medquad_check: bool, progress: bool, index_dir: Path | None) -> None:
    """Groups of archived records that ask the same thing, and answers reused verbatim.

    The groups are those the index build stored with the live generation (instant); an index
    built before groups were stored has them computed now (a progress bar on stderr).
    """
    from indexer.index.store import IndexStore

    settings = Settings.load(overrides={"index_dir": index_dir,
                                        "query_log_dir": decisions_dir})
    store = IndexStore(settings.index_dir)
    if not store.exists():
        raise click.ClickException(
            f"no index at {settings.index_dir}: run `qasearch index` first")
    with library_errors():
        _duplicates(store, settings, fmt, out, kind, include_decided, base_url, recompute,
                    medquad_check, progress)


def _duplicates(store, settings: Settings, fmt: str, out, kind: str | None,
                include_decided: bool, base_url: str | None, recompute: bool,
                medquad_check: bool, progress: bool) -> None:
    import json

    from indexer.editors import duplicates as dup
    from indexer.editors import report
    from indexer.editors.duplicates import decisions as dec
    from indexer.editors.similar import question_index

    with store.searcher() as s:
        stored = None if recompute or medquad_check else _stored_groups(s.gen.path, progress)
        if stored is not None:
            clusters, n_records = stored.clusters, stored.records
        else:
            qi = question_index(s)
            clusters, n_records = dup.find_duplicates(qi, progress=progress), len(qi)
        if medquad_check:
            click.echo(json.dumps(dup.medquad_check(question_index(s), clusters)), err=True)
    if kind:
        clusters = [c for c in clusters if c.kind == kind]
    hidden = 0
    if not include_decided:
        split = dec.apply(clusters, dec.Decisions(settings.query_log_dir).all())
        clusters, hidden = split.open, len(split.decided)
    out.write(report.render(clusters, fmt, record_href=_record_href(base_url), hidden=hidden))
    out.write("\n")
    n_same = sum(1 for c in clusters if c.kind == dup.SAME_QUESTION)
    click.echo(f"{len(clusters)} groups ({n_same} same question, "
               f"{len(clusters) - n_same} stock answer) among {n_records} records"
               + (f"; {hidden} decided by editors left out (--all lists them)" if hidden
                  else ""), err=True)


def _stored_groups(gen_dir, progress: bool):
    """The groups stored in the generation, waiting (with a progress bar) while the build
    that made it is still computing them; None when it has none."""
    from indexer.editors.duplicates import store
    from indexer.index import pending
    from indexer.progress import progress_bar

    building = pending.pending(gen_dir)
    if building is None:
        return store.read_groups(gen_dir)
    click.echo(f"the index build is storing the duplicate groups of {gen_dir.name}; waiting",
               err=True)
    with progress_bar(building.records, unit="rec", desc="duplicates", enabled=progress,
                      initial=building.done) as bar:
        return store.wait_for_build(gen_dir, lambda done, _n: bar.update(done - bar.n))


def _record_href(base_url: str | None):
    """Record id -> link of the HTML report: the search site's record page under
    `base_url`, else None (the template then links the record's source page when known)."""
    from urllib.parse import quote

    if not base_url:
        return None
    base = base_url.rstrip("/")
    return lambda rid: f"{base}/records/{quote(rid, safe='')}"


# ---------------------------------------------------------------------------------------------
# eval rqe


def _default_shared() -> Path:
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        cand = base.parent / "shared"
        if (cand / "data").is_dir():
            return cand
    return Path.cwd().parent / "shared"


@click.command("rqe", epilog="""\b
Examples:
  qasearch eval rqe                                 # the validation split
  qasearch eval rqe --split validation --split train --distractors
  qasearch eval rqe --calibrate --write             # refit the flag threshold and save it
""")
@click.option("--split", "splits", type=click.Choice(["validation", "train"]), multiple=True,
              help="RQE split(s) to evaluate (default: validation).")
@click.option("--distractors/--no-distractors", default=False, show_default=True,
              help="Also run the harder form with MedQuAD's questions added as distractors.")
@click.option("--semantic", is_flag=True,
              help="Also run with the optional semantic extra (pip install .[semantic]).")
@click.option("--fit", is_flag=True,
              help="Learn the weights (train and validation splits, alone and with MedQuAD "
                   "distractors; validation cross-validated), the calibration and the flag "
                   "threshold (validation split) first, and print them (slow: minutes).")
@click.option("--calibrate", is_flag=True,
              help="Fit only the calibration and flag threshold (validation split; fast).")
@click.option("--write", is_flag=True,
              help="With --fit or --calibrate: save what was fitted as the model similar "
                   "questions use (indexer/data/similar_weights.json).")
@click.option("--shared", "shared_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="The shared data directory (default: ../shared).")
@output_format("text", "json", help="Output format: text (a table) or json.")
def eval_rqe(splits: tuple[str, ...], distractors: bool, semantic: bool, fit: bool,
             calibrate: bool, write: bool, shared_dir: Path | None, fmt: str) -> None:
    """RQE retrieval figures of "similar questions": P@1, MRR, flag precision/recall."""
    import json

    from indexer.eval import rqe as ev

    if write and not (fit or calibrate):
        raise click.UsageError("--write saves what --fit or --calibrate fitted: give one")
    shared = shared_dir or _default_shared()
    if not (shared / "data" / "rqe").is_dir():
        raise click.ClickException(f"RQE data not found under {shared}/data/rqe (use --shared)")
    splits = splits or ("validation",)
    if semantic:
        from indexer.text import semantic as sem

        if not sem.available():
            raise click.ClickException(
                f"the semantic extra is not installed: {sem.INSTALL_HINT}")
    with library_errors(also=(ValueError,)):  # a damaged data file: one line
        rows = _rqe_rows(shared, splits, semantic, fit, calibrate, write, distractors)
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in rows], indent=2))
    else:
        click.echo(ev.format_table(rows))


def _rqe_rows(shared: Path, splits: tuple[str, ...], semantic: bool, fit: bool,
              calibrate: bool, write: bool, distractors: bool) -> list:
    """Fit or calibrate as asked, then evaluate every split (and mode) into table rows."""
    from indexer.eval import rqe as ev
    from indexer.text import semantic as sem

    modes = [False, True] if semantic else [False]
    sets = {name: ev.load_set(ev.rqe_path(shared, name), name) for name in
            {*splits, *(("train", "validation") if fit else ()),
             *(("validation",) if calibrate else ())}}
    indexes: dict[tuple[str, bool, bool], ev.QuestionIndex] = {}
    medquad: list = []
    medquad_vectors = None
    removed: dict[str, int] = {}

    def index_for(name: str, sem_mode: bool, with_distractors: bool = False):
        nonlocal medquad_vectors
        key = (name, sem_mode, with_distractors)
        if key not in indexes:
            if not with_distractors:
                indexes[key] = ev.build_index(sets[name], semantic=sem_mode)
            else:
                if not medquad:
                    medquad.extend(ev.medquad_questions(shared / "data" / "medquad"))
                dis = ev.remove_identical(medquad,
                                          [r.question for r in sets[name].faq_records])
                removed[name] = len(medquad) - len(dis)
                dv = None
                if sem_mode:
                    if medquad_vectors is None:
                        click.echo(f"embedding {len(medquad)} MedQuAD questions (cached)...",
                                   err=True)
                        medquad_vectors = sem.encode_cached(
                            [r.display_question for r in medquad], progress=True)
                    dv = ev.distractor_rows(medquad, dis, medquad_vectors)
                indexes[key] = ev.build_index(sets[name], dis, semantic=sem_mode,
                                              distractor_vectors=dv)
        return indexes[key]

    if fit:
        for sem_mode in modes:
            held_out = [(sets["validation"], index_for("validation", sem_mode)),
                        (sets["validation"], index_for("validation", sem_mode, True))]
            train = [(sets["train"], index_for("train", sem_mode)),
                     (sets["train"], index_for("train", sem_mode, True)), *held_out]
            res = ev.fit(train, held_out[0], semantic=sem_mode, held_out=held_out)
            click.echo(f"fitted ({'semantic' if sem_mode else 'lexical'}): {res}", err=True)
    elif calibrate:
        for sem_mode in modes:
            res = ev.fit_calibration((sets["validation"], index_for("validation", sem_mode)),
                                     semantic=sem_mode)
            click.echo(f"calibrated ({'semantic' if sem_mode else 'lexical'}): {res}", err=True)
    if write:
        command = " ".join(["qasearch eval rqe", "--fit" if fit else "--calibrate",
                            *(["--semantic"] if semantic else []), "--write"])
        click.echo(f"written to {ev.write(command)}", err=True)
    rows = []
    for name in splits:
        for sem_mode in modes:
            rows.append(ev.evaluate(sets[name], index_for(name, sem_mode), semantic=sem_mode))
            if distractors:
                qi = index_for(name, sem_mode, True)
                rows.append(ev.evaluate(sets[name], qi, semantic=sem_mode,
                                        n_distractors=len(qi) - len(sets[name].faq_records),
                                        removed=removed[name]))
    return rows


def register(cli: click.Group) -> None:
    """Add the editors' commands to the `qasearch` group (`eval rqe` joins B's `eval` group,
    or creates it when it does not exist yet)."""
    cli.add_command(report_group)
    cli.add_command(similar_cmd)
    cli.add_command(duplicates_cmd)
    group = cli.commands.get("eval")
    if not isinstance(group, click.Group):
        group = click.Group("eval", help="Measure search quality on the shared data sets.")
        cli.add_command(group)
    group.add_command(eval_rqe)
