"""The Flask service: HTML pages, JSON API and the embeddable widget over `indexer`."""
