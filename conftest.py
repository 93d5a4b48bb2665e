"""Collection rules for the doctests under src/ (tests/conftest.py has the tests' own settings)."""

import importlib.util

# The Dask adapter and its documented examples need the optional [dask] extra
# (a minimal install, e.g. `make test-numpy-min`, has NumPy only).
collect_ignore_glob = []
if importlib.util.find_spec("dask") is None:
    collect_ignore_glob += ["src/convpool/_dask/*", "src/convpool/lazy.py"]
