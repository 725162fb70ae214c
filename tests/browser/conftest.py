"""Browser tests: Playwright (PyPI) driving Debian's /usr/bin/chromium, headless.

The app runs under waitress on a random port with the sample-archive index; a second server
on another port plays a partner site that embeds the widget (a different origin, allowed by
the app's CORS setting). Every test fails on a console error or an uncaught page error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
EDITOR_TOKEN = "browser-tests-editor-token-7f3a9c2e51"

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner clinic</title>
<link rel="icon" href="data:,">
<style>
  /* hostile host CSS: must not reach inside the widget */
  * { font-size: 40px !important; color: red !important; letter-spacing: 4px !important; }
  input { display: none !important; }
  li { display: inline !important; }
  mark { background: black !important; }
</style></head>
<body>
  <h1>Partner clinic</h1>
  <p><label for="name">Your name</label> <textarea id="name"></textarea></p>
  <script src="{app}/widget.js" data-placeholder="Search our experts" data-limit="5"></script>
  <p>Opening hours: 9 to 5.</p>
</body></html>
"""

# Two boxes on one page under a sticky header with its own stacking context: the first box's
# popover must cover the second box, and neither box may slide over the header.
TWO_BOXES_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Two boxes</title>
<link rel="icon" href="data:,">
<style>
  body { margin: 0; font: 16px sans-serif; }
  header { position: sticky; top: 0; z-index: 10; height: 60px; background: #123; color: #fff; }
  main { padding: 1rem; }
  .spacer { height: 1500px; }
</style></head>
<body>
  <header><h1>Clinic</h1></header>
  <main>
    <qasearch-box id="one" api="{app}" label="Search one" limit="5"></qasearch-box>
    <qasearch-box id="two" api="{app}" label="Search two" hotkey="none"></qasearch-box>
    <div class="spacer"></div>
  </main>
  <script src="{app}/widget.js" data-mount="none"></script>
</body></html>
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium "
                    "(`make chromium` installs it when run as root)")
    return {
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"],
    }


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replaces pytest-playwright's own (a deprecated instance-method fixture that warns,
    and warnings are errors here): tests use absolute URLs from `live`."""
    return None


@dataclass
class Live:
    app: str  # base URL of the app
    host: str  # base URL of the partner site (another origin)


@pytest.fixture(scope="session")
def live(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from waitress.server import create_server

    from search_app import create_app
    from search_app.settings import Settings

    holder: dict[str, str] = {}

    pages = {"/": HOST_PAGE, "/two": TWO_BOXES_PAGE}

    def partner_site(environ, start_response):  # a tiny WSGI app: two pages
        page = pages.get(environ.get("PATH_INFO", ""))
        if page is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        body = page.replace("{app}", holder["app"]).encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]

    host_srv = create_server(partner_site, host="127.0.0.1", port=0, threads=2)
    host = f"http://127.0.0.1:{host_srv.effective_port}"
    settings = Settings.load(
        overrides={"index_dir": sample_index, "cors_origins": host, "rate_limit": "",
                   "query_log_dir": tmp_path_factory.mktemp("browser-var"),
                   "editor_token": EDITOR_TOKEN},
        environ={},
    )
    app_srv = create_server(create_app(settings), host="127.0.0.1", port=0, threads=4)
    holder["app"] = f"http://127.0.0.1:{app_srv.effective_port}"
    stopping = threading.Event()

    def run(server) -> None:
        # close() from this thread can land while the server's loop is in select():
        # that select then fails on the closed socket (EBADF), which is the stop itself.
        try:
            server.run()
        except OSError:
            if not stopping.is_set():
                raise

    threads = [threading.Thread(target=run, args=(s,), daemon=True) for s in (host_srv, app_srv)]
    for t in threads:
        t.start()
    yield Live(app=holder["app"], host=host)
    stopping.set()
    for s in (host_srv, app_srv):
        s.close()
    for t in threads:
        t.join(timeout=5)


@dataclass
class Problems:
    messages: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def problems(page) -> Iterator[Problems]:
    """Console errors, uncaught exceptions and dialogs (alert...) seen by `page`."""
    seen = Problems()
    page.on("console", lambda m: seen.messages.append(f"{m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.messages.append(f"pageerror: {e}"))

    def on_dialog(dialog) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield seen
    assert not seen.messages, seen.messages
    assert not seen.dialogs, seen.dialogs
