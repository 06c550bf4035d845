"""The reproduction scorecard: every number on it is the one in metrics/, every verdict the one its rule gives."""
import json
import math
import re

import pytest
from conftest import ROOT, run_cli

from deep_symphony.evaluate.scorecard import CLAIMS, VERDICTS, scorecard, scorecard_markdown


def follow(obj, path:str):
    "Follow a key path as the scorecard writes it (`rows[\"charrnn/vanilla\"].copy_rate`)."
    for plain, quoted in re.findall(r'(?:^|\.)(\w+)|\["([^"]+)"\]', path): obj = obj[plain or quoted]
    return obj


def same(a, b): return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def test_every_number_is_the_one_in_its_metrics_file():
    rows = scorecard(ROOT)
    assert [r['key'] for r in rows][:2] == ['charrnn_ce', 'rnngan_collapse'] and len(rows) == len(CLAIMS) >= 12
    judged = [r for r in rows if r['verdict'] != 'not yet built']
    assert len(judged) >= 10, [r['key'] for r in rows if r not in judged]
    for r in rows:
        assert r['verdict'] in VERDICTS
        for o in r['ours']:
            value = follow(json.loads((ROOT / o['file']).read_text()), o['key'])
            assert same(value, o['value']), (r['key'], o)
    page = scorecard_markdown(rows)
    assert sum(line.startswith('| ') for line in page.splitlines()) == 1 + len(CLAIMS)
    assert all(f"**{r['verdict']}**" in page for r in rows)


def test_the_committed_scorecard_is_the_one_the_metrics_give():
    "metrics/scorecard.json (written by `dvc repro`) agrees with every pipeline's metrics: numbers and verdicts."
    path = ROOT / 'metrics' / 'scorecard.json'
    if not path.exists(): pytest.skip('no metrics/scorecard.json: run `dvc repro scorecard`')
    committed = json.loads(path.read_text())
    now = {r['key']: r for r in scorecard(ROOT)}
    for r in committed['claims']:
        assert r['verdict'] == now[r['key']]['verdict'], r['key']
        for o in r['ours']:
            assert same(follow(json.loads((ROOT / o['file']).read_text()), o['key']), o['value']), o
    assert sorted(k for ks in committed['verdicts'].values() for k in ks) == sorted(now)


def test_a_rule_follows_its_numbers(tmp_path):
    "The gesture rule on a gesture.json written here: the verdict follows the pitches, the page shows the new numbers."
    (tmp_path / 'metrics').mkdir()
    low = [60.0, 61.0, 59.5, 60.5]
    def write(conditional_up, gesture_up):
        rows = {k: {'gap': up, 'high_pitches': [p + up for p in low], 'low_pitches': low}
                for k, up in (('conditional', conditional_up), ('gesture', gesture_up),
                              ('conditional_guided', 30.0))}
        (tmp_path / 'metrics' / 'gesture.json').write_text(json.dumps({'rows': rows}))
        return next(r for r in scorecard(tmp_path) if r['key'] == 'gesture_pitch')
    assert write(20.0, 0.0)['verdict'] == 'reproduced'
    assert write(5.0, 20.0)['verdict'] == 'partly'          # a gap, but not an octave: only our variant counts
    row = write(0.0, 0.0)
    assert row['verdict'] == 'not reproduced'                # the guided row's 30 semitones do not count
    assert [c['held'] for c in row['checks']] == [False, False]
    assert any(o['label'] == 'conditional_guided: register gap (semitones)' and o['value'] == 30.0 for o in row['ours'])
    other = next(r for r in scorecard(tmp_path) if r['key'] == 'charrnn_ce')
    assert other['verdict'] == 'not yet built' and other['missing'] == 'charrnn.json'


def test_one_scorecard_reads_every_pipelines_metrics():
    "The EMG and Refine rows come from emg/metrics and piano/metrics where those pipelines have run."
    rows = {r['key']: r for r in scorecard(ROOT)}
    for key, folder in (('emg_gestures', 'emg/metrics/'), ('refine', 'piano/metrics/')):
        if not (ROOT / folder).is_dir(): continue
        assert any(o['file'].startswith(folder) for o in rows[key]['ours']), (key, rows[key]['ours'])


def test_the_cli_recomputes_the_scorecard_from_metrics_alone(tmp_path):
    "A copy of the metrics folders, nothing else: the same verdicts as the committed scorecard; bad folders named."
    import shutil
    for d in ('metrics', 'piano/metrics', 'emg/metrics'):
        if (ROOT / d).is_dir(): shutil.copytree(ROOT / d, tmp_path / d)
    (tmp_path / 'metrics' / 'scorecard.json').unlink(missing_ok=True)
    r = run_cli('scorecard', '--out', 'card.json', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    card = json.loads((tmp_path / 'card.json').read_text())
    assert {c['key']: c['verdict'] for c in card['claims']} == {c['key']: c['verdict'] for c in scorecard(ROOT)}
    assert all(line.split()[0] in ('reproduced', 'partly', 'not', 'needs') for line in r.stdout.splitlines()[:-1])
    r = run_cli('scorecard', '--metrics', 'metrics', 'nowhere', cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.strip() == 'deep-symphony: error: nowhere: no such metrics folder'
    (tmp_path / 'metrics' / 'charrnn.json').write_text('{')
    r = run_cli('scorecard', cwd=tmp_path)
    assert r.returncode == 2 and 'charrnn.json: not JSON' in r.stderr and len(r.stderr.strip().splitlines()) == 1
    empty = tmp_path / 'empty'; empty.mkdir()
    r = run_cli('scorecard', cwd=empty)
    assert r.returncode == 2 and 'no metrics folder here' in r.stderr
