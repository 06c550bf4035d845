"""The repository's own invariants: notebooks and library in sync, DVC stages and notebook parameters agree."""
import json
import re
import shutil
import subprocess
import sys

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
    produced = {p.relative_to(tmp_path / 'deep_symphony'): p.read_text()
                for p in (tmp_path / 'deep_symphony').rglob('*.py')}
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


def expand_stages(stages:dict) -> dict:
    "dvc.yaml's stages with `foreach` expanded (`name@key`), as DVC names them."
    expanded = {}
    for name, st in stages.items():
        if 'foreach' in st and isinstance(st['foreach'], dict):      # foreach over a mapping: ${key} and ${item.field}
            for key, item in st['foreach'].items():
                text = json.dumps(st['do']).replace('${key}', key)
                for f, v in item.items(): text = text.replace('${item.%s}' % f, str(v))
                expanded[f'{name}@{key}'] = json.loads(text)
        elif 'foreach' in st:
            for item in st['foreach']:
                expanded[f'{name}@{item}'] = json.loads(json.dumps(st['do']).replace('${item}', str(item)))
        else: expanded[name] = st
    return expanded


def test_every_stage_runs_a_notebook_with_known_parameters():
    stages = yaml.safe_load((ROOT / 'dvc.yaml').read_text())['stages']
    params = yaml.safe_load((ROOT / 'params.yaml').read_text())
    assert stages
    for name, st in expand_stages(stages).items():
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


# --- DVC cannot go stale: every stage depends on every deep_symphony module its notebook imports ---------------------

def imported_modules(source:str, package:str|None=None) -> set[str]:
    """Absolute names of the modules `source` imports (top-level or inside functions), relative imports resolved
    against `package`."""
    import ast
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import): out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parts = (package or '').split('.')
                base = '.'.join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            out.add(base)
            out |= {f'{base}.{a.name}' for a in node.names}           # `from pkg import module`
    return out


def module_file(name:str, root=ROOT):
    "The source file of module `name` under `root` (a module or a package's __init__), or None."
    p = root.joinpath(*name.split('.'))
    for f in (p.with_suffix('.py'), p / '__init__.py'):
        if f.is_file(): return f
    return None


def library_closure(names, root=ROOT, prefix='deep_symphony') -> set:
    """Every file of the `prefix` package that modules `names` import, directly or through other modules
    (the package's `__init__`s too)."""
    todo, seen = [n for n in names if n == prefix or n.startswith(prefix + '.')], set()
    while todo:
        name = todo.pop()
        f = module_file(name, root)
        if f is None or f in seen: continue
        seen.add(f)
        parts = name.split('.')
        todo += ['.'.join(parts[:i]) for i in range(1, len(parts))]        # importing a.b.c runs a and a.b first
        pkg = name if f.name == '__init__.py' else '.'.join(parts[:-1])
        todo += [n for n in imported_modules(f.read_text(), pkg) if n == prefix or n.startswith(prefix + '.')]
    return {f for f in seen if f.name != '__init__.py'}          # package markers and the version stamp: no code


def notebook_code(nb_path) -> str:
    "The code cells of a notebook, magics and shell lines dropped."
    nb = json.loads(nb_path.read_text())
    lines = [l for c in nb['cells'] if c['cell_type'] == 'code' for l in ''.join(c['source']).splitlines() + ['']]
    return '\n'.join(l for l in lines if not l.lstrip().startswith(('%', '!')))


def stale_dependencies(dvc_yaml, root=ROOT) -> list[str]:
    """`stage: module` for every library file a stage's notebook imports (transitively) that the stage does not
    depend on."""
    missing = []
    for name, st in expand_stages(yaml.safe_load(dvc_yaml.read_text())['stages']).items():
        nb = re.search(r'(nbs/\S+\.ipynb)', st['cmd']).group(1)
        deps = [root / d for d in st.get('deps', [])]
        code = notebook_code(root / nb)
        exported = re.findall(r'^#\|\s*default_exp\s+(\S+)', code, re.M)       # a model notebook is its module too
        for f in sorted(library_closure(imported_modules(code) | {f'deep_symphony.{m}' for m in exported}, root)):
            if not any(f == d or d in f.parents for d in deps): missing.append(f'{name}: {f.relative_to(root)}')
    return missing


@pytest.mark.parametrize('pipeline', ['dvc.yaml', 'piano/dvc.yaml', 'emg/dvc.yaml'])
def test_every_stage_depends_on_the_library_modules_its_notebook_imports(pipeline):
    missing = stale_dependencies(ROOT / pipeline)
    assert not missing, (f'{pipeline}: stages miss library dependencies (a change there would not re-run them):\n'
                         + '\n'.join(missing))


@pytest.mark.parametrize('pipeline', ['piano', 'emg'])
def test_the_optional_pipelines_stay_out_of_the_main_one(pipeline):
    "Their stages run from the repository root and write only under piano/ (emg/); data/piano (data/emg) is hidden."
    stages = yaml.safe_load((ROOT / pipeline / 'dvc.yaml').read_text())['stages']
    for name, st in stages.items():
        assert st['wdir'] == '..', name
        outs = [next(iter(o)) if isinstance(o, dict) else o for o in st['outs'] + st.get('metrics', [])]
        assert all(o.startswith(f'{pipeline}/') for o in outs), (name, outs)
    assert f'/data/{pipeline}/' in (ROOT / '.dvcignore').read_text().split()


def test_the_dependency_check_sees_a_missing_module(tmp_path):
    "A stage whose notebook imports the Char-RNN model but whose deps forget the trainer it imports is reported."
    (tmp_path / 'nbs').mkdir(); shutil.copytree(ROOT / 'deep_symphony', tmp_path / 'deep_symphony')
    cell = {'cell_type': 'code', 'source': ['from deep_symphony.models.charrnn import train_charrnn\n'], 'metadata': {}}
    (tmp_path / 'nbs' / 'x.ipynb').write_text(json.dumps({'cells': [cell]}))
    (tmp_path / 'dvc.yaml').write_text(yaml.safe_dump({'stages': {'x': {
        'cmd': 'papermill nbs/x.ipynb out.ipynb',
        'deps': ['nbs/x.ipynb', 'deep_symphony/models', 'deep_symphony/core.py']}}}))
    missing = stale_dependencies(tmp_path / 'dvc.yaml', tmp_path)
    assert 'x: deep_symphony/train.py' in missing and 'x: deep_symphony/datasets.py' in missing
    assert not any(m.endswith(('core.py', 'charrnn.py')) for m in missing)
