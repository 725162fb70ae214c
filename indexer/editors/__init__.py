"""The editors' tools: similar questions ("already answered?"), duplicate groups and
privacy-safe query statistics."""
