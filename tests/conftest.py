"""Shared fixtures. `../shared` data is optional on a user's machine: tests that need it skip."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Path of ../shared; skips the test when it is absent (a user's machine)."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared is absent ({SHARED}); this test needs the shared data")
    return SHARED


# --- the web service (issue C): a sample-archive index built once, and Flask's usual trio ---


@pytest.fixture(scope="session")
def sample_records() -> list:
    """Records parsed from the bundled sample archive in scraped/."""
    from indexer.ingest.parse import parse_paths

    return parse_paths([ROOT / "scraped"]).records


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, sample_records: list) -> Path:
    """An index of the sample archive, built once per session. Read-only: copy it first
    (or build your own) in a test that rebuilds or swaps."""
    from indexer.index.build import build_index

    index_dir = tmp_path_factory.mktemp("sample-index") / "index"
    build_index(sample_records, index_dir)
    return index_dir


@pytest.fixture
def app_settings(sample_index: Path, tmp_path: Path):
    """Settings for a test app: the sample index, no rate limit, query log in tmp_path,
    and nothing from the environment."""
    from search_app.settings import Settings

    return Settings.load(
        overrides={"index_dir": sample_index, "query_log_dir": tmp_path / "var", "rate_limit": ""},
        environ={},
    )


@pytest.fixture
def app(app_settings):
    from search_app import create_app

    app = create_app(app_settings)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
