# Koto DX Platform — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export KOTODX_DATA_DIR ?= $(CURDIR)/var
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint audit bench system-deps pdf-deps migrate demo clean messages scale-test

## setup: virtualenv, Python and front-end dependencies (idempotent; used by run and test)
setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ が必要です (python3)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Node.js と npm が必要です (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: setup
	$(BIN)/kotodx migrate --noinput

demo: migrate
	$(BIN)/kotodx loaddemo

## run: migrate the embedded SQLite database, load the Koto plan and demo data, serve web + queue
run: pdf-deps demo
	$(BIN)/kotodx serve --host $(HOST) --port $(PORT) --queue

# Debian packages: Japanese fonts and Pango for the PDF reports (WeasyPrint); Chromium and poppler-utils
# (pdftotext) for the tests. Installed when missing and apt-get is there as root; otherwise named.
PDF_PKGS := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
# Tesseract with its Japanese data (OCR of paper forms) and poppler-utils (pdftoppm renders scanned PDFs).
OCR_PKGS := tesseract-ocr tesseract-ocr-jpn poppler-utils
TEST_PKGS := $(PDF_PKGS) $(OCR_PKGS) chromium gdal-bin

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "apt-get install$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "次のパッケージが必要です / please install:$$missing (sudo apt-get install$$missing)"; exit 1; fi
endef

## pdf-deps: fonts and Pango for PDF reports, Tesseract (Japanese) for OCR
pdf-deps:
	$(call apt_install,$(PDF_PKGS) $(OCR_PKGS))

## system-deps: everything the tests need from Debian
system-deps:
	$(call apt_install,$(TEST_PKGS))

## test: the whole suite, browser tests included
test: setup system-deps
	$(BIN)/pytest -q $(PYTEST_ARGS)

## lint: ruff (lint + format check) and mypy
lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

## audit: known vulnerabilities in the Python and npm dependencies (pip-audit, npm audit; .ci/audit);
## exit 1 on a finding, 3 when one of the two could not be audited (its advisory service does not answer)
audit: setup
	.ci/audit

## bench: benchmarks, reported as ratios against a baseline measured in the same run
bench: setup
	$(BIN)/python -m bench.run

## messages: rebuild the English catalogue after changing Japanese texts
messages: setup
	cd src/kotodx && ../../$(BIN)/kotodx makemessages -l en --no-obsolete && ../../$(BIN)/kotodx compilemessages -l en

clean:
	rm -rf $(VENV) $(VENV)-audit node_modules var .pytest_cache .mypy_cache .ruff_cache

## scale-test: 3 app processes behind HAProxy + 2 queue consumers on PostgreSQL/Redis, load and faults
## (bench/scale/rig.py; needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379; about 4 minutes;
## scaling measured with a CPU slice per app process, SCALE_APP_CPU=0.25, when the rig may make cgroups)
scale-test: setup
	$(call apt_install,haproxy)
	$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/pip install -q 'locust==2.47.0'
	$(BIN)/python -m bench.scale.rig $(SCALE_ARGS)
