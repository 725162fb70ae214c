"""pages -> records: the polite crawler (the only network I/O), URL rules, the page store and
the parsers of archive pages, text dumps, record files and MedQuAD (`parse/`)."""
