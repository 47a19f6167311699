# familyhub: `make demo` and `make test` set everything up themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# The web pages' GOV.UK Frontend assets: installed from the npm registry (package-lock.json)
# and copied into an ignored folder, never committed.
ASSETS := src/familyhub/web/static/vendor/govuk-frontend/VERSION

.PHONY: demo test bench lint format clean install assets

install: $(STAMP)

assets: $(ASSETS)

$(ASSETS): package.json package-lock.json | $(STAMP)
	@command -v npm >/dev/null || { echo "npm is needed for the web assets (e.g. apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python -m familyhub.web.assets

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP) $(ASSETS)
	$(BIN)/familyhub demo

test: $(STAMP) $(ASSETS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules src/familyhub/web/static/vendor
