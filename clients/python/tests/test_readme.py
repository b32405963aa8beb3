"""The README's examples run as written, against the test server (they read BATON_URL)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import List

import pytest

PACKAGE_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def _examples() -> List[str]:
    with open(os.path.join(PACKAGE_ROOT, "README.md")) as f:
        return re.findall(r"```python\n(.*?)```", f.read(), re.S)


def test_the_readme_has_both_examples() -> None:
    examples = _examples()
    assert len(examples) == 2
    assert "baton.Client(" in examples[0] and "baton.aio.Client(" in examples[1]


@pytest.mark.parametrize("index, expected", [(0, ["deploying with fencing token", "held by ['deployer@ci-7']", "build ready: v1.2.3"]), (1, ["deployed with fencing token", "gave up waiting", "build ready: v1.2.3", "arrival order [1, 2, 3]", "probe: "])])
def test_a_readme_example_runs(url: str, index: int, expected: List[str]) -> None:
    env = dict(os.environ, BATON_URL=url, PYTHONPATH=PACKAGE_ROOT)
    run = subprocess.run([sys.executable, "-c", _examples()[index]], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    for line in expected:
        assert line in run.stdout
