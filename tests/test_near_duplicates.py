"""No tune is in training and held out at once: an independent search for near-identical melodies across the splits
`prepare` writes. Independent of `corpora.near_duplicate_groups`: the melody is taken note by note in Python (the
highest pitch of each onset), compared as a list of intervals with rapidfuzz's Indel similarity (not as a string
through `cdist`), test and validation songs against every training song, without grouping."""
import json

import numpy as np
import pytest
from conftest import ROOT
from rapidfuzz.distance import Indel

from deep_symphony.corpora import embedded_files
from deep_symphony.prepare import load_ragged, prepare

NOTES, SIMILARITY, MIN_INTERVALS = 48, 0.90, 16


def melody_intervals(notes) -> list[int]:
    "Pitch intervals between the first NOTES melody notes: the highest pitch at each (millisecond-rounded) onset."
    top = {}
    for pitch, start in zip(notes['pitch'].tolist(), notes['start'].tolist()):
        t = round(start, 3); top[t] = max(top.get(t, -1), pitch)
    melody = [top[t] for t in sorted(top)][:NOTES]
    return [b - a for a, b in zip(melody, melody[1:])]


def cross_split_pairs(prepared) -> list[tuple[str, str, float]]:
    "Every (held-out song, training song, similarity) pair whose melodies are near-identical."
    by_split = {}
    for split in ('train', 'valid', 'test'):
        r = load_ragged(prepared / 'notes' / split)
        by_split[split] = [(r.names[i], melody_intervals(r[i])) for i in range(len(r))]
    train = [(n, m) for n, m in by_split['train'] if len(m) >= MIN_INTERVALS]
    pairs = []
    for split in ('valid', 'test'):
        for name, m in by_split[split]:
            if len(m) < MIN_INTERVALS: continue
            for other, t in train:
                if (s := Indel.normalized_similarity(m, t)) >= SIMILARITY: pairs.append((name, other, s))
    return pairs


@pytest.fixture(scope='module')
def oneill(tmp_path_factory):
    "Two O'Neill's files that print some of the same tunes (e.g. tune 1750 in both), and one of Ryan's Mammoth."
    d = tmp_path_factory.mktemp('oneill'); raw = d / 'data'
    want = ('oneills1850/1701-1780.abc', 'oneills1850/1710-1750.abc')
    files = [(src, rel) for src, rel in embedded_files('folk') if rel.endswith(want)]
    assert len(files) == 2, 'the embedded corpus no longer has the O\'Neill files this test reads'
    for src, rel in files:
        (raw / rel).parent.mkdir(parents=True, exist_ok=True); (raw / rel).write_bytes(src.read_bytes())
    return raw, d


def test_no_near_duplicate_crosses_the_split(oneill):
    raw, d = oneill
    rep = prepare(raw, d / 'prepared', workers=1, encodings=['notes'])
    assert rep['near_duplicates']['groups'], 'the two files share tunes: prepare found no group'
    assert cross_split_pairs(d / 'prepared') == []
    on_disk = json.loads((d / 'prepared' / 'report.json').read_text())
    assert on_disk['near_duplicates']['groups'] == rep['near_duplicates']['groups']


def test_the_search_finds_pairs_when_the_grouping_is_off(oneill):
    "The check above can fail: with the content hash alone, some shared tune is in training and held out."
    raw, d = oneill
    prepare(raw, d / 'prepared_off', workers=1, encodings=['notes'], dedup_threshold=0)
    assert cross_split_pairs(d / 'prepared_off')


def test_the_pipelines_prepared_corpus():
    "The whole corpus as `dvc repro` prepared it (skipped before the pipeline has run)."
    prepared = ROOT / 'prepared'
    if not (prepared / 'report.json').exists(): pytest.skip('no prepared corpus: run make reproduce')
    if 'near_duplicates' not in json.loads((prepared / 'report.json').read_text()):
        pytest.skip('prepared/ predates the near-duplicate grouping: run make reproduce')
    assert cross_split_pairs(prepared) == []


def test_melody_intervals_ignore_the_lower_voices():
    notes = np.zeros(4, [('pitch', 'i2'), ('start', 'f8')])
    notes['pitch'], notes['start'] = [60, 48, 64, 52], [0, 0, 0.5, 0.5]
    assert melody_intervals(notes) == [4]
