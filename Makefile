# One command per chore. Every target creates .venv on first use, so a fresh clone needs nothing but
# python3 (>= 3.11) and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   ?= demo-network
HOST   ?= 127.0.0.1
PORT   ?= 8000
SERVE  ?= 1
# pytest-xdist workers for make test (tests/conftest.py keeps Spark's tests on one of them)
TEST_WORKERS ?= 2

.PHONY: demo test lint fmt typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/anchorkit demo --force $(DEMO)
	$(BIN)/anchorkit --workspace $(DEMO) indicators --by anchor
	$(BIN)/anchorkit --workspace $(DEMO) multipliers load --example
	$(BIN)/anchorkit --workspace $(DEMO) publish --out $(DEMO)/open-data
	$(BIN)/anchorkit --workspace $(DEMO) report --network --out $(DEMO)/reports/network-report.pdf
	$(BIN)/anchorkit --workspace $(DEMO) report --network --out $(DEMO)/reports/network-report.xlsx
	@echo
	@echo "Demo accounts for the dashboard:"
	@$(BIN)/anchorkit --workspace $(DEMO) user demo
	@echo
	@echo "Also try: .venv/bin/anchorkit --workspace $(DEMO) indicators --json"
	@echo "          .venv/bin/anchorkit --workspace $(DEMO) supplier list | review list | rejects"
	@echo
ifeq ($(SERVE),0)
	@echo "Serve it with: .venv/bin/anchorkit --workspace $(DEMO) serve --port $(PORT)"
else
	@echo "Dashboard: http://$(HOST):$(PORT)/  (Ctrl-C stops it; SERVE=0 skips this step)"
	$(BIN)/anchorkit --workspace $(DEMO) serve --host $(HOST) --port $(PORT)
endif

test: $(STAMP)
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/ingest.py --lines $${BENCH_LINES:-10000000}
	$(BIN)/python bench/resolution.py --sizes $${BENCH_RESOLVE_SIZES:-100000,1000000}
	$(BIN)/python bench/place.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/classify.py --lines $${BENCH_CLASSIFY_LINES:-10000000}
	$(BIN)/python bench/spark.py --lines $${BENCH_SPARK_LINES:-10000000}
	$(BIN)/python bench/reports.py --lines $${BENCH_LINES:-10000000}

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache .mypy_cache
