"""What a server process keeps: the objects frozen out of the garbage collector's reach after
warm-up (thawed when another generation is served), and the imports of `qasearch serve`
(none of the scraper's or parsers' libraries)."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from pathlib import Path

from search_app.index import FROZEN_KEY, freeze_warm_objects, warm_up


def test_warm_objects_stay_frozen_until_another_generation_is_served(
        make_app, build_records, sample_records) -> None:
    index_dir = build_records(sample_records[:10])
    app = make_app(index_dir=index_dir)
    client = app.test_client()
    try:
        assert warm_up(app)
        freeze_warm_objects(app)
        first = app.extensions[FROZEN_KEY]
        assert first and gc.get_freeze_count() > 0
        assert client.get("/api/search?q=acupuncture").status_code == 200
        assert gc.get_freeze_count() > 0 and app.extensions[FROZEN_KEY] == first

        build_records(sample_records[10:20])  # a new generation is swapped in
        assert client.get("/healthz").get_json()["data"]["index"]["generation"] != first
        assert gc.get_freeze_count() == 0  # the old generation's caches can be collected
        assert app.extensions[FROZEN_KEY] is None
    finally:
        gc.unfreeze()


def test_freezing_without_an_index_thaws_at_the_first_generation(make_app, tmp_path) -> None:
    app = make_app(index_dir=tmp_path / "none")
    try:
        assert not warm_up(app)
        freeze_warm_objects(app)  # nothing warmed: no generation to keep frozen for
        assert app.extensions[FROZEN_KEY] is None
    finally:
        gc.unfreeze()


def test_serve_imports_none_of_the_other_commands(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import sys
        from search_app.cli import main
        try:
            main(["serve", "--help"])
        except SystemExit as exc:
            assert exc.code == 0, exc.code
        heavy = ("indexer.cli.parse", "indexer.cli.scrape", "indexer.ingest.parse",
                 "indexer.ingest.crawl", "ftfy", "lxml", "protego")
        print("LOADED", [name for name in heavy if name in sys.modules])
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout
    assert "Usage: qasearch serve [OPTIONS]" in out
    assert "-h, --help" in out
    assert "LOADED []" in out


def test_other_commands_still_run_through_main(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", "from search_app.cli import main; main()",
                          "--help"], capture_output=True, text=True, check=True,
                         cwd=tmp_path).stdout
    for command in ("index", "parse", "scrape", "search", "serve", "editor-token"):
        assert f"  {command} " in out
