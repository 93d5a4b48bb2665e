"""Optional dependencies: import one, or say in one line which extra of convpool brings it.

NumPy is convpool's only requirement; everything else is an extra
(``pyproject.toml``, ``[project.optional-dependencies]``). A module that needs
one imports it through :func:`optional` at the point of use, so that
``import convpool`` stays light and a user without the extra reads which
``pip install`` to run rather than a bare ``No module named ...``.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

__all__ = ["optional"]

#: Import names whose distribution on PyPI is spelled otherwise (what ``pip install`` takes).
_DISTRIBUTIONS = {"PIL": "Pillow", "array_api_compat": "array-api-compat"}


def optional(module: str, *, extra: str, purpose: str | None = None) -> ModuleType:
    """Import ``module``, an optional dependency, or raise an ``ImportError`` naming ``extra``.

    Parameters
    ----------
    module : str
        Dotted name to import, e.g. ``"matplotlib.pyplot"`` or ``"dask.array"``.
    extra : str
        The extra of convpool that installs it (a key of ``[project.optional-dependencies]``).
    purpose : str, optional
        What needs it, as the start of the message; by default the calling module's name.

    Returns
    -------
    types.ModuleType
        The imported module.

    Raises
    ------
    ImportError
        When ``module`` or a package above it is not installed, with a one-line message
        ``"<purpose> needs <package>: pip install 'convpool[<extra>]'"``. An ``ImportError``
        raised from inside an installed package (a broken install) passes unchanged:
        installing the extra again would not cure it, and its own message says what would.

    Examples
    --------
    >>> optional("json", extra="plot").dumps([1])
    '[1]'
    >>> optional("convpool_no_such_module", extra="plot", purpose="this example")
    Traceback (most recent call last):
    ...
    ImportError: this example needs convpool_no_such_module: pip install 'convpool[plot]'
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if not (module == missing or module.startswith(missing + ".")):
            raise  # something the installed package itself imports: not ours to rename
        if purpose is None:
            # the module that asked: "convpool.plot needs matplotlib: ..."
            purpose = sys._getframe(1).f_globals.get("__name__", "convpool")
        top = module.split(".")[0]
        package = _DISTRIBUTIONS.get(top, top)
        raise ImportError(f"{purpose} needs {package}: pip install 'convpool[{extra}]'", name=module) from exc
