# CRM Analytics Workbook — every target creates the virtual environment when it is missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.crmlib-installed
JOBS   ?= reports/jobs.yml
PYTEST_ARGS ?=

.PHONY: help setup reports notebooks test test-fast lint bench data clean-reports

help:
	@echo "make reports    render every notebook as a report on the default data (reports/index.html)"
	@echo "make test       run the whole test suite (unit, property, notebooks, reports, real data)"
	@echo "make notebooks  re-execute the lesson notebooks in place (outputs committed, volatile metadata stripped)"
	@echo "make data       regenerate data/ from the committed seed"
	@echo "make bench      run the benchmark scripts"
	@echo "make setup      create $(VENV) with crmlib and its pinned dependencies"

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,lab,scale,spark]"
	touch $(STAMP)

reports: $(STAMP)
	$(BIN)/crmlib report batch $(JOBS)

notebooks: $(STAMP)
	$(BIN)/crmlib notebooks execute notebooks

data: $(STAMP)
	$(BIN)/python -m crmlib.datasets data

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not notebooks and not slow" tests crmlib $(PYTEST_ARGS)

PEERS := benchmarks/_work/venv

$(PEERS)/.installed: benchmarks/requirements-peers.txt
	test -x $(PEERS)/bin/python || $(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet -r benchmarks/requirements-peers.txt
	touch $@

# one environment per peer family: benchmarks/_work/venv-NAME from benchmarks/requirements-NAME.txt
PEER_ENVS := pymc basket satisfaction

benchmarks/_work/venv-%/.installed: benchmarks/requirements-%.txt
	test -x $(@D)/bin/python || $(PYTHON) -m venv $(@D)
	$(@D)/bin/python -m pip install --quiet -r $<
	touch $@

bench: $(STAMP) $(PEERS)/.installed $(foreach e,$(PEER_ENVS),benchmarks/_work/venv-$(e)/.installed)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean-reports:
	find reports -mindepth 1 -not -name jobs.yml -not -name README.md -not -path 'reports/examples*' -delete
