# The two set-up commands on a fresh machine:  make figures  |  make test
# Both create the virtual environment (.venv) on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# A corpus to analyse instead of the shipped one: a folder, a CSV/JSON Lines table, JSON records, .txt files.
CORPUS ?=
# How to read it: FIELDS=body=story,date=day (which column fills which field); DATE_FORMAT=dmy|mdy|%d.%m.%Y.
FIELDS ?=
DATE_FORMAT ?=
# Notebook parameters: FOCUS="A;B" (07's actors); PARAMS="name=value name2=a;b" (any declared parameter).
FOCUS ?=
PARAMS ?=
# Where figures go (default: figures/ for the shipped corpus, build/figures/<name> for another).
OUT    ?=
# What the comparative figures group by: a metadata column (outlet, bias_text, topic) or year|quarter|month.
GROUP_BY ?=

.PHONY: all venv dask figures test lab bench browser clean

all: figures

DASK   := $(VENV)/.dask

$(STAMP): requirements.txt requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## The optional dask extra (make test runs the dask test, so it installs it).
$(DASK): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dask]" -c requirements.lock
	touch $(DASK)

venv: $(STAMP)
dask: $(DASK)

## Annotate the corpus (the store under data/interim/), execute every notebook headless, write figures/
## (CORPUS=any corpus source, OUT=folder for your own corpus, GROUP_BY=column or year|quarter|month,
## FIELDS, DATE_FORMAT, FOCUS, PARAMS: see above).
figures: $(STAMP)
	$(BIN)/python -m analysis notebooks $(if $(CORPUS),--corpus "$(CORPUS)") $(if $(OUT),--out "$(OUT)") $(if $(GROUP_BY),--group-by "$(GROUP_BY)") \
	  $(if $(FIELDS),--fields "$(FIELDS)") $(if $(DATE_FORMAT),--date-format "$(DATE_FORMAT)") \
	  $(if $(FOCUS),--param "focus_actors=$(FOCUS)") $(if $(PARAMS),--param "$(PARAMS)")

## Unit tests, evaluations on ../shared/data (skipped with a message when absent), every notebook,
## the figure drift check and the browser tests (the annotated-article pages; notebooks 05 and 02 in JupyterLab).
test: $(STAMP) $(DASK) browser
	$(BIN)/python -m pytest

## Debian's Chromium (and an emoji font, so flags in posts render) for the browser test (installed when
## missing and apt-get can run as root; otherwise the browser test skips with a message).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; \
	  else echo "chromium not installed and no root apt-get: the browser test will skip"; fi; }

## JupyterLab on the same environment (LAB_FLAGS adds flags, e.g. LAB_FLAGS="--no-browser --ip=0.0.0.0";
## as root, e.g. in a container, --allow-root is added).
LAB_FLAGS ?=
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_FLAGS)

## Benchmarks (see bench/README.md).
bench: $(STAMP)
	$(BIN)/python bench/bench_store.py

clean:
	rm -rf build .cache .pytest_cache data/interim
