"""Packaging promises: a light import, documented public functions."""

import inspect
import subprocess
import sys

import convpool


def test_import_pulls_in_nothing_heavier_than_numpy():
    code = (
        "import sys, convpool; "
        "heavy = [m for m in ('matplotlib', 'PIL', 'scipy', 'torch', 'tqdm', 'dask') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_functions_have_numpydoc_and_type_hints():
    for name in convpool.__all__:
        obj = getattr(convpool, name)
        if not inspect.isfunction(obj):
            continue
        doc = inspect.getdoc(obj)
        assert doc and "Returns\n-------" in doc, name
        assert "return" in obj.__annotations__, name


def test_version():
    assert convpool.__version__.count(".") == 2
