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
    "`nbdev_export` gives deep_symphony/ exactly: nobody edited it by hand, nothing rewrote it after the export."
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
    "Each stage runs a notebook with parameters it declares, or the CLI (a model's default samples stage)."
    stages = yaml.safe_load((ROOT / 'dvc.yaml').read_text())['stages']
    params = yaml.safe_load((ROOT / 'params.yaml').read_text())
    assert stages
    for name, st in expand_stages(stages).items():
        cmd = st['cmd']
        if not re.search(r'\.ipynb', cmd):
            assert cmd.startswith('deep-symphony '), (name, cmd); continue
        nb = re.search(r'(nbs/\S+\.ipynb)', cmd).group(1)
        assert nb in st['deps'], (name, nb)
        known = parameters_of(ROOT / nb)
        passed = set(re.findall(r'-[pr] (\w+) ', cmd))
        assert passed <= known, (name, passed - known)
        for ref in re.findall(r'\$\{(\w+)\.(\w+)\}', cmd):
            assert ref[0] in params and ref[1] in params[ref[0]], (name, ref)
        for m in st.get('metrics', []):                   # seed 0's under metrics/, a replicate's under seeds/s<k>/
            assert re.match(r'(seeds/s\d+/)?metrics/', next(iter(m))), (name, m)


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


def cli_imports(command:str, root=ROOT) -> set[str]:
    """What `deep-symphony COMMAND` imports: cli.py's module-level imports and those inside its handler `_cmd_COMMAND`
    (the other handlers' lazy imports never run)."""
    import ast
    tree = ast.parse((root / 'deep_symphony' / 'cli.py').read_text())
    handler = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == f'_cmd_{command}')
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    return {'deep_symphony.cli'} | {m for n in top + [handler]
                                    for m in imported_modules(ast.unparse(n), 'deep_symphony')}


def stale_dependencies(dvc_yaml, root=ROOT) -> list[str]:
    """`stage: module` for every library file a stage's notebook imports (transitively) that the stage does not
    depend on; for a CLI stage, what its command imports (the model it names included)."""
    missing = []
    for name, st in expand_stages(yaml.safe_load(dvc_yaml.read_text())['stages']).items():
        deps = [root / d for d in st.get('deps', [])]
        if nb := re.search(r'(nbs/\S+\.ipynb)', st['cmd']):
            code = notebook_code(root / nb.group(1))
            exported = re.findall(r'^#\|\s*default_exp\s+(\S+)', code, re.M)    # a model notebook is its module too
            names = imported_modules(code) | {f'deep_symphony.{m}' for m in exported}
        else:
            command, model = re.match(r'deep-symphony (\w+) ?(\w*)', st['cmd']).groups()
            names = cli_imports(command, root) | ({f'deep_symphony.models.{model}'} if model else set())
        closure = library_closure(names - {'deep_symphony.cli'}, root) | (
            {root / 'deep_symphony' / 'cli.py'} if 'deep_symphony.cli' in names else set())
        for f in sorted(closure):
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
    stages = expand_stages(yaml.safe_load((ROOT / pipeline / 'dvc.yaml').read_text())['stages'])
    for name, st in stages.items():
        assert st['wdir'] == '..', name
        outs = [next(iter(o)) if isinstance(o, dict) else o for o in st['outs'] + st.get('metrics', [])]
        assert all(re.match(rf'(seeds/s\d+/)?{pipeline}/', o) for o in outs), (name, outs)
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


# --- the graph is written from the code, and an edit re-runs only what it touches ------------------------------------

@pytest.mark.parametrize('pipeline', ['dvc.yaml', 'piano/dvc.yaml', 'emg/dvc.yaml'])
def test_dvc_sync_would_change_nothing(pipeline):
    "Every committed pipeline file is what `deep-symphony dvc sync` writes (deps, params, plots)."
    from deep_symphony.pipeline import sync_pipeline
    changed = sync_pipeline(ROOT / pipeline, write=False)
    assert not changed, f'{pipeline}: run `deep-symphony dvc sync` (out of date: {", ".join(changed)})'


def test_no_import_circle_in_the_library():
    import networkx as nx
    g = nx.DiGraph()
    for f in (ROOT / 'deep_symphony').rglob('*.py'):
        if f.name in ('__init__.py', '_modidx.py'): continue
        name = '.'.join(f.relative_to(ROOT).with_suffix('').parts)
        for m in imported_modules(f.read_text(), name.rsplit('.', 1)[0]):
            if (mf := module_file(m)) is not None and mf.name != '__init__.py' and m != name: g.add_edge(name, m)
    assert g.number_of_edges() > 50                                    # the graph was read
    assert not list(nx.simple_cycles(g)), list(nx.simple_cycles(g))[:5]


def test_training_never_depends_on_chapters_rendering_or_the_site():
    "No `train_*` stage depends on a chapter module, the renderer, the website or the scorecard."
    presentation = {'deep_symphony/render.py', 'deep_symphony/site.py', 'deep_symphony/evaluate/scorecard.py'}
    for pipeline in ('dvc.yaml', 'piano/dvc.yaml', 'emg/dvc.yaml'):
        for name, st in expand_stages(yaml.safe_load((ROOT / pipeline).read_text())['stages']).items():
            if not name.startswith('train_'): continue
            bad = [d for d in st['deps'] if d in presentation or d.startswith('deep_symphony/chapters/')]
            assert not bad, (pipeline, name, bad)


