"""Words: the one analyzer (tokenise, fold, stem), spelling, lay-term synonyms, question types
and the optional sentence embeddings. Used alike by indexing, search and the editors' tools."""
