# Two entry points: `make demo` (the main job) and `make test`. Both set up
# .venv from scratch when it is missing, so they work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# PyTorch is an optional test oracle; pinned, because an unpinned torch pulls GBs of CUDA packages.
TORCH  := torch==2.13.0

.PHONY: demo test lint setup setup-test clean test-numpy-min

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q -e '.[cli]'

setup-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test,dev,cli]'
	-$(BIN)/pip install -q $(TORCH) || echo "torch not installed: its oracle tests will be skipped"

demo: setup
	mkdir -p build
	$(BIN)/convpool demo -o build/convpool-demo.png --force

.PHONY: setup-bench bench bench-quick

# Side-by-side timing against PyTorch, SciPy, OpenCV and NumPy idioms (issue 3, docs/performance.md).
setup-bench: setup-test
	$(BIN)/pip install -q -e '.[bench]'

bench: setup-bench
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/scaling.py

bench-quick: setup-bench
	$(BIN)/python benchmarks/bench.py --quick --repeats 3
	$(BIN)/python benchmarks/scaling.py --quick

lint: setup-test
	$(BIN)/ruff check src tests tasks tools benchmarks
	$(BIN)/ruff format --check src tests tasks tools benchmarks

test: setup-test lint
	$(BIN)/python -m pytest

.PHONY: example bench-backward

# A LeNet-style CNN trained with convpool's backward passes on 8x8 digits (issue 5).
example: $(BIN)/python
	$(BIN)/pip install -q -e '.[examples]'
	$(BIN)/python examples/cnn_digits.py

# Backward/forward time ratios of convolve and pool (issue 5).
bench-backward: $(BIN)/python
	$(BIN)/pip install -q -e .
	$(BIN)/python benchmarks/bench_backward.py

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis

# The oldest NumPy we claim (pyproject: numpy>=1.23), in a venv of its own.
test-numpy-min:
	$(PYTHON) -m venv .venv-numpy-min
	.venv-numpy-min/bin/pip install -q 'numpy==1.23.5' 'scipy<1.12' 'matplotlib<3.9' 'pillow<11' pytest hypothesis
	.venv-numpy-min/bin/pip install -q --no-deps -e .
	.venv-numpy-min/bin/python -m pytest -q -p no:cacheprovider
