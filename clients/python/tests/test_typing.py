"""The type hints hold: mypy --strict over the package (configured in pyproject.toml)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PACKAGE_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def test_mypy_strict_passes() -> None:
    if subprocess.run([sys.executable, "-c", "import mypy"], capture_output=True).returncode != 0:
        if os.environ.get("BATON_REQUIRE_PYTHON") == "1":
            pytest.fail("BATON_REQUIRE_PYTHON=1 but mypy is not installed (Debian: python3-mypy)")
        pytest.skip("needs mypy (Debian: python3-mypy)")
    run = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", "/dev/null"], cwd=PACKAGE_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_public_name_has_a_docstring() -> None:
    import inspect

    import baton
    import baton.aio

    missing = []
    for module in (baton, baton.aio):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue
            if not (obj.__doc__ or "").strip():
                missing.append(f"{module.__name__}.{name}")
            if not inspect.isclass(obj):
                continue
            for klass in obj.__mro__:  # inherited methods too (the rendezvous calls)
                if not klass.__module__.startswith("baton"):
                    continue
                for attr, value in vars(klass).items():
                    if attr.startswith("_") or not (inspect.isfunction(value) or isinstance(value, property)):
                        continue
                    if not (value.__doc__ or "").strip():
                        missing.append(f"{module.__name__}.{name}.{attr}")
    assert missing == []
