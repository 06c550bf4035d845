"""Bad arguments, bad params and bad input: one line naming the argument, file or key; exit code 2; no traceback."""
import numpy as np
import pytest
from conftest import run_cli


def one_line_error(r, *needles):
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, r.stderr
    assert 'Traceback' not in r.stderr
    for n in needles: assert n in lines[0], (n, lines[0])
    return lines[0]


@pytest.mark.parametrize('args,needles', [
    (['encode', 'missing.mid', '-o', 'x.npy'], ['missing.mid', 'no such file']),
    (['encode', 'a.mid', '-o', 'x.npy', '--encoding', 'wav'], ['--encoding', 'wav']),
    (['encode', 'a.mid'], ['-o/--output']),
    (['decode', 'a.npy', '-o', 'x.mid', '--steps-per-second', 'fast'], ['--steps-per-second', 'fast']),
    (['data', 'export', '--corpus', 'jazz'], ['--corpus', 'jazz']),
    (['data', 'download', 'imagenet'], ['imagenet']),
    (['prepare', '--out', 'x'], ['--data']),
    (['prepare', '--data', 'no/such/dir', '--out', 'x'], ['--data', 'no/such/dir']),
    (['render', 'missing.mid', '--wav'], ['missing.mid']),
    (['nonsense'], ['nonsense']),
])
def test_bad_arguments(args, needles, tmp_path):
    one_line_error(run_cli(*args, cwd=tmp_path), *needles)


def test_bad_input_files(tmp_path):
    (tmp_path / 'text.mid').write_text('hello')
    one_line_error(run_cli('encode', tmp_path / 'text.mid', '-o', tmp_path / 'x.npy'),
                   'text.mid', 'not a readable MIDI file')
    np.save(tmp_path / 'ids.npy', np.array([3, 500]))
    one_line_error(run_cli('decode', tmp_path / 'ids.npy', '-o', tmp_path / 'x.mid'), 'event id 500')
    np.save(tmp_path / 'f.npy', np.array([0.5, 1.5]))
    one_line_error(run_cli('decode', tmp_path / 'f.npy', '-o', tmp_path / 'x.mid'), 'f.npy', 'integers')
    (tmp_path / 'junk.npy').write_bytes(b'junk')
    one_line_error(run_cli('decode', tmp_path / 'junk.npy', '-o', tmp_path / 'x.mid'), 'junk.npy')
    assert not (tmp_path / 'x.mid').exists() and not (tmp_path / 'x.npy').exists()


@pytest.mark.parametrize('yaml_text,needles', [
    ('prepare:\n  velocity_bins: many\n', ['prepare.velocity_bins', 'expected int']),
    ('prepare:\n  workers: 0\n', ['prepare.workers', 'must be positive']),
    ('prepare:\n  encodings: notes,midi\n', ['prepare.encodings']),
    ('prepare:\n  steps_per_sec: 10\n', ['prepare.steps_per_sec', 'unknown key']),
    ('train:\n  lr: 1\n', ["missing block 'prepare'"]),
    ('prepare: [unclosed\n', ['not valid YAML']),
])
def test_bad_params(yaml_text, needles, tmp_path):
    (tmp_path / 'raw').mkdir(); (tmp_path / 'params.yaml').write_text(yaml_text)
    r = run_cli('prepare', '--data', tmp_path / 'raw', '--out', tmp_path / 'out', '--params', tmp_path / 'params.yaml')
    line = one_line_error(r, *needles)
    assert 'params.yaml' in line
    assert not (tmp_path / 'out').exists()


def test_repo_params_are_valid():
    "The committed params.yaml passes `params check`, which `make reproduce` runs before `dvc repro`."
    from conftest import ROOT
    r = run_cli('params', 'check', 'params.yaml', cwd=ROOT)
    assert r.returncode == 0, r.stderr


def _leaves(d, pre=''):
    for k, v in d.items():
        if isinstance(v, dict) and k != 'base': yield from _leaves(v, f'{pre}{k}.')
        else: yield f'{pre}{k}', v


