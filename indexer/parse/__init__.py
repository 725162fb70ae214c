"""Input format readers: page bytes and dataset files -> records (dispatcher filled in by A1)."""
