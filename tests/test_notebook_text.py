"The notebooks' prose renders as prose: a plain title, and no markdown written as `# ` comment lines."
import json

from conftest import ROOT


def markdown_cells(nb):
    return [''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown']


def test_titles_and_prose_render():
    nbs = sorted((ROOT / 'nbs').glob('[0-9]*.ipynb'))
    assert len(nbs) > 20
    for nb in nbs:
        cells = markdown_cells(nb)
        assert cells and cells[0].startswith('# ') and not cells[0].startswith('# #'), f'{nb.name}: title'
        for text in cells:
            lines = [l for l in text.split('\n') if l.strip()]
            commented = len(lines) > 1 and all(l == '#' or l.startswith('# ') for l in lines)
            assert not commented, f'{nb.name}: a markdown cell written as comment lines: {lines[0][:60]!r}'
