"""records -> a generation: the Whoosh schema, the build with its atomic swap of `CURRENT`,
the ranking arrays built beside it, and the store that opens the live generation for search."""
