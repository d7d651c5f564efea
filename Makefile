# The two commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The one install command; the Dockerfile runs the same line, without the `embedded` extra.
INSTALL = $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: run test lint install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The client distribution (client/) is installed alongside: the server depends on its contract.
# The `embedded` extra brings the in-process database `make run` uses when MONGODB_URL is unset.
$(VENV)/.installed: $(BIN)/python pyproject.toml client/pyproject.toml
	$(INSTALL) -e ./client -e '.[embedded]'
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml client/pyproject.toml
	$(INSTALL) -e ./client -e '.[dev,report]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/rewards-service

# The static checks, one line per tool; `make test` runs them first, so CI does too. mypy reads what to
# check, and how strictly, from [tool.mypy] in pyproject.toml; lint-imports the contracts of the layers.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The static checks, then the whole suite twice: on mongomock, then on a SecantusDB server it starts
# and stops itself (once, against that server only, when MONGODB_URL is set).
test: install-dev lint
	$(BIN)/python -m tests.two_passes -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV)