def test_study_profile_is_valid_and_at_least_the_cpu_profile():
    """params-study.yaml (`make reproduce-study`) passes `params check` (its profile rule at budget 1 included), sets
    every knob params.yaml sets, and trains every model at least as long and as wide as the CPU profile."""
    import yaml
    from conftest import ROOT
    r = run_cli('params', 'check', 'params-study.yaml', cwd=ROOT)
    assert r.returncode == 0, r.stderr
    cpu, study = (dict(_leaves(yaml.safe_load((ROOT / f).read_text()))) for f in ('params.yaml', 'params-study.yaml'))
    assert set(cpu) == set(study), set(cpu) ^ set(study)
    grows = [k for k in cpu if k.endswith(('.steps', '.hidden', '.layers', '.rollouts', '.pretrain_steps', '.vocab'))]
    assert len(grows) > 20 and all(study[k] >= cpu[k] for k in grows), [k for k in grows if study[k] < cpu[k]]
    assert study['profile.budget'] == 1 and study['charrnn.model.layers'] == 3 and study['charrnn.model.hidden'] == 512
    assert study['seqgan_oracle.vocab'] == 5000 and study['seqgan.adversarial.rollouts'] == 16


def test_study_profile_rule_fails_on_a_length_off_its_base(tmp_path):
    "A study length changed by hand, not through its base, is refused, naming the key."
    from conftest import ROOT
    text = (ROOT / 'params-study.yaml').read_text()
    assert '    steps: 50000' in text
    (tmp_path / 'params-study.yaml').write_text(text.replace('    steps: 50000', '    steps: 40000', 1))
    one_line_error(run_cli('params', 'check', 'params-study.yaml', cwd=tmp_path),
                   'params-study.yaml: charrnn.train.steps', 'base 50000')


def test_params_check_names_the_bad_key(tmp_path):
    from conftest import ROOT
    text = (ROOT / 'params.yaml').read_text().replace('n_songs: 2', 'n_songs: two')
    (tmp_path / 'params.yaml').write_text(text)
    one_line_error(run_cli('params', 'check', 'params.yaml', cwd=tmp_path),
                   'params.yaml: render_corpus.n_songs', 'expected int')


def test_params_check_names_a_bad_seqae_subsequence_length(tmp_path):
    from conftest import ROOT
    text = (ROOT / 'params.yaml').read_text()
    assert '    notes: 1 ' in text
    (tmp_path / 'params.yaml').write_text(text.replace('    notes: 1 ', '    notes: 0 ', 1))
    one_line_error(run_cli('params', 'check', 'params.yaml', cwd=tmp_path),
                   'params.yaml: seqae.model.notes', 'must lie in 1..16')


def test_stdout_carries_only_results_even_under_ci(tmp_path):
    "pyfluidsynth>=1.4 prints where it found FluidSynth when $CI is set; importing the library must keep stdout clean."
    import os
    import subprocess
    import sys
    code = ('import deep_symphony.cli, deep_symphony.render as r; r.fluidsynth_available(); '
            'import json, sys; sys.stdout.write(json.dumps({"ok": 1}))')
    p = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                       env={**os.environ, 'CI': 'true'}, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == '{"ok": 1}'


def test_times_reads_papermills_record(tmp_path):
    "`deep-symphony times`: each executed notebook's duration and the total; a broken one or none is one line."
    import json
    rep = tmp_path / 'reports'; rep.mkdir()
    for name, secs in [('04_prepare', 136.4), ('09_charrnn_vanilla', 1369.0)]:
        meta = {'papermill': {'duration': secs, 'end_time': '2026-11-27T02:07:09.123'}}
        (rep / f'{name}.ipynb').write_text(json.dumps({'cells': [], 'metadata': meta}))
    (rep / 'unrun.ipynb').write_text(json.dumps({'cells': [], 'metadata': {}}))
    r = run_cli('times', rep)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any('04_prepare' in l and '2:16' in l and '2026-11-27T02:07:09' in l for l in lines), r.stdout
    assert any('09_charrnn_vanilla' in l and '22:49' in l for l in lines) and 'unrun' not in r.stdout
    assert 'total' in lines[-1] and '25:05' in lines[-1]
    (rep / 'broken.ipynb').write_text('{not json')
    one_line_error(run_cli('times', rep), 'broken.ipynb')
    one_line_error(run_cli('times', tmp_path / 'empty'), 'no executed notebook')
