# Two entry points: `make demo` (the main job) and `make test`. Both set up
# .venv from scratch when it is missing, so they work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# PyTorch is an optional test oracle and a benchmark peer, pinned: on this
# project's machines pip takes the CPU wheel of 2.13.0 that lies on disk, while
# an unpinned torch would pull GBs of CUDA packages from the registry.
TORCH  := torch==2.13.0
LINTED := src tests tasks tools benchmarks examples docs
# JAX for the JAX cases of tests/backends/test_xp.py and test_conventions.py (about 380 MB installed), in a target of
# its own so that `make test` stays lean; .ci/run runs both.
JAX    := jax==0.10.2

.PHONY: demo test test-fast test-xp lint setup setup-test setup-bench bench bench-quick bench-small bench-backward bench-train \
	bench-dask bench-arrays bench-memory bench-nd example test-numpy-min test-python-min test-extras-min clean setup-docs docs docs-alone browser test-browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q -e '.[cli]'

setup-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test,dev,cli]'
	-$(BIN)/pip install -q $(TORCH) || echo "torch not installed: its oracle tests will be skipped"

# The main job: the exercise's seven tasks on the embedded samples, and a figure.
demo: setup
	mkdir -p build
	$(BIN)/convpool demo -o build/convpool-demo.png --force

lint: setup-test
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/python tools/check_imports.py src/convpool
	$(BIN)/mypy

# The NumPy-only core in about a minute: no Dask, other array libraries, command line, figures or browser.
test-fast: setup-test
	$(BIN)/python -m pytest -q -m "not dask and not xp and not cli and not plot and not browser and not slow"

test: setup-test lint
	$(BIN)/python -m pytest

# Arrays of other libraries (docs/arrays.md): the xp tests with JAX installed too.
test-xp: setup-test
	$(BIN)/pip install -q -e '.[arrays]' $(JAX)
	$(BIN)/python -m pytest tests/backends/test_xp.py tests/api/test_conventions.py -q

# torch tensors vs NumPy arrays in (CPU); convpool vs cuDNN where CUDA is there (docs/arrays.md).
bench-arrays: setup-test
	$(BIN)/pip install -q -e '.[arrays]'
	$(BIN)/python benchmarks/bench_arrays.py

# The documentation site (docs/, Sphinx): built offline, warnings are errors, the Learn pages
# scripts run and draw their figures; then no page may load anything from the network.
setup-docs: setup-test
	$(BIN)/pip install -q -e '.[docs]'

docs: setup-docs
	rm -rf build/docs docs/auto_learn docs/generated docs/_extra
	$(BIN)/python -m sphinx -b html -W --keep-going -q docs build/docs/html
	$(BIN)/python tools/check_docs_offline.py build/docs/html
	@echo "site: build/docs/html/index.html"

# The [docs] extra alone builds the site (pip install 'convpool[docs]', nothing else): a venv of its own.
docs-alone:
	$(PYTHON) -m venv .venv-docs
	.venv-docs/bin/pip install -q --upgrade pip
	.venv-docs/bin/pip install -q '.[docs]'
	rm -rf build/docs-alone docs/auto_learn docs/generated docs/_extra
	.venv-docs/bin/python -m sphinx -b html -W --keep-going -q docs build/docs-alone/html

# The explorer and the built Learn pages in a real browser: Debian's chromium + chromium-driver, installed
# here when missing (needs root and the Debian registry; otherwise the test skips, saying why).
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get install -y -q chromium chromium-driver >/dev/null || \
		(apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null) || \
		echo "chromium could not be installed: the browser test will skip"; \
	else echo "no chromium and no root to apt-get it: the browser test will skip"; fi

# The Learn pages are tested as built: the site is built first unless it is there (.ci/run builds it just before).
test-browser: setup-docs browser
	@test -f build/docs/html/auto_learn/plot_01_convolution.html || $(MAKE) docs
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/docs/test_explorer_browser.py tests/docs/test_learn_browser.py

# Side-by-side timing against PyTorch, SciPy, OpenCV and NumPy idioms (docs/performance.md).
setup-bench: setup-test
	$(BIN)/pip install -q -e '.[bench]'

bench: setup-bench
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/scaling.py

bench-quick: setup-bench
	$(BIN)/python benchmarks/bench.py --quick --repeats 3
	$(BIN)/python benchmarks/scaling.py --quick

# Backward/forward time ratios of convolve and pool (docs/gradients.md).
bench-backward: $(BIN)/python
	$(BIN)/pip install -q -e .
	$(BIN)/python benchmarks/bench_backward.py

