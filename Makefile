# Schnellstart: `make run` (Beispieldaten laden und alles berechnen), `make test`, `make ui`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installiert

.PHONY: run test ui lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sozial-dwh demo --nur-wenn-leer
	$(BIN)/sozial-dwh run

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -q -n auto --dist loadfile --durations=20

ui: $(STAMP)
	$(BIN)/sozial-dwh ui

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
