"""`deep-symphony repro`: the DVC graph's independent stages side by side, on a small real DVC project."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

DS = [sys.executable, '-m', 'deep_symphony.cli']
WRITE = " && python -c \"import pathlib,sys,time; pathlib.Path('{name}.out').write_text('{name}')\""


def project(d:Path, fail:str='') -> Path:
    "Stages a -> (b, c) -> d, each recording its start and end time; `fail` names a stage whose command fails."
    subprocess.run([sys.executable, '-m', 'dvc', 'init', '--no-scm', '-q'], cwd=d, check=True)
    def stage(name, secs, deps):
        rec = (f" && python -c \"import time,pathlib; pathlib.Path('times/{name}').write_text('%s %s' % "
               f"(pathlib.Path('times/{name}.start').read_text(), time.time()))\"")
        start = f"mkdir -p times && python -c \"import time; print(time.time())\" > times/{name}.start && "
        cmd = (start + f"python -c \"import time,sys; time.sleep({secs}); sys.exit({int(name == fail)})\""
               + rec + WRITE.format(name=name))
        return {'cmd': cmd, 'deps': deps, 'outs': [f'{name}.out']}
    (d / 'src.txt').write_text('x')
    spec = {'stages': {'a': stage('a', 0.1, ['src.txt']), 'b': stage('b', 2, ['a.out']),
                       'c': stage('c', 2, ['a.out']), 'd': stage('d', 0.1, ['b.out', 'c.out'])}}
    (d / 'dvc.yaml').write_text(json.dumps(spec))
    return d


def spans(d:Path) -> dict:
    return {p.name: tuple(map(float, p.read_text().split())) for p in (d / 'times').iterdir() if '.' not in p.name}


def test_repro_runs_independent_stages_side_by_side(tmp_path):
    d = project(tmp_path)
    r = subprocess.run(DS + ['repro', '--jobs', '2'], cwd=d, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert '4 stages in ' in r.stdout and '4 ran' in r.stdout
    s = spans(d)
    assert s['b'][0] < s['c'][1] and s['c'][0] < s['b'][1], 'b and c overlapped'
    assert s['d'][0] >= max(s['b'][1], s['c'][1]) and min(s['b'][0], s['c'][0]) >= s['a'][1]
    assert subprocess.run([sys.executable, '-m', 'dvc', 'status', '-q'], cwd=d).returncode == 0
    times = json.loads((d / 'metrics/stage_times.json').read_text())
    assert set(times) == set('abcd') and times['b'] >= 2
    again = subprocess.run(DS + ['repro'], cwd=d, capture_output=True, text=True)
    assert again.returncode == 0 and '4 unchanged' in again.stdout and 'ran ' not in again.stdout
    assert 'running' not in again.stdout              # one `dvc status` up front: no stage process at all


@pytest.mark.parametrize('jobs', ['1', '2'])
def test_a_failed_stage_blocks_only_what_depends_on_it(tmp_path, jobs):
    d = project(tmp_path, fail='c')
    r = subprocess.run(DS + ['repro', '--jobs', jobs], cwd=d, capture_output=True, text=True)
    assert r.returncode == 2
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('deep-symphony: error: 1 stage(s) failed: c (log: '), r.stderr
    assert 'blocked   d' in r.stdout
    assert (d / 'b.out').exists() and not (d / 'd.out').exists()        # b is kept, d never started
    assert subprocess.run([sys.executable, '-m', 'dvc', 'status', 'b', '-q'], cwd=d).returncode == 0
    log = Path(err[0].split('(log: ')[1].rstrip(')'))
    assert (d / log).exists() or log.exists()


def test_a_bad_target_is_one_line(tmp_path):
    d = project(tmp_path)
    r = subprocess.run(DS + ['repro', 'nope.yaml'], cwd=d, capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'nope.yaml' in r.stderr, r.stderr
