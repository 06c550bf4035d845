"""How long `make reproduce-study` trains on this machine: each model's optimiser steps per second at the study's
sizes (params-study.yaml), measured by a few steps of the model's own training (its registered `fit`, the trainer every
stage uses), times the steps of every training stage of dvc.yaml and piano/dvc.yaml (seeds included). A projection
from measured rates, not an end-to-end run: the chapters' sampling and evaluation, the oracle experiment and the
Velocity Net (piano data) are left out. Writes metrics/study/projection.json.

    python study/project_time.py --prepared prepared --steps 6
"""
import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import torch
import yaml

from deep_symphony.core import load_params
from deep_symphony.train import registered_models


def rate(name, prepared, params, steps, **opts) -> float:
    "Seconds per optimiser step of `name` at `params` (the trainer's own step timing: no validation, no setup)."
    p = dict(params); p['train'] = dict(p.get('train', {}), steps=steps, eval_every=10**9, checkpoint_every=10**9)
    with tempfile.TemporaryDirectory() as d:
        s = registered_models()[name].fit(prepared, d, p, progress=False, **opts)
    return 1 / s['steps_per_s']

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--params', default='params-study.yaml'); ap.add_argument('--prepared', default='prepared')
    ap.add_argument('--steps', type=int, default=6); ap.add_argument('--out', default='metrics/study/projection.json')
    a = ap.parse_args(); t0 = time.time()
    P = lambda block: load_params(a.params, block)
    seeds = yaml.safe_load(Path(a.params).read_text())['profile']['seeds']
    sq, sg, wa = P('seqae'), P('seqgan'), P('wgan_abc')
    sq4 = sq | {'model': sq['model'] | {'notes': 4}}
    adv = sg | {'adversarial': sg['adversarial'] | {'pretrain_steps': 1, 'd_pretrain_steps': 1}}
    full = wa | {'tricks': wa['tricks'] | {'curriculum': False, 'variable_length': False}}   # every step at length 64
    # (rate key, measured how, steps per training, trainings: stages x seeds)
    plan = {
        'charrnn': (lambda: rate('charrnn', a.prepared, P('charrnn'), a.steps), P('charrnn')['train']['steps'],
                    4 * seeds + 2 * seeds + 1),               # 4 variants; piano: vanilla, conditional (seeds), small
        'seqae (1 note)': (lambda: rate('seqae', a.prepared, sq, a.steps), sq['train']['steps'], 7 * seeds),
        'seqae (4 notes)': (lambda: rate('seqae', a.prepared, sq4, a.steps), sq['four_notes']['steps'], 8 * seeds),
        'rnngan': (lambda: rate('rnngan', a.prepared, P('rnngan'), a.steps), P('rnngan')['train']['steps'], seeds),
        'wgan': (lambda: rate('wgan', a.prepared, P('wgan'), a.steps), P('wgan')['train']['steps'], seeds),
        'dcrnn': (lambda: rate('dcrnn', a.prepared, P('dcrnn'), a.steps), P('dcrnn')['train']['steps'], 2 * seeds),
        'pix2pix': (lambda: rate('pix2pix', a.prepared, P('pix2pix'), a.steps), P('pix2pix')['train']['steps'],
                    seeds),
        'seqgan (MLE)': (lambda: rate('seqgan', a.prepared, sg, a.steps), sg['adversarial']['pretrain_steps'], seeds),
        'seqgan (adversarial round)': (lambda: (rate('seqgan', a.prepared, adv, 2 + a.steps) * (2 + a.steps)
                                                - 2 * rate('seqgan', a.prepared, sg, 2)) / a.steps,
                                       sg['train']['steps'] - sg['adversarial']['pretrain_steps'], seeds),
        'wgan_abc (length 64)': (lambda: rate('wgan_abc', a.prepared, full, a.steps), wa['train']['steps'], 5 * seeds),
        'duration_net': (lambda: rate('duration_net', a.prepared, P('duration_net'), a.steps),
                         P('duration_net')['train']['steps'], seeds),
        'gru': (lambda: rate('gru', a.prepared, P('gru'), a.steps), P('gru')['train']['steps'], 1),
    }
    rows = []
    for key, (measure, steps, n) in plan.items():
        s = measure(); rows.append({'training': key, 's_per_step': round(s, 4), 'steps': steps, 'trainings': n,
                                    'hours': round(s * steps * n / 3600, 1)})
    out = {'command': 'python ' + ' '.join(__import__('sys').argv), 'params': a.params,
           'machine': platform.processor() or platform.machine(), 'torch_threads': torch.get_num_threads(),
           'rows': rows, 'training_hours': round(sum(r['hours'] for r in rows), 1),
           'left_out': 'chapters (sampling, evaluation), the SeqGAN oracle experiment, the Velocity Net',
           'wall_s': round(time.time() - t0, 1)}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(out, indent=2) + '\n')

if __name__ == '__main__': main()
