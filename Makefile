# PostWriter: every entry point a person or CI uses. `make help` lists them.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help venv services services-stop up down demo test test-unit lint lint-deploy fmt fuzz bench eval clean

help: ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(STAMP): setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

venv: $(STAMP) ## create .venv with the package and dev tools

services: ## install (if missing) and start RabbitMQ, FerretDB and Chromium on 127.0.0.1
	bash deploy/local/services.sh start

services-stop: ## stop the local RabbitMQ and FerretDB
	bash deploy/local/services.sh stop

up: venv services ## start fixture site, api, scrape consumer and scheduler in the background
	bash deploy/local/stack.sh up

down: ## stop what `make up` started (services keep running; `make services-stop` for those)
	bash deploy/local/stack.sh down

demo: up ## the whole stack on loopback, a live scrape of the demo timeline, a summary
	bash deploy/local/stack.sh demo

test: venv services ## every test: unit, integration (real services), end-to-end
	$(BIN)/pytest

test-unit: venv ## pure unit tests only
	$(BIN)/pytest tests/unit

lint: venv ## ruff and mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: venv ## format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lint-deploy: ## validate Dockerfile, compose, k8s, workflows, Prometheus rules, dashboards
	bash deploy/lint/lint-deploy.sh

eval: venv ## classifier precision/recall/F1 on the labelled corpus (fails below the bar)
	$(BIN)/python -m tests.eval

fuzz: venv services ## schemathesis against /v1/openapi.json on a fresh API (no 5xx, schemas, auth)
	$(BIN)/python -m tests.fuzz

bench: venv services ## benchmarks: figures and ratios, see docs/performance.md
	$(BIN)/python -m tests.bench

clean: down ## remove local data, virtualenv and caches
	-bash deploy/local/services.sh stop
	rm -rf .services .run .venv .tools .pytest_cache .mypy_cache .ruff_cache test-artifacts
