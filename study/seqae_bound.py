"""How many bits a 4-note subsequence carries, against the 16-bit code the study's SeqAE squeezes it through (issue 31).

The SeqAE at 4 notes reconstructs through the *signs* of a 16-bit code (`rec_bin`); the code is a function of the
subsequence, so it takes at most 2^16 values, and any decoder's expected cross-entropy is at least
H(X | C) >= H(X) - 16 bits per subsequence (8 tokens: 4 pitches, 4 onset intervals).

Two numbers per setting, from the non-overlapping 4-note subsequences the model trains on
(`song_subsequence_lists`, the training split), once as the tunes are and once under the
training's random transposition (every shift in [-transpose, transpose] semitones, equally likely,
as `RandomWindows` draws it):
- the plug-in entropy of that finite set: the entropy of the training distribution itself (windows start uniformly, so
  each subsequence is drawn about equally often), hence an exact floor on the training split's rec_bin;
- Chao & Shen's coverage-adjusted estimate (2003) of the entropy of the music the set was drawn from (the plug-in is
  biased low when most subsequences are seen once), with a delete-a-group jackknife standard error over songs (a
  bootstrap over songs duplicates songs and so turns singletons into pairs: biased low here).
Writes metrics/study/seqae_bound.json: the entropies in bits and the floors on rec_bin in nats/token they imply, and
the share of the validation split's subsequences that occur in the training set (the rest the code must generalise to).

    python study/seqae_bound.py --prepared prepared
"""
import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import yaml

from deep_symphony.encoders import SubsequenceEncoder
from deep_symphony.models.seqae import song_subsequence_lists


def entropies(rows:np.ndarray) -> tuple[float, float, int, int]:
    "Plug-in and Chao-Shen entropy (bits) of the rows of `rows`; distinct rows; rows seen once."
    _, counts = np.unique(rows, axis=0, return_counts=True)
    n = counts.sum(); p = counts / n
    plug = float(-(p * np.log2(p)).sum())
    f1 = int((counts == 1).sum()); cover = 1 - min(f1, n - 1) / n      # Good-Turing coverage, kept above 0
    pa = cover * p
    chao = float(-(pa * np.log2(pa) / (1 - (1 - pa) ** n)).sum())
    return plug, chao, len(counts), f1

def shifted(songs:list[np.ndarray], t:int) -> np.ndarray:
    "Every subsequence of `songs` under every shift in [-t, t], as the training's augmentation moves it."
    x, moved = np.concatenate(songs), []
    for s in range(-t, t + 1):         # a shift leaving the MIDI range leaves the subsequence as it is (RandomWindows)
        m = x.copy(); m[:, ::2] += s
        out = ((m[:, ::2] < 0) | (m[:, ::2] >= SubsequenceEncoder.time_token0)).any(1); m[out] = x[out]
        moved.append(m)
    return np.concatenate(moved)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--prepared', default='prepared'); ap.add_argument('--params', default='params-study.yaml')
    ap.add_argument('--groups', type=int, default=20); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--metrics', default='metrics/study/seqae_bound.json')
    a = ap.parse_args(); t0 = time.time()
    p = yaml.safe_load(Path(a.params).read_text())['seqae']
    bits, t = p['model']['code_bits'], p['data']['transpose']
    songs, _ = song_subsequence_lists(a.prepared, 'train', 4, p['data'].get('tonic_c', False))
    group, out = np.random.default_rng(a.seed).permutation(len(songs)) % a.groups, {}
    floor = lambda h: max(h - bits, 0.0) * math.log(2) / 8              # nats per token, 8 tokens per subsequence
    for name, f in (('as_is', lambda ss: np.concatenate(ss)), (f'transposed_pm{t}', lambda ss: shifted(ss, t))):
        plug, chao, distinct, once = entropies(f(songs))
        jack = np.array([entropies(f([s for s, g in zip(songs, group) if g != k]))[1] for k in range(a.groups)])
        se = float(math.sqrt((a.groups - 1) / a.groups * ((jack - jack.mean()) ** 2).sum()))
        ci = [chao - 1.96 * se, chao + 1.96 * se]
        out[name] = {'subsequences': int(len(f(songs))), 'distinct': distinct, 'seen_once': once,
                     'plugin_bits': plug, 'rec_bin_floor_train_nats': floor(plug),
                     'chao_shen_bits': chao, 'chao_shen_se': se, 'chao_shen_ci95': ci,
                     'rec_bin_floor_population_nats': floor(chao),
                     'rec_bin_floor_population_ci95': [floor(ci[0]), floor(ci[1])]}
    valid = np.concatenate(song_subsequence_lists(a.prepared, 'valid', 4, p['data'].get('tonic_c', False))[0])
    seen = lambda train: float(np.isin(valid.view([('', valid.dtype)] * valid.shape[1]).ravel(),
                                       np.ascontiguousarray(train).view([('', train.dtype)] * train.shape[1]).ravel()
                                       ).mean())
    out['valid_seen_in_train'] = {'as_is': seen(np.concatenate(songs)), f'transposed_pm{t}': seen(shifted(songs, t))}
    Path(a.metrics).parent.mkdir(parents=True, exist_ok=True)
    Path(a.metrics).write_text(json.dumps({
        'command': 'python ' + ' '.join(sys.argv), 'prepared': a.prepared, 'songs': len(songs), 'code_bits': bits,
        'transpose': t, 'jackknife': {'over': 'training songs', 'groups': a.groups, 'seed': a.seed},
        'target_rec_bin': 0.05, 'study_rec_bin': 0.01, 'entropy': out, 'wall_s': round(time.time() - t0, 1)},
        indent=2) + '\n')

if __name__ == '__main__': main()
