"""The repository's own invariants: notebooks and library in sync, DVC stages and notebook parameters agree."""
import json, re, shutil, subprocess, sys

import pytest
import yaml

from conftest import ROOT


def test_nbdev_export_leaves_the_library_unchanged(tmp_path):
    "Exporting the notebooks reproduces deep_symphony/ exactly (nobody edited the library by hand)."
    for name in ('nbs', 'settings.ini'):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, tmp_path / name)
    (tmp_path / 'deep_symphony').mkdir()
    r = subprocess.run([sys.executable, '-c', 'from nbdev.doclinks import nbdev_export; nbdev_export()'], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    produced = {p.relative_to(tmp_path / 'deep_symphony'): p.read_text() for p in (tmp_path / 'deep_symphony').rglob('*.py')}
    committed = {p.relative_to(ROOT / 'deep_symphony'): p.read_text() for p in (ROOT / 'deep_symphony').rglob('*.py')}
    from pathlib import Path
    produced.pop(Path('__init__.py'), None); committed.pop(Path('__init__.py'), None)
    assert produced.keys() == committed.keys()
    for k in produced: assert produced[k] == committed[k], f'deep_symphony/{k} differs from its notebook'


def parameters_of(nb_path):
    nb = json.loads(nb_path.read_text())
    cells = [c for c in nb['cells'] if 'parameters' in c.get('metadata', {}).get('tags', [])]
    assert len(cells) == 1, f'{nb_path}: expected one parameters cell'
    return set(re.findall(r'^(\w+)\s*=', ''.join(cells[0]['source']), re.M))


def test_every_stage_runs_a_notebook_with_known_parameters():
    stages = yaml.safe_load((ROOT / 'dvc.yaml').read_text())['stages']
    params = yaml.safe_load((ROOT / 'params.yaml').read_text())
    assert stages
    expanded = {}
    for name, st in stages.items():
        if 'foreach' in st and isinstance(st['foreach'], dict):      # foreach over a mapping: ${key} and ${item.field}
            for key, item in st['foreach'].items():
                text = json.dumps(st['do']).replace('${key}', key)
                for f, v in item.items(): text = text.replace('${item.%s}' % f, str(v))
                expanded[f'{name}@{key}'] = json.loads(text)
        elif 'foreach' in st:
            for item in st['foreach']:
                expanded[f'{name}@{item}'] = yaml.safe_load(yaml.safe_dump(st['do']).replace('${item}', str(item)))
        else: expanded[name] = st
    for name, st in expanded.items():
        cmd = st['cmd']
        nb = re.search(r'(nbs/\S+\.ipynb)', cmd).group(1)
        assert nb in st['deps'], (name, nb)
        known = parameters_of(ROOT / nb)
        passed = set(re.findall(r'-[pr] (\w+) ', cmd))
        assert passed <= known, (name, passed - known)
        for ref in re.findall(r'\$\{(\w+)\.(\w+)\}', cmd):
            assert ref[0] in params and ref[1] in params[ref[0]], (name, ref)
        for m in st.get('metrics', []):
            assert next(iter(m)).startswith('metrics/')
