# Two commands on a fresh Debian/Ubuntu machine: `make demo` and `make test`.
# `make setup` is their shared first step: system packages (when root), .venv, the project.

PYTHON ?= python3
UV_VERSION := 0.13.9
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-stamp
APT_PACKAGES := libreoffice-writer-nogui fonts-noto-cjk fonts-liberation poppler-utils chromium postgresql
# The Fandol fonts (free 仿宋, 楷体, 黑体, 宋体 faces) ship in texlive-lang-chinese, which pulls
# in a TeX system of some 300 MB: only its Fandol .otf files are unpacked, into FANDOL_DIR.
FANDOL_DIR := /usr/local/share/fonts/fandol
FONTCONFIG := /etc/fonts/conf.d/65-bureau-gb-fonts.conf

.PHONY: setup system-packages gb-fonts lock demo test lint format bench clean

# gb-fonts is checked on every setup (cheaply), so a machine set up before it gets the fonts.
setup: $(STAMP) gb-fonts

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
# browser tests (Playwright drives /usr/bin/chromium; it never downloads a browser), and
# PostgreSQL for the tests of the PostgreSQL catalog (they start their own server in a
# temporary folder, as an unprivileged user).
# Needs root and apt;
# elsewhere it says what is missing and carries on (the tests will then say it too).
system-packages:
	@if command -v soffice >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 \
		&& command -v chromium >/dev/null 2>&1 \
		&& ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		&& fc-list 2>/dev/null | grep -qi 'Noto Serif CJK' \
		&& fc-list 2>/dev/null | grep -qi 'Liberation Serif'; then \
		echo "system packages: present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "system packages: installing $(APT_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	else \
		echo "system packages: please install $(APT_PACKAGES) (needs root)"; \
	fi

# The GB/T 9704 faces' free stand-ins (fonts/65-bureau-gb-fonts.conf says which for which)
# and Times New Roman's (Liberation Serif).
gb-fonts:
	@if fc-list 2>/dev/null | grep -qi 'FandolFang' && cmp -s fonts/65-bureau-gb-fonts.conf $(FONTCONFIG) \
		&& fc-list 2>/dev/null | grep -qi 'Liberation Serif'; then \
		echo "GB fonts: present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "GB fonts: fonts-liberation, and the Fandol fonts from texlive-lang-chinese into $(FANDOL_DIR)"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-liberation >/dev/null \
		&& tmp=$$(mktemp -d) && chmod 755 $$tmp && cd $$tmp && apt-get download texlive-lang-chinese >/dev/null 2>&1 \
		&& dpkg-deb --fsys-tarfile texlive-lang-chinese_*.deb | tar -x \
			./usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/ ./usr/share/doc/texlive-doc/fonts/fandol/ \
		&& mkdir -p $(FANDOL_DIR) \
		&& cp usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol[FHKS]*.otf usr/share/doc/texlive-doc/fonts/fandol/* $(FANDOL_DIR)/ \
		&& cd - >/dev/null && rm -rf $$tmp \
		&& cp fonts/65-bureau-gb-fonts.conf $(FONTCONFIG) && fc-cache -f >/dev/null; \
	else \
		echo "GB fonts: please install the Fandol fonts and copy fonts/65-bureau-gb-fonts.conf to $(FONTCONFIG) (needs root)"; \
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
