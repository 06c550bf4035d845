"""The reproduction scorecard: every number on it is the one in metrics/, every verdict the one its rule gives."""
import json
import math
import re

import pytest
from conftest import ROOT

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
            value = follow(json.loads((ROOT / 'metrics' / o['file']).read_text()), o['key'])
            assert same(value, o['value']), (r['key'], o)
    page = scorecard_markdown(rows)
    assert sum(line.startswith('| ') for line in page.splitlines()) == 1 + len(CLAIMS)
    assert all(f"**{r['verdict']}**" in page for r in rows)


def test_the_committed_scorecard_is_the_one_the_metrics_give():
    "metrics/scorecard.json (written by `dvc repro`) agrees with the metrics beside it: numbers and verdicts."
    path = ROOT / 'metrics' / 'scorecard.json'
    if not path.exists(): pytest.skip('no metrics/scorecard.json: run `dvc repro scorecard`')
    committed = json.loads(path.read_text())
    now = {r['key']: r for r in scorecard(ROOT)}
    for r in committed['claims']:
        assert r['verdict'] == now[r['key']]['verdict'], r['key']
        for o in r['ours']:
            assert same(follow(json.loads((ROOT / 'metrics' / o['file']).read_text()), o['key']), o['value']), o
    assert sorted(k for ks in committed['verdicts'].values() for k in ks) == sorted(now)


def test_a_rule_follows_its_numbers(tmp_path):
    "Break the gesture chapter's finding in a copy of the metrics: the verdict drops, the page shows the new numbers."
    (tmp_path / 'metrics').mkdir()
    g = json.loads((ROOT / 'metrics' / 'gesture.json').read_text())
    for k in g['follows']: g['follows'][k] = False
    (tmp_path / 'metrics' / 'gesture.json').write_text(json.dumps(g))
    row = next(r for r in scorecard(tmp_path) if r['key'] == 'gesture_pitch')
    assert row['verdict'] == 'not reproduced' and all(o['value'] is False for o in row['ours'] if 'follows' in o['key'])
    other = next(r for r in scorecard(tmp_path) if r['key'] == 'charrnn_ce')
    assert other['verdict'] == 'not yet built' and other['missing'] == 'charrnn.json'
