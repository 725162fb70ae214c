from pathlib import Path

import pytest

from indexer.settings import Settings


def test_defaults_then_environment_then_flags():
    env = {"QASEARCH_INDEX_DIR": "/env/index", "QASEARCH_PORT": "8080",
           "QASEARCH_CORS_ORIGINS": "https://a.example, https://b.example"}
    s = Settings.load(environ=env)
    assert s.index_dir == Path("/env/index")
    assert s.port == 8080
    assert s.cors_origins == ("https://a.example", "https://b.example")
    s = Settings.load(overrides={"port": 9000, "index_dir": None}, environ=env)
    assert s.port == 9000
    assert s.index_dir == Path("/env/index")
    assert Settings.load(environ={}).port == 5000


def test_bad_values_are_reported():
    with pytest.raises(ValueError, match="port"):
        Settings.load(environ={"QASEARCH_PORT": "many"})
    with pytest.raises(ValueError, match="unknown setting"):
        Settings.load(overrides={"nope": 1}, environ={})


def test_every_setting_has_help():
    assert all(help_ for _, help_, _ in Settings.describe())
