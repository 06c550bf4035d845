"""Shared fixtures: where the real development data is, and how to run the CLI."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
