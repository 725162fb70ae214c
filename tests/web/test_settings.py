from pathlib import Path

import pytest

from search_app.settings import Settings


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


def test_the_library_holds_only_its_own_settings_and_the_web_extends_them():
    from dataclasses import fields

    from indexer.settings import Settings as LibrarySettings

    library = {f.name for f in fields(LibrarySettings)}
    assert library == {"index_dir", "source_paths", "query_log_dir", "query_log_k",
                       "query_log_retention_days", "query_log_storage", "semantic", "hybrid",
                       "cache_mb"}
    web = {name.removeprefix("QASEARCH_").lower() for name, _, _ in Settings.describe()}
    assert library < web and {"port", "editor_token", "cors_origins", "rate_limit"} <= web
    lib = LibrarySettings.load(overrides={"index_dir": "/x", "semantic": True}, environ={})
    full = Settings.extending(lib, environ={"QASEARCH_PORT": "7000", "QASEARCH_INDEX_DIR": "/y"})
    assert (full.index_dir, full.semantic, full.port) == (Path("/x"), True, 7000)
    assert Settings.extending(full) is full


@pytest.mark.parametrize("token", ["a", "s3cret", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                   "abcabcabcabcabcabcabcabcabcabc", "passwordpasswordpassword"])
def test_a_short_or_repetitive_editor_token_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match=r"editor_token.*qasearch editor-token"):
        Settings.load(environ={"QASEARCH_EDITOR_TOKEN": token})


def test_no_token_or_a_strong_one_is_accepted() -> None:
    assert Settings.load(environ={}).editor_token == ""
    strong = "s3cret-editor-token-for-tests"
    assert Settings.load(environ={"QASEARCH_EDITOR_TOKEN": strong}).editor_token == strong


def test_serve_refuses_a_weak_token_in_one_line(sample_index: Path) -> None:
    from click.testing import CliRunner

    from search_app.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--index", str(sample_index)],
                                env={"QASEARCH_EDITOR_TOKEN": "a"})
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "editor_token" in lines[0] and "serving" not in result.output


def test_editor_token_command_prints_a_fresh_strong_token() -> None:
    from click.testing import CliRunner

    from search_app.cli import cli

    tokens = [CliRunner().invoke(cli, ["editor-token"]).output.strip() for _ in range(2)]
    assert tokens[0] != tokens[1] and len(tokens[0]) >= 40
    for token in tokens:
        assert Settings.load(environ={"QASEARCH_EDITOR_TOKEN": token}).editor_token == token
