# Two commands on a fresh Debian/Ubuntu machine: `make demo` and `make test`.
# `make setup` is their shared first step: system packages (when root), .venv, the project.

PYTHON ?= python3
UV_VERSION := 0.13.9
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-stamp
APT_PACKAGES := libreoffice-writer-nogui fonts-noto-cjk poppler-utils chromium

.PHONY: setup system-packages lock demo test lint format bench clean

setup: $(STAMP)

# Installs exactly what uv.lock names (versions and hashes), never what is newest today.
$(STAMP): pyproject.toml uv.lock
	@$(MAKE) --no-print-directory system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --quiet --frozen --inexact --extra dev
	@touch $(STAMP)

# Upgrading is deliberate: take the newest releases pyproject.toml allows, then run the suite.
lock: $(STAMP)
	$(BIN)/uv lock --upgrade
	$(BIN)/uv sync --frozen --inexact --extra dev
	@echo "uv.lock updated: run 'make test' before committing it"

# Installs what pip cannot: LibreOffice (DOCX -> PDF), CJK fonts, and Chromium for the
# browser tests (Playwright drives /usr/bin/chromium; it never downloads a browser).
# Needs root and apt;
# elsewhere it says what is missing and carries on (the tests will then say it too).
system-packages:
	@if command -v soffice >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 \
		&& command -v chromium >/dev/null 2>&1 \
		&& fc-list 2>/dev/null | grep -qi 'Noto Serif CJK'; then \
		echo "system packages: present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "system packages: installing $(APT_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	else \
		echo "system packages: please install $(APT_PACKAGES) (needs root)"; \
	fi

demo: setup
	$(BIN)/python -m bureau.demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .hypothesis
