"""How long `make reproduce-study` trains on this machine: each model's seconds per optimiser step at the study's sizes
(params-study.yaml), timed by a short training of the model (its registered `fit`, the trainer every stage
uses), times the steps of every training stage of dvc.yaml and piano/dvc.yaml (seeds included). A projection
from measured rates, not an end-to-end run: the chapters' sampling and evaluation, the oracle experiment, the
Duration and Velocity Nets (no registered `fit`) are left out. Writes metrics/study/projection.json.

    python study/project_time.py --prepared prepared --steps 6
"""
import argparse
import json
import platform
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

import torch
import yaml

from deep_symphony.core import load_params
from deep_symphony.params import params_blocks
from deep_symphony.train import registered_models


def wall(name, prepared, params, **opts) -> tuple[float, dict]:
    "Seconds one training of `name` with `params` takes from its start to its summary, and the summary."
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter(); s = registered_models()[name].fit(prepared, d, params, progress=False, **opts)
        return time.perf_counter() - t0, s

def rate(name, prepared, at, k1, k2, **opts) -> float:
    """Seconds per step of `name` (`at(k)`: the params of a `k`-step run): the trainer's own timing of its steps
    (validation and checkpoints excluded) where its summary has it; else two trainings that differ only in length,
    their difference over the steps between them (setup, the one validation and the checkpoint cancel out)."""
    t2, s = wall(name, prepared, at(k2), **opts)
    if s.get('steps_per_s'): return 1 / s['steps_per_s']
    return (t2 - wall(name, prepared, at(k1), **opts)[0]) / (k2 - k1)

def steps(block, k, four=False):
    "`block` trained for `k` steps, validated and saved only at the end."
    b = dict(block); b['train'] = dict(b.get('train', {}), steps=k, eval_every=10**9, checkpoint_every=10**9)
    if four: b['four_notes'] = dict(b.get('four_notes', {}), steps=k)
    return b

def trainings(files=('dvc.yaml', 'piano/dvc.yaml')) -> Counter:
    """How many training stages (every foreach item, the seed twins included) run each training notebook, read from
    the pipelines (`12_seqae n1` / `n4`: one note or the study's 4 per subsequence)."""
    count = Counter()
    for f in files:
        for name, st in yaml.safe_load(Path(f).read_text())['stages'].items():
            if not name.startswith('train_'): continue
            fe, cmd = st.get('foreach'), st.get('do', st)['cmd']
            items = [(None, None)] if fe is None else fe.items() if isinstance(fe, dict) else [(x, x) for x in fe]
            for k, v in items:
                c = re.sub(r'\$\{item\.(\w+)\}', lambda m: str(v[m.group(1)]), cmd) if isinstance(v, dict) else cmd
                nb = re.search(r'nbs/(\w+)\.ipynb', c.replace('${item}', str(k))).group(1)
                count[nb + (' n4' if re.search(r'-p notes 4\b', c) else ' n1') if nb == '12_seqae' else nb] += 1
    return count

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--params', default='params-study.yaml'); ap.add_argument('--prepared', default='prepared')
    ap.add_argument('--steps', type=int, default=6); ap.add_argument('--out', default='metrics/study/projection.json')
    a = ap.parse_args(); t0 = time.time()
    params_blocks()                                   # imports every module: every model registered
    P = lambda block: load_params(a.params, block)
    sq, sg, wa = P('seqae'), P('seqgan'), P('wgan_abc')
    sq4 = sq | {'model': sq['model'] | {'notes': 4}}
    full = wa | {'tricks': wa['tricks'] | {'curriculum': False, 'variable_length': False}}   # every step at length 64
    # (rate key, measured how, steps per training, trainings: stages x seeds)
    k1, k2 = a.steps, 2 * a.steps
    r = lambda name, block, **o: (lambda: rate(name, a.prepared, lambda k: steps(block, k, **o), k1, k2))
    mle = lambda k: steps(sg | {'adversarial': sg['adversarial'] | {'pretrain_steps': k, 'd_pretrain_steps': 0}}, k)
    rounds = lambda k: steps(sg | {'adversarial': sg['adversarial'] | {'pretrain_steps': 1, 'd_pretrain_steps': 0}},
                             1 + k)
    n = trainings()                                   # stages x seeds, as dvc.yaml and piano/dvc.yaml have them
    # (measured how, steps per training, trainings)
    plan = {
        'charrnn': (r('charrnn', P('charrnn')), P('charrnn')['train']['steps'], n['09_charrnn']),
        'seqae (1 note)': (r('seqae', sq), sq['train']['steps'], n['12_seqae n1']),
        'seqae (4 notes)': (r('seqae', sq4, four=True), sq['four_notes']['steps'], n['12_seqae n4']),
        'rnngan': (r('rnngan', P('rnngan')), P('rnngan')['train']['steps'], n['15_rnngan']),
        'wgan': (r('wgan', P('wgan')), P('wgan')['train']['steps'], n['16_wgan']),
        'dcrnn': (r('dcrnn', P('dcrnn')), P('dcrnn')['train']['steps'], n['17_dcrnn']),
        'pix2pix': (r('pix2pix', P('pix2pix')), P('pix2pix')['train']['steps'], n['18_pix2pix']),
        'seqgan (MLE)': (lambda: rate('seqgan', a.prepared, mle, k1, k2), sg['adversarial']['pretrain_steps'],
                         n['19_seqgan']),
        'seqgan (adversarial round)': (lambda: rate('seqgan', a.prepared, rounds, 1, 2),   # timed: rounds only
                                       sg['train']['steps'] - sg['adversarial']['pretrain_steps'], n['19_seqgan']),
        'wgan_abc (length 64)': (r('wgan_abc', full), wa['train']['steps'], n['20_wgan_abc']),
        'gru': (r('gru', P('gru')), P('gru')['train']['steps'], n['26_tutorial_gru']),
    }
    rows = []
    for key, (measure, length, k) in plan.items():
        s = measure(); rows.append({'training': key, 's_per_step': round(s, 4), 'steps': length, 'trainings': k,
                                    'hours': round(s * length * k / 3600, 1)})
    out = {'command': 'python ' + ' '.join(__import__('sys').argv), 'params': a.params,
           'machine': platform.processor() or platform.machine(), 'torch_threads': torch.get_num_threads(),
           'rows': rows, 'training_hours': round(sum(r['hours'] for r in rows), 1),
           'left_out': 'chapters (sampling, evaluation), the SeqGAN oracle experiment, the Duration and Velocity Nets',
           'wall_s': round(time.time() - t0, 1)}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(out, indent=2) + '\n')

if __name__ == '__main__': main()
