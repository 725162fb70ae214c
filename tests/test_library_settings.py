"""indexer.settings: loading is cached per set of environment values and still sees changes."""

from pathlib import Path

import pytest

from indexer.settings import Settings


def test_the_same_environment_gives_the_same_frozen_settings():
    env = {"QASEARCH_HYBRID": "1", "QASEARCH_INDEX_DIR": "/a"}
    first = Settings.load(environ=env)
    assert Settings.load(environ=dict(env)) is first
    assert first.hybrid is True and first.index_dir == Path("/a")


def test_a_changed_variable_is_seen_on_the_next_load():
    env = {"QASEARCH_HYBRID": "0"}
    assert Settings.load(environ=env).hybrid is False
    env["QASEARCH_HYBRID"] = "yes"
    assert Settings.load(environ=env).hybrid is True
    del env["QASEARCH_HYBRID"]
    assert Settings.load(environ=env).hybrid is False


def test_os_environ_changes_are_seen(monkeypatch):
    monkeypatch.setenv("QASEARCH_QUERY_LOG_K", "7")
    assert Settings.load().query_log_k == 7
    monkeypatch.setenv("QASEARCH_QUERY_LOG_K", "9")
    assert Settings.load().query_log_k == 9


def test_overrides_win_and_are_not_kept_for_later_loads():
    env = {"QASEARCH_QUERY_LOG_K": "3"}
    assert Settings.load(overrides={"query_log_k": 11}, environ=env).query_log_k == 11
    assert Settings.load(environ=env).query_log_k == 3


def test_a_bad_value_fails_every_time_and_a_good_one_after_it_works():
    bad = {"QASEARCH_QUERY_LOG_K": "many"}
    for _ in range(2):
        with pytest.raises(ValueError, match="query_log_k"):
            Settings.load(environ=bad)
    assert Settings.load(environ={"QASEARCH_QUERY_LOG_K": "4"}).query_log_k == 4
