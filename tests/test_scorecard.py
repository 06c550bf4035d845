"""The reproduction scorecard: every number on it is the one in metrics/, every verdict the one its rule gives."""
import json
import math
import re

import pytest
from conftest import ROOT, run_cli

from deep_symphony.evaluate.claims import CLAIMS
from deep_symphony.evaluate.scorecard import METRICS_DIRS, VERDICTS, scorecard, scorecard_markdown


def follow(obj, path:str):
    "Follow a key path as the scorecard writes it (`rows[\"charrnn/vanilla\"].copy_rate`)."
    for plain, quoted in re.findall(r'(?:^|\.)(\w+)|\["([^"]+)"\]', path): obj = obj[plain or quoted]
    return obj


def same(a, b): return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def test_every_number_is_the_one_in_its_metrics_file():
    rows = scorecard(ROOT)
    assert [r['key'] for r in rows][:2] == ['charrnn_ce', 'copying_study'] and len(rows) == len(CLAIMS) >= 14
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
    _copy_metrics(tmp_path)                           # every pipeline's metrics and their seed replicates
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


def _copy_metrics(tmp_path):
    "The metrics folders and their seed replicates (seeds/s<k>/...), nothing else."
    import shutil
    for d in METRICS_DIRS:
        if (ROOT / d).is_dir(): shutil.copytree(ROOT / d, tmp_path / d)
        for rep in sorted((ROOT / 'seeds').glob(f's*/{d}')):
            shutil.copytree(rep, tmp_path / rep.relative_to(ROOT))


def _files(at:dict) -> dict[str, str]:
    "A number's files by seed: seed 0's, then its replicates'."
    return {'0': at['file']} | at.get('replicas', {})


def _get(root, at:dict, seed:str='0'):
    obj = json.loads((root / _files(at).get(seed, at['file'])).read_text())
    for k in at['keys']: obj = obj[k]
    return obj


def _set(root, at:dict, value_of):
    "Write `value_of(seed)` at a check's `value_at` keys in every seed's file of the metrics copy under `root`."
    for seed, name in _files(at).items():
        path = root / name; data = json.loads(path.read_text()); obj = data
        for k in at['keys'][:-1]: obj = obj[k]
        obj[at['keys'][-1]] = value_of(seed); path.write_text(json.dumps(data))


def _shifted(items, by:float):
    "Item scores (one list per seed, or one list) moved by `by`."
    if items and isinstance(items[0], list): return [[x + by for x in s] for s in items]
    return [x + by for x in items]


def _null_for(c:dict, root):
    "A check's null as the value it would take, per seed: the baseline moved by the claimed margin, a hair short of it."
    m = c.get('margin', 0.0); m -= 1e-9 * max(1.0, abs(m))           # a hair short: float noise must not help it
    return lambda seed: _shifted(_get(root, c['null_at'], seed), m if c['direction'] == 'higher' else -m)


def _effect_rows():
    rows = [r for r in scorecard(ROOT) if r['verdict'] not in ('not yet built', 'needs data')]
    rows = [r for r in rows if any('effect' in c for c in r['checks'])]
    if not rows: pytest.skip('no claim is judged by effects in the committed metrics yet: run make reproduce')
    return rows


def test_a_value_replaced_by_its_null_fails_its_check(tmp_path):
    "Every effect check on the scorecard can fail: with the model's measurements replaced by the null's, it does."
    for r in _effect_rows():
        for i, c in enumerate(r['checks']):
            if 'effect' not in c: continue
            root = tmp_path / f"{r['key']}_{i}"; _copy_metrics(root)
            _set(root, c['value_at'], _null_for(c, root))
            after = next(x for x in scorecard(root) if x['key'] == r['key'])['checks'][i]
            assert after['finding'] == c['finding'] and not after['held'], (r['key'], c['finding'], after['ci95'])


def test_every_value_replaced_by_its_null_gives_not_reproduced(tmp_path):
    "Where a claim's checks measure separate values (none is another check's null), all of them nulled: not reproduced."
    done = 0
    for r in _effect_rows():
        checks = [c for c in r['checks'] if 'effect' in c]
        values = [(c['value_at']['file'], tuple(c['value_at']['keys'])) for c in checks]
        nulls = {(c['null_at']['file'], tuple(c['null_at']['keys'])) for c in checks}
        if len(checks) != len(r['checks']) or len(set(values)) != len(values) or set(values) & nulls: continue
        root = tmp_path / r['key']; _copy_metrics(root)
        for c in checks: _set(root, c['value_at'], _null_for(c, root))
        assert next(x for x in scorecard(root) if x['key'] == r['key'])['verdict'] == 'not reproduced', r['key']
        done += 1
    assert done >= 5, f'only {done} claims could be nulled as a whole'


def test_a_value_replaced_by_its_ceiling_scores_the_ceiling(tmp_path):
    "With the model's measurements replaced by real music's, a check scores what real music scores against the null."
    from deep_symphony.evaluate.effects import effect, per_seed
    n = 0
    for r in _effect_rows():
        for i, c in enumerate(r['checks']):
            if c.get('ceiling_at') is None: continue
            root = tmp_path / f"{r['key']}_{i}"; _copy_metrics(root)
            seeds = list(_files(c['value_at']))
            ceilings = {s: _get(root, c['ceiling_at'], s) for s in seeds}
            _set(root, c['value_at'], ceilings.get)
            after = next(x for x in scorecard(root) if x['key'] == r['key'])['checks'][i]
            nulls = per_seed([_get(root, c['null_at'], s) for s in seeds])
            expect = effect(per_seed([ceilings[s] for s in seeds]), nulls, c['direction'] == 'higher', c['paired'],
                            margin=c.get('margin', 0.0))
            assert after['held'] == expect.holds and math.isclose(after['effect'], expect.effect, abs_tol=1e-12)
            if expect.holds: n += 1
    assert n >= 3, 'real music beats the null on fewer than three checks: are the nulls too strong?'
