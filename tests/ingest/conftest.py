"""Fixtures shared by the ingest tests: the parse of the bundled sample archive (scraped/)."""

from __future__ import annotations

import pytest

from indexer.ingest.parse import ParseResult, parse_paths
from tests.site import SAMPLE_STORE


@pytest.fixture(scope="session")
def sample_parse() -> ParseResult:
    """`parse_paths` of the sample page store, parsed once for every test that reads it."""
    return parse_paths([SAMPLE_STORE])
