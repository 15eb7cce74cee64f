# The two commands of the README: `make demo` and `make test`. Everything else is set-up they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The statutes are data, read from a directory outside the repository (see README).
export ANKANG_LAWS_DIR ?= $(abspath ../shared/laws)

.PHONY: demo test lint install browser fonts warm bench clean

# A fresh clone of an unchanged pyproject.toml copies a kept environment (scripts/install-venv.sh).
$(STAMP): pyproject.toml scripts/install-venv.sh
	PYTHON=$(PYTHON) VENV=$(VENV) ./scripts/install-venv.sh
	touch $(STAMP)

install: $(STAMP)

browser:
	./scripts/ensure-chromium.sh

# Noto Sans CJK, embedded in the certificates' PDFs (Debian's fonts-noto-cjk).
fonts:
	./scripts/ensure-cjk-font.sh

# Build the search caches (jieba dictionary, segmented texts) once, so every start is fast.
warm: $(STAMP)
	$(BIN)/ankang kb warm

demo: $(STAMP) fonts warm
	$(BIN)/ankang demo

# pytest-xdist: one worker per core, each a test session of its own (template database, Chromium).
# worksteal: a worker that runs out of tests takes some of the other's, so the long tests (real
# processes, the fuzz) do not leave a core idle at the end.
TEST_WORKERS ?= auto
# Bytecode is written even where the environment says PYTHONDONTWRITEBYTECODE: otherwise every
# worker of both CI runs, and every process a test starts, compiles and assertion-rewrites the
# whole project again (collection 25 s instead of 2 s).
test: $(STAMP) browser fonts warm
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The gate: ruff (lint rules only; the formatter is not adopted) and mypy, configured in pyproject.toml.
# mypy keeps its cache outside the checkout as well, so a fresh clone (CI) re-checks only what changed
# instead of everything (40 s): mypy takes an entry only if the file's hash still matches.
MYPY_CACHE_DIR ?= $(HOME)/.cache/ankang/mypy
lint: $(STAMP)
	$(BIN)/ruff check .
	MYPY_CACHE_DIR=$(MYPY_CACHE_DIR) $(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.qa
	$(BIN)/python -m bench.broadcast

clean:
	rm -rf $(VENV) data .pytest_cache
