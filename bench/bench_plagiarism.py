"""Plagiarism benchmark (run on demand, not part of `make test`).

One 2,000-note sample (passages of corpus songs spliced between random notes, sent through the 10 ms event grid)
checked against the whole prepared corpus. Reports the index build time (once per corpus), the per-query time of
`plagiarism_report` (target: <= 1 s on 2 cores) — which includes the LCS against every song, the runs (exact and
transposed) and the copy rate — and, as the baseline measured in the same run, rapidfuzz's LCS of the sample against
every corpus song alone (the study's check), with the ratio of the two.

    python bench/bench_plagiarism.py [--prepared prepared] [--split all] [--repeat 5]
"""
import argparse
import json
import statistics
import time

import numpy as np
from rapidfuzz.distance import LCSseq

from deep_symphony.encoders import EventEncoder
from deep_symphony.evaluate.plagiarism import corpus_index, plagiarism_report
from deep_symphony.music import Song
from deep_symphony.prepare import load_songs


def make_sample(songs, n_notes=2000, seed=0):
    rng = np.random.default_rng(seed); parts, t = [], 0.0
    while sum(len(p) for p in parts) < n_notes:
        if rng.random() < 0.5:
            s = songs[int(rng.integers(len(songs)))]
            a = int(rng.integers(0, max(len(s) - 100, 1))); p = s.notes[a:a + 100].copy()
        else:
            k = 60; p = np.zeros(k, s.notes.dtype if parts else songs[0].notes.dtype)
            p['pitch'] = rng.integers(40, 90, k); p['start'] = np.arange(k) * 0.2
            p['end'] = p['start'] + 0.18; p['velocity'] = 80
        if not len(p): continue
        d = t - p['start'][0]; p['start'] += d; p['end'] += d; t = float(p['end'].max()) + 0.5; parts.append(p)
    notes = np.concatenate(parts)[:n_notes]
    enc = EventEncoder()
    return enc.decode(enc.encode(Song(notes).replace(notes=notes)), name='bench sample')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--prepared', default='prepared'); ap.add_argument('--split', default='all')
    ap.add_argument('--repeat', type=int, default=5)
    a = ap.parse_args()
    t0 = time.perf_counter(); index = corpus_index(a.prepared, a.split); build = time.perf_counter() - t0
    splits = ('train', 'valid', 'test') if a.split == 'all' else (a.split,)
    songs = [s for sp in splits for s in load_songs(a.prepared, sp)]
    sample = make_sample(songs)
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter(); rep = plagiarism_report(sample, index); times.append(time.perf_counter() - t0)
    p = sample.pitch.astype(int).tolist()
    t0 = time.perf_counter()
    best = max(range(len(index)), key=lambda k: LCSseq.similarity(p, index.song_pitches(k).astype(int).tolist()))
    brute = time.perf_counter() - t0
    print(json.dumps({'corpus_songs': len(index), 'corpus_notes': int(len(index.pitches)), 'sample_notes': len(sample),
                      'index_build_s': build, 'query_s_median': statistics.median(times),
                      'brute_force_lcs_all_songs_s': brute,
                      'query_time_over_baseline': statistics.median(times) / brute,
                      'longest_copied_run': rep['longest_copied_run']['notes'], 'lcs_source_agrees_with_brute_force':
                      rep['lcs']['source'] == index.names[best]}, indent=2))


if __name__ == '__main__':
    main()
