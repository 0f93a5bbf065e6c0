# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Each runs the idempotent set-up first (system Chromium and fonts, .venv), quiet when done.
DEMO_IMAGE ?= ../shared/data/design2code-dev/1002.png
DEMO_OUT ?= demo-out
VENV := .venv/bin

.PHONY: setup demo test lint bench

setup:
	@bash scripts/setup.sh

demo: setup
	@$(VENV)/img2code html $(DEMO_IMAGE) -o $(DEMO_OUT) --force

lint: setup
	@$(VENV)/ruff check .
	@$(VENV)/ruff format --check .
	@$(VENV)/mypy --no-error-summary

test: lint
	@$(VENV)/python -m pytest -q

bench: setup
	@$(VENV)/python benchmarks/pipeline.py
	@$(VENV)/python benchmarks/drawio_render.py
