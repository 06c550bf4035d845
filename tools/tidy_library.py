"""Tidy the library `nbdev_export` has just written, so that `ruff check deep_symphony` holds it to the notebooks'
rules.

nbdev writes each module's docstring on one line and wraps `__all__` at 120 columns without counting its
`__all__ = ` prefix; it also turns `deep_symphony.x` imports into relative ones, which ruff sorts after the others.
This rewraps both at 120 columns and sorts each cell's imports (`ruff check --fix --select I001`); nothing else is
touched. `make export` runs `nbdev_export`, then this; `tests/test_pipeline.py` checks that the committed library is
exactly what the two write from the notebooks.

    python tools/tidy_library.py [deep_symphony]
"""
import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

WIDTH = 120


def tidy_text(text: str) -> str:
    "A module's text with its one-line docstring and its `__all__` wrapped at `WIDTH` columns."
    lines = text.split('\n')
    if lines and lines[0].startswith('"""') and lines[0].endswith('"""') and len(lines[0]) > WIDTH:
        body = lines[0][3:-3]
        lines[:1] = textwrap.wrap('"""' + body + '"""', WIDTH, break_long_words=False, break_on_hyphens=False)
    text = '\n'.join(lines)
    m = re.search(r'^__all__ = \[.*?\]$', text, re.M | re.S)
    if m:
        names = ast.literal_eval(m.group(0).split('=', 1)[1].strip())
        wrapped = textwrap.wrap('__all__ = [' + ', '.join(repr(n) for n in names) + ']', WIDTH,
                                subsequent_indent=' ' * 11, break_long_words=False, break_on_hyphens=False)
        text = text[:m.start()] + '\n'.join(wrapped) + text[m.end():]
    return text


def main(lib='deep_symphony'):
    for f in sorted(Path(lib).rglob('*.py')):
        if f.name == '_modidx.py': continue
        old = f.read_text(); new = tidy_text(old)
        if new != old: f.write_text(new)
    r = subprocess.run([sys.executable, '-m', 'ruff', 'check', '--fix', '--select', 'I001', '--quiet', lib],
                       capture_output=True, text=True)
    if r.returncode not in (0, 1): sys.exit(f'tidy_library: ruff failed: {r.stderr.strip()}')


if __name__ == '__main__':
    main(*sys.argv[1:])
