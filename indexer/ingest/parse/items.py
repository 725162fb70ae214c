"""Plain data passed between the page parsers, the merge step and the dispatcher.

`ParseResult` is what `parse_paths` returns: records, problems and counts of one run.

A page parser turns one page (bytes) into a `PageParse`: what the page says about itself
(kind, category path, page X of Y, declared question count) and the `RawItem`s on it. The merge
step (`merge.py`) folds the raw items of every page into `Record`s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.records import Record

# How complete the text of a raw item is, best first (merge keeps the best variant's text).
FULL = "full"  # an item page (h2.itemTitle + div.itemFullText)
COMPLETE_INTRO = "complete_intro"  # a listing intro with no "Read more..." link: the whole item
TEXT_DUMP = "text_dump"  # one item of a plain-text dump of a page
PARTIAL_INTRO = "partial_intro"  # a listing intro cut short ("Read more...")
BROKEN = "broken"  # the item was cut off by a truncated page

QUALITY_RANK = {FULL: 0, COMPLETE_INTRO: 1, TEXT_DUMP: 2, PARTIAL_INTRO: 3, BROKEN: 4}

# Page kinds.
LISTING = "listing"
ITEM = "item"
TEXT = "text"
OTHER = "other"


@dataclass
class Problem:
    """Something wrong with one input. `level` is "error" (input or part of it skipped),
    "warning" (parsed, but something was lost or guessed) or "note" (parsed with a fallback)."""

    path: str
    message: str
    level: str = "error"
    position: str = ""  # where on the page: "item 3 of 5", "line 12"
    lost: bool = False  # an item block with text that gave no record

    def __str__(self) -> str:
        where = f"{self.path}, {self.position}" if self.position else self.path
        return f"{where}: {self.level}: {self.message}"


@dataclass
class RawItem:
    """One question/answer as seen on one page, before merging."""

    question: str
    answer: str
    title: str = ""
    item_id: str = ""
    item_url: str = ""  # the item page URL, when known (canonical)
    page_url: str = ""  # the page this was seen on
    category: list[str] = field(default_factory=list)  # path of the page it was seen on
    primary: bool = False  # True when `category` is the item's own (breadcrumb of its page)
    quality: str = FULL
    flags: list[str] = field(default_factory=list)
    source: str = ""
    position: str = ""  # where on its page: "item 3 of 5", "line 12"
    problem: Problem | None = None  # what was reported about this copy (a cut-off page)


@dataclass
class PageParse:
    """What one page gave. `page`/`pages` come from "Page X of Y" (or the URL), `declared` from
    the "N questions" line of the category header; each is None when the page does not say."""

    kind: str
    url: str = ""
    category: list[str] = field(default_factory=list)
    page: int | None = None
    pages: int | None = None
    declared: int | None = None
    items: list[RawItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False


@dataclass
class ParseResult:
    """Records and problems of one parse run, with counts for the summary."""

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    pages: list[PageParse] = field(default_factory=list)  # one per K2 page / text dump parsed
    files: int = 0  # input files looked at
    skipped: int = 0  # input files skipped (bad input, unsupported type)
    raw_items: int = 0  # items seen on pages before merging
    merged: int = 0  # raw items folded into another record
    by_kind: dict[str, int] = field(default_factory=dict)  # records per input kind
    skipped_blocks: int = 0  # item blocks with text that gave no record (each a warning)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    def summary(self) -> str:
        """One line: what was read, what it gave, what was lost (only what no record holds)
        and the problems by level."""
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.by_kind.items())) or "none"
        counts = {kind: sum(1 for p in self.pages if p.kind == kind)
                  for kind in (LISTING, ITEM, TEXT, OTHER)}
        pages = ", ".join(f"{n} {name}" for name, n in (
            ("listings", counts[LISTING]), ("item pages", counts[ITEM]),
            ("text dumps", counts[TEXT]), ("without archive content", counts[OTHER])) if n)
        levels = [(lvl, sum(1 for p in self.problems if p.level == lvl))
                  for lvl in ("error", "warning", "note")]
        return (
            f"{len(self.records)} records ({kinds}) from {self.files} files; "
            f"{len(self.pages)} pages parsed ({pages or 'none'}), {self.skipped} files skipped; "
            f"{self.raw_items} page items merged into {self.raw_items - self.merged} archive "
            f"items; {self.skipped_blocks} item blocks lost; problems: "
            + ", ".join(f"{n} {lvl}{'s' if n != 1 else ''}" for lvl, n in levels)
        )


def report_problem(problems: list[Problem] | None, path: object, message: str) -> None:
    """Add an error about `path` to `problems` (when a list is given)."""
    if problems is not None:
        problems.append(Problem(str(path), message))
