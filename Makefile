# Two commands, both self-contained on a fresh machine (Python 3.10+, pip, gcc):
#   make run    set up .venv, build the compiled core, check every shipped chip and workload, then run
#               the lifetime/energy/latency study of on-chip learning on the eSpine PCM chip (new folder
#               neurosim-run-NNN/ with report.html, results.json and CSV tables)
#   make test   set up .venv with the test extras, build, run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
SOURCES := pyproject.toml setup.py constraints.txt $(wildcard csrc/*.pyx csrc/*.pxd csrc/*.h)
PYTEST_ARGS ?= -n 2

.PHONY: run test build clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.built: $(SOURCES) | $(BIN)/python
	$(PIP) install -q -c constraints.txt "setuptools>=64" wheel "Cython>=3.1" "numpy>=2"
	$(PIP) install -q -c constraints.txt --no-build-isolation -e ".[plot]"
	touch $@

$(VENV)/.built-test: $(VENV)/.built
	$(PIP) install -q -c constraints.txt --no-build-isolation -e ".[test]"
	touch $@

build: $(VENV)/.built

run: $(VENV)/.built
	$(BIN)/neurosim quickstart
	$(BIN)/neurosim run espine_pcm traces/diehl_cook --mapping espine --baseline spinemap --ticks 600

test: $(VENV)/.built-test
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf build $(VENV) neurosim/_core/*.so csrc/*.c *.egg-info
