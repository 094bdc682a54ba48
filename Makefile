# Ardoise — the two commands that matter are `make demo` and `make test`.
# The work is done by the scripts in scripts/, readable on their own.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PORT ?= 8000
export PORT

VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help install demo test system-deps lint format bench

help:
	@echo "make demo         build the demo town afresh and serve it on http://127.0.0.1:$(PORT)/demo/ (PORT=…)"
	@echo "make test         install what is missing, then every quality gate on PostgreSQL and SQLite"
	@echo "make install      create $(VENV) with Python $$(cat .python-version) and install requirements.lock"
	@echo "make lint         ruff check and ruff format --check"
	@echo "make format       ruff format and ruff check --fix"
	@echo "make bench        run the benchmarks (bench/run.sh)"
	@echo "make system-deps  install Debian's postgresql, chromium and WeasyPrint's libraries (as root)"

install:
	@scripts/install.sh

system-deps:
	@scripts/system-deps.sh

demo: install
	@scripts/demo.sh

test:
	@scripts/test.sh

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: install
	@if [[ ! -f bench/run.sh ]]; then \
		echo "make bench: bench/run.sh does not exist yet: there are no benchmarks to run." >&2; \
		exit 1; \
	fi
	bash bench/run.sh
