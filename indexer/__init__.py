"""qasearch core: scrape, parse, analyse, index and search "Ask an expert" archives.

Never imports Flask. The only package that imports Whoosh. Importing it opens nothing.
"""

from indexer.records import Record, read_jsonl, write_jsonl

__all__ = ["Record", "read_jsonl", "write_jsonl"]
