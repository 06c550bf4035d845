"""Shared fixtures: where the real development data is, and how to run the CLI."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

# One math thread per process (inherited by every CLI and notebook subprocess): `pytest -n 2` on 2 cores is already
# two processes, and bit-identical checks (kill and resume) need the same arithmetic whatever the machine's load.
for _k in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'): os.environ.setdefault(_k, '1')

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get('DEEP_SYMPHONY_SHARED', ROOT.parent / 'shared' / 'datasets'))
CLI = [sys.executable, '-m', 'deep_symphony.cli']


def shared(*parts) -> Path:
    "A path under ../shared/datasets, or skip the test when it is absent."
    p = SHARED.joinpath(*parts)
    if not p.exists(): pytest.skip(f'real data not available: {p}')
    return p


def run_cli(*args, cwd=None, timeout=600):
    "Run `deep-symphony ARGS` in a subprocess; returns the CompletedProcess (text)."
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout)


@pytest.fixture(scope='session')
def executed_notebooks(tmp_path_factory) -> Path:
    """A folder shared by the test session's workers: the stage-notebook test leaves each notebook it executed there
    (at its small defaults) and the website test builds its tiny reproduction from them."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'): root = root.parent        # one folder for every xdist worker
    d = root / 'executed_notebooks'; d.mkdir(exist_ok=True)
    return d

