# Set-up for a fresh machine: `make demo` and `make test` are the two commands the README promises.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO ?= jiyi-demo

.PHONY: install demo test system-deps viewer clean

# The virtual environment with jiyi installed (editable, with the test extras).
$(BIN)/jiyi: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/jiyi

# Debian packages Jiyi uses: a CJK font to render facsimile pages; Java and Maven to fetch
# and run the real Neo4j and Fuseki servers the tests start (make neo4j, make fuseki); wrk to
# load jiyi serve in jiyi bench iiif; npm to install the IIIF viewer (make viewer); Chromium for
# the tests that open the viewer in a real browser (Playwright drives Debian's build, never its own);
# Tesseract and its Chinese models for jiyi ocr (it reads traditional pages; the vertical models are jiyi bench ocr's baseline).
system-deps:
	@if [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then \
	  echo "installing fonts-noto-cjk (CJK font for facsimile pages)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq fonts-noto-cjk; \
	fi
	@if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then \
	  echo "installing Java 17 and Maven (to fetch and run Neo4j and Fuseki for the tests)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq openjdk-17-jdk-headless maven; \
	fi
	@if ! command -v wrk >/dev/null; then \
	  echo "installing wrk (the HTTP load generator of jiyi bench iiif)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk; \
	fi
	@if ! command -v npm >/dev/null; then \
	  echo "installing nodejs and npm (to install the IIIF viewer Mirador from the npm registry)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nodejs npm; \
	fi
	@if [ ! -f /usr/share/tesseract-ocr/5/tessdata/chi_tra_vert.traineddata ]; then \
	  echo "installing tesseract-ocr with its Chinese models (the second OCR engine of jiyi ocr)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq tesseract-ocr tesseract-ocr-chi-sim \
	    tesseract-ocr-chi-tra tesseract-ocr-chi-sim-vert tesseract-ocr-chi-tra-vert; \
	fi
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing chromium (the browser the viewer tests drive)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; \
	fi

demo: system-deps install viewer
	$(BIN)/jiyi demo --workspace $(DEMO)
	$(BIN)/jiyi app --public --workspace $(DEMO)

test: system-deps install viewer neo4j fuseki opensearch
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(DEMO) build dist *.egg-info $(VIEWER)/dist $(VIEWER)/node_modules

# The IIIF viewer, Mirador 3, from the npm registry at the version apps/viewer/package-lock.json pins
# (npm ci checks each package against the lock's hashes; --ignore-scripts: the bundle needs no build).
# Only its prebuilt bundle is kept, in apps/viewer/dist/, which `jiyi serve` serves at /viewer/;
# node_modules (200 MB of sources the bundle already holds) is removed. Re-runs when the lock changes.
VIEWER := apps/viewer
viewer: $(VIEWER)/dist/mirador.min.js

$(VIEWER)/dist/mirador.min.js: $(VIEWER)/package.json $(VIEWER)/package-lock.json
	npm ci --prefix $(VIEWER) --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(VIEWER)/dist
	cp $(VIEWER)/node_modules/mirador/dist/mirador.min.js $(VIEWER)/node_modules/mirador/dist/mirador.min.js.LICENSE.txt \
	   $(VIEWER)/node_modules/mirador/package.json $(VIEWER)/dist/
	rm -rf $(VIEWER)/node_modules

# Neo4j Community 5.26 from Maven Central (needs java and mvn), for `jiyi neo4j sync` and the
# Neo4j tests: fetches the jars once into ~/.cache/jiyi/neo4j-<version>/lib ($JIYI_CACHE to move it).
# Start a local server with `$(BIN)/python tools/neo4j_server.py start` (stop: `… stop`).
.PHONY: neo4j
neo4j:
	$(PYTHON) tools/neo4j_server.py fetch

# Apache Jena Fuseki 5.6.0, fetched with Maven into ~/.cache/jiyi (or $JIYI_CACHE) for the tests of
# pushing the graph to a SPARQL store; needs Java 17 and Maven. The tests start and stop it themselves.
.PHONY: fuseki
fuseki:
	$(PYTHON) tools/fuseki_server.py fetch

# OpenSearch 2.19.6 from Maven Central (the server and its HTTP module; needs Java 17 or 21 and Maven),
# for the OpenSearch search backend and its tests: fetched once into ~/.cache/jiyi/opensearch-<version>/
# ($JIYI_CACHE to move it). The tests start and stop a node themselves; `$(BIN)/python tools/opensearch_server.py
# start` runs one on 127.0.0.1:9200 (stop: `… stop`).
.PHONY: opensearch
opensearch:
	$(PYTHON) tools/opensearch_server.py fetch
