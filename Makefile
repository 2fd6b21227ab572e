# The two commands: `make run` and `make test`. Both set up .venv first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
DEPS_HASH := $(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
STAMP := $(VENV)/.deps-$(DEPS_HASH)

.PHONY: setup run test help

help:
	@echo "make run    set up, upgrade the database and start peerbot"
	@echo "make test   set up, then run every test"
	@echo "make setup  only create/update .venv (Python 3.10)"

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@scripts/setup-venv.sh $(VENV) $(STAMP)

run: setup
	$(BIN)/peerbot config check
	$(BIN)/peerbot db upgrade

test: setup
	$(BIN)/python -m pytest