# Small calls (tiny arrays, the LeNet-5 layers at batch 32) against PyTorch, per call (docs/performance.md).
bench-small: setup-test
	$(BIN)/python benchmarks/bench_small.py

# Training steps of examples/cnn_digits.py's CNN and a depthwise-separable twin against PyTorch (docs/gradients.md).
bench-train: setup-test
	$(BIN)/python benchmarks/bench_train.py

# Dask: overhead against eager convpool, dask-image, a stack 4x the workers' memory, graph sizes (docs/dask.md).
bench-dask: $(BIN)/python
	$(BIN)/pip install -q -e '.[bench-dask]'
	$(BIN)/python benchmarks/bench_dask.py

# Peak memory of one big image beyond input and output, each case in a fresh process (docs/performance.md).
bench-memory: $(BIN)/python
	$(BIN)/pip install -q -e .
	$(BIN)/python benchmarks/bench_memory.py

# Signals and volumes against PyTorch conv1d/conv3d/max_pool3d and scipy.ndimage, and a 1 GiB volume's memory (docs/volumes.md).
bench-nd: setup-test
	$(BIN)/python benchmarks/bench_nd.py

# A LeNet-style CNN trained with convpool's backward passes on 8x8 digits.
example: $(BIN)/python
	$(BIN)/pip install -q -e '.[examples]'
	$(BIN)/python examples/cnn_digits.py

# The oldest NumPy we claim (pyproject: numpy>=1.23), in a venv of its own.
test-numpy-min:
	$(PYTHON) -m venv .venv-numpy-min
	.venv-numpy-min/bin/pip install -q 'numpy==1.23.5' 'scipy<1.12' 'matplotlib<3.9' 'pillow<11' tqdm pytest hypothesis
	.venv-numpy-min/bin/pip install -q --no-deps -e .
	.venv-numpy-min/bin/python -m pytest -q -p no:cacheprovider

# The oldest Python and Pillow we claim (pyproject: requires-python, Pillow>=10.3): the whole suite in a
# venv of their own. Python comes from PATH or pyenv (whose shim answers to versions it has not selected,
# so each candidate must run); none at hand is an error, not a silent pass.
PYTHON_MIN := 3.10
PILLOW_MIN := 10.3.0
PYTHON_MIN_BIN = $(shell for p in python$(PYTHON_MIN) $$(pyenv root 2>/dev/null)/versions/$(PYTHON_MIN).*/bin/python$(PYTHON_MIN); \
	do $$p -c '' 2>/dev/null && echo $$p && break; done)
test-python-min:
	@test -n "$(PYTHON_MIN_BIN)" || (echo "no python$(PYTHON_MIN) on PATH or in pyenv" && exit 1)
	$(PYTHON_MIN_BIN) -m venv .venv-python-min
	.venv-python-min/bin/pip install -q --upgrade pip
	.venv-python-min/bin/pip install -q -e '.[test,cli]' 'Pillow==$(PILLOW_MIN)'
	.venv-python-min/bin/python -m pytest -q -p no:cacheprovider

# The floors of the extras (docs/releases.md), on the oldest Python: the tests that use them (figures,
# image files, the command line, Dask, a cluster, Zarr 2, BLAS threads, completion). NumPy 1.25: the newest
# that SciPy 1.9 takes.
EXTRAS_MIN := 'numpy==1.25.2' 'matplotlib==3.5.3' 'scipy==1.9.3' 'tqdm==4.60.0' 'Pillow==$(PILLOW_MIN)' \
	'dask[array]==2024.1.0' 'distributed==2024.1.0' 'zarr==2.16.0' 'tifffile==2022.8.12' 'threadpoolctl==3.5.0' \
	'shtab==1.5.8'
test-extras-min:
	@test -n "$(PYTHON_MIN_BIN)" || (echo "no python$(PYTHON_MIN) on PATH or in pyenv" && exit 1)
	$(PYTHON_MIN_BIN) -m venv .venv-extras-min
	.venv-extras-min/bin/pip install -q --upgrade pip
	.venv-extras-min/bin/pip install -q --only-binary=:all: $(EXTRAS_MIN) pytest hypothesis
	.venv-extras-min/bin/pip install -q --no-deps -e .
	.venv-extras-min/bin/python -m pytest -q -p no:cacheprovider tests/plot tests/io tests/cli \
		tests/backends/test_dask.py tests/backends/test_distributed.py tests/backends/test_blas_threads.py

clean:
	rm -rf $(VENV) .venv-numpy-min .venv-python-min .venv-extras-min .venv-docs build .pytest_cache .hypothesis docs/auto_learn docs/generated docs/_extra