@pytest.mark.skipif(shutil.which('git') is None, reason='needs git')
def test_editing_presentation_code_reruns_no_training(tmp_path):
    """In a copy of the repository, a change to every chapter module, the renderer, the website and the scorecard:
    `dvc status` lists those files among the changed dependencies of chapter stages, and of no `train_*` stage."""
    files = subprocess.run(['git', 'ls-files'], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        if (ROOT / f).is_file():
            (tmp_path / f).parent.mkdir(parents=True, exist_ok=True); shutil.copy(ROOT / f, tmp_path / f)
    subprocess.run(['git', 'init', '-q'], cwd=tmp_path, check=True)
    edited = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / 'deep_symphony' / 'chapters').glob('[!_]*.py'))
    edited += ['deep_symphony/render.py', 'deep_symphony/site.py', 'deep_symphony/evaluate/scorecard.py']
    for f in edited:
        with open(tmp_path / f, 'a') as fh: fh.write('\n# an edit\n')
    r = subprocess.run([sys.executable, '-m', 'dvc', 'status', '--json'], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    touched = {stage: {f for entry in changes if isinstance(entry, dict)
                       for f in entry.get('changed deps', {}) if f in edited}
               for stage, changes in json.loads(r.stdout or '{}').items()}
    touched = {s: fs for s, fs in touched.items() if fs}
    assert any(s.startswith(('charrnn_chapter', 'gan_chapter', 'seqgan_chapter')) for s in touched), touched
    assert set().union(*touched.values()) == set(edited) - {'deep_symphony/site.py'}, touched   # no stage runs the site
    assert not [s for s in touched if s.split('@')[0].startswith('train_')], touched


def test_dvc_sync_repairs_a_stale_pipeline_to_the_committed_file(tmp_path):
    "A stage that lost a module: `dvc sync --check` names it and fails; `dvc sync` writes back the committed file."
    from conftest import run_cli
    for name in ('nbs', 'deep_symphony'): shutil.copytree(ROOT / name, tmp_path / name)
    for name in ('dvc.yaml', 'params.yaml'): shutil.copy(ROOT / name, tmp_path / name)
    text = (ROOT / 'dvc.yaml').read_text()
    stale = text.replace('        - deep_symphony/train.py\n', '', 1)
    assert stale != text
    (tmp_path / 'dvc.yaml').write_text(stale)
    r = run_cli('dvc', 'sync', '--check', 'dvc.yaml', cwd=tmp_path)
    assert r.returncode == 2 and 'out of date' in r.stderr and 'train_charrnn' in r.stderr, r.stderr
    assert (tmp_path / 'dvc.yaml').read_text() == stale                   # --check changed nothing
    r = run_cli('dvc', 'sync', 'dvc.yaml', cwd=tmp_path)
    assert r.returncode == 0 and 'updated train_charrnn' in r.stdout, r.stderr
    assert (tmp_path / 'dvc.yaml').read_text() == text


def test_params_init_writes_a_block_that_checks(tmp_path):
    from conftest import run_cli
    from test_cli_errors import one_line_error
    p = tmp_path / 'params.yaml'
    p.write_text('# mine\nother: {a: 1}\n')
    r = run_cli('params', 'init', 'gru', '--file', p)
    assert r.returncode == 0 and 'added block gru' in r.stdout, r.stderr
    blocks = yaml.safe_load(p.read_text())
    assert blocks['other'] == {'a': 1} and p.read_text().startswith('# mine\n')          # nothing lost
    assert blocks['gru']['model']['hidden'] == 256 and blocks['gru']['train']['precision'] == 'auto'
    assert '# GRU cells per layer' in p.read_text()                                     # each knob with its doc
    one_line_error(run_cli('params', 'init', 'gru', '--file', p), 'already has a block')
    one_line_error(run_cli('params', 'init', 'transformer', '--file', p), "no block 'transformer'")


def test_chapter_stages_declare_the_study_runs_they_show():
    """A chapter's stage (the one writing its report, not the seeds' replicates) depends on every file its rows of the
    study-run register read, the optional ones included, or on a folder above it: a new or finished run there makes
    `dvc repro` run the chapter again, so its table at the study's setting never shows an older file."""
    from deep_symphony.evaluate.study_runs import STUDY_RUNS
    lacking = []
    for dvcfile in ('dvc.yaml', 'piano/dvc.yaml'):
        for name, st in yaml.safe_load((ROOT / dvcfile).read_text())['stages'].items():
            if 'foreach' in st: continue
            for r in STUDY_RUNS:
                if f'nbs/{r.chapter}.ipynb' not in st['cmd']: continue
                deps = [d.rstrip('/') for d in st.get('deps', [])]
                lacking += [f'{dvcfile}:{name} {f}' for f in r.files + r.optional
                            if not any(f == d or f.startswith(d + '/') for d in deps)]
    assert not lacking, lacking
