# The two commands: `make run` and `make test`. Both set up .venv first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
DEPS_HASH := $(shell cat pyproject.toml constraints.txt scripts/setup-venv.sh | sha256sum | cut -c1-16)
STAMP := $(VENV)/.deps-$(DEPS_HASH)

# Rasa and TensorFlow are chatty; keep the set-up output readable.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: setup model run test bench layout help

help:
	@echo "make run    set up and start peerbot (the sandbox with demo data when TELEGRAM_BOT_TOKEN is unset)"
	@echo "make test   set up, then run every test"
	@echo "make setup  only create/update .venv (Python 3.10) and the Rasa model"
	@echo "make bench  set up, then run the benchmarks and print their numbers"
	@echo "make layout set up, then run WORKERS (default 2) bot processes behind nginx (see deploy/)"

setup: $(STAMP) model

$(STAMP): pyproject.toml constraints.txt
	@scripts/setup-venv.sh $(VENV) $(STAMP)

# Trains only when rasa_project/ changed (the model is named after its hash).
model: $(STAMP)
	@$(BIN)/peerbot train

run: setup
	$(BIN)/peerbot config check
	$(BIN)/peerbot run

test: setup
	@scripts/ensure-system-packages.sh
	$(BIN)/ruff check bot tests scripts rasa_project/actions
	$(BIN)/mypy
	$(BIN)/python -m pytest

WORKERS ?= 2
layout: setup
	@scripts/ensure-system-packages.sh nginx
	$(BIN)/peerbot layout --workers $(WORKERS)

bench: setup
	@scripts/ensure-system-packages.sh nginx
	$(BIN)/python scripts/bench_throughput.py --rounds 3 --workers $(WORKERS)
	$(BIN)/python scripts/bench_screen.py --rounds 10
	$(BIN)/python scripts/bench_escalation.py --runs 100
	$(BIN)/python scripts/bench_fanout.py --people 1000 10000
