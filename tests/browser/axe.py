"""axe-core in a Playwright page: the pinned engine shipped by the `axe-playwright-python`
package (axe.min.js), injected through the DevTools protocol (the page's CSP does not apply).

    result = run_axe(page)        # {"violations": [...]} as axe returns it
    serious(result)               # violations of impact serious or critical, one line each
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import pytest

BLOCKING = ("serious", "critical")


@lru_cache(maxsize=1)
def axe_source() -> str:
    """The bundled axe.min.js; skips the test (with the reason) when the package is missing."""
    try:
        return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(
            encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        pytest.skip("axe-core is missing: pip install axe-playwright-python==0.1.8 "
                    "(pinned in setup.cfg's dev extra)")


def version() -> str:
    first = axe_source()[:40]
    return first.split("axe v", 1)[-1].split()[0] if "axe v" in first else "?"


def run_axe(page: Any) -> dict[str, Any]:
    """Run axe on the page as it is now (WCAG 2.x A/AA rules and best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    return page.evaluate("""() => axe.run(document, {resultTypes: ['violations']})
        .then(r => ({violations: r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}))}))""")


def serious(result: dict[str, Any]) -> list[str]:
    """One line per node of each serious or critical violation."""
    out = []
    for v in result["violations"]:
        if v["impact"] in BLOCKING:
            for n in v["nodes"]:
                out.append(f"{v['impact']} {v['id']} ({v['help']}): {n['target']}")
    return out


def counts(result: dict[str, Any]) -> dict[str, int]:
    """Nodes per impact level."""
    out: dict[str, int] = {}
    for v in result["violations"]:
        out[v["impact"] or "?"] = out.get(v["impact"] or "?", 0) + len(v["nodes"])
    return out
