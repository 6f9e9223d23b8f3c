# Set-up for a fresh machine: `make demo` and `make test` are the two commands the README promises.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO ?= jiyi-demo

.PHONY: install demo test system-deps clean

# The virtual environment with jiyi installed (editable, with the test extras).
$(BIN)/jiyi: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/jiyi

# Debian packages Jiyi uses at run time: a CJK font to render facsimile pages.
system-deps:
	@if [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then \
	  echo "installing fonts-noto-cjk (CJK font for facsimile pages)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq fonts-noto-cjk; \
	fi

demo: system-deps install
	$(BIN)/jiyi demo --workspace $(DEMO)
	$(BIN)/jiyi app --workspace $(DEMO)

test: system-deps install
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(DEMO) build dist *.egg-info
