# Two entry points: `make serve` and `make test`. Each creates .venv/ and installs what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX ?= index
HOST ?= 127.0.0.1
PORT ?= 5000
# HYBRID=1: words + sentence embeddings (installs the 'hybrid' extra, ~140 MB; README "Hybrid")
HYBRID ?= 0

.PHONY: serve test lint index chromium redis clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

index: $(STAMP)
	@if [ "$(HYBRID)" = 1 ]; then $(BIN)/python -m pip install --quiet -e '.[dev,hybrid]'; fi
	QASEARCH_HYBRID=$(HYBRID) $(BIN)/qasearch index --source scraped --index $(INDEX)

serve: index
	@if [ "$(HYBRID)" != 1 ]; then echo "Hybrid search (words + MiniLM embeddings) is off: held out" \
		"on the dev sets it gains only a little, on long messages (README \"Hybrid search\" has the figures)," \
		"adds ~55 ms to a message of 40+ words, ~140 MB installed and ~240 MB per process." \
		"Turn it on with: make serve HYBRID=1"; fi
	QASEARCH_HYBRID=$(HYBRID) $(BIN)/qasearch serve --host $(HOST) --port $(PORT) --index $(INDEX)

# Browser tests need Debian's chromium; install it when we can (root + apt-get), else they skip.
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium with apt-get"; \
		(apt-get install -y -q chromium >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)) || \
		echo "chromium could not be installed: browser tests will skip"; \
	fi

# Tests of several servers sharing one Redis need Debian's redis-server (and the deploy check
# nginx and rsync); install them when we can (root + apt-get), else those tests skip.
redis:
	@if { [ ! -x /usr/bin/redis-server ] || [ ! -x /usr/bin/rsync ]; } && [ "$$(id -u)" = 0 ] && \
	    command -v apt-get >/dev/null; then \
		echo "installing redis-server and rsync with apt-get"; \
		(apt-get install -y -q redis-server rsync >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q redis-server rsync >/dev/null 2>&1)) || \
		echo "redis-server could not be installed: shared-store tests will skip"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check --no-cache .

test: $(STAMP) chromium redis lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(INDEX) .pytest_cache .ruff_cache
