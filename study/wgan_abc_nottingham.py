"""The WGAN on ABC on the Nottingham tunes, the dataset the study used (issue 31, item 4), on this CPU.

The rule, fixed before the run: the chapter's five ablation rows (plain, curriculum, curriculum + variable length,
all three tricks with the softmax fed back — Press et al.'s teacher helping — and all three with a sampled character
fed back, straight-through — the study's) train on the Nottingham tunes (`deep-symphony data download nottingham`,
prepared with the `abc` encoding) for every seed of `--seeds`, with params.yaml's `wgan_abc` block at the CPU
profile's sizes and `--scale` times the profile's base lengths (steps, curriculum steps per length); then
nbs/57_wgan_abc_chapter.ipynb measures each seed's rows on the Nottingham test tunes, as DVC runs it. The table (mean
over seeds) and each trick's effect on BLEU with its interval over seeds (`evaluate.effects.effect`) go to
metrics/study/wgan_abc_nottingham.json with the command, machine, precision and wall time. A stopped run carries
on: a seed whose chapter metrics exist is not run again; a row's training resumes from its `last.pt`.

    python study/wgan_abc_nottingham.py --prepared study/runs/nottingham_prepared --seeds 0 1 2 --scale 5

`--project` trains each row a few steps at full length (curriculum off: an upper bound for the curriculum rows,
which train shorter sequences first) and writes the hours one seed takes to
metrics/study/wgan_abc_nottingham_projection.json, which the scorecard shows until the run exists.
"""
import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from deep_symphony.evaluate.effects import effect
from deep_symphony.models.wgan_abc import ROWS, train_wgan_abc
from deep_symphony.train import hardware_name


def project(args, p:dict, steps:int, k:int=6) -> dict:
    "Each row's seconds per step at full length (its first `k` steps, timed by the trainer) and one seed's hours."
    rows, rec, w = {}, {}, p['wgan_abc']
    for row in ROWS:
        block = w | {'train': w['train'] | {'steps': k, 'eval_every': k},
                     'tricks': w['tricks'] | {'start_length': w['model']['seq_len']}}
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter(); s = train_wgan_abc(args.prepared, d, block, row, progress=False)
            rec = s; evaluation = time.perf_counter() - t - k / s['steps_per_s']      # the one evaluation at the end
        evals = steps // p['wgan_abc']['train']['eval_every'] + 1
        rows[row] = round((steps / s['steps_per_s'] + evals * evaluation) / 3600, 2)
    return {'command': 'python ' + ' '.join(sys.argv), 'prepared': args.prepared, 'steps': steps,
            'machine': platform.processor() or platform.machine(), 'hardware': hardware_name('cpu'),
            'precision': rec['precision'], 'torch_threads': torch.get_num_threads(),
            'load_average_1min': os.getloadavg()[0],
            'hours_per_seed': rows | {'total': round(sum(rows.values()), 2)},
            'note': 'a projection from each row\'s first steps at full length (an upper bound for the curriculum '
                    'rows), not a run; the chapter\'s measuring of the samples is left out'}

# the study's comparisons: (row, its baseline, what the row adds)
PAIRS = [('curriculum', 'plain', 'curriculum'), ('curriculum_variable', 'curriculum', 'variable length'),
         ('all', 'curriculum_variable', 'teacher helping, softmax fed back (Press et al.)'),
         ('gumbel', 'all', 'a sampled character fed back (the study) instead of the softmax'),
         ('all', 'plain', 'all three tricks (softmax)'), ('gumbel', 'plain', 'all three tricks (sampled character)')]

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--params', default='params.yaml'); ap.add_argument('--prepared', required=True)
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--scale', type=float, default=5)
    ap.add_argument('--out', default='study/runs/wgan_abc_nottingham')
    ap.add_argument('--metrics', default='metrics/study/wgan_abc_nottingham.json')
    ap.add_argument('--project', action='store_true', help="time each row's first steps and project the hours")
    args = ap.parse_args()
    p = yaml.safe_load(Path(args.params).read_text())
    base = p['profile']['base']
    steps = max(1, round(base['wgan_abc.train.steps'] * args.scale))
    stage = max(1, round(base['wgan_abc.tricks.stage_steps'] * args.scale))
    p['wgan_abc']['train']['steps'], p['wgan_abc']['tricks']['stage_steps'] = steps, stage
    if args.project:
        out = Path(args.metrics).with_name(Path(args.metrics).stem + '_projection.json')
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(project(args, p, steps), indent=2) + '\n'); return
    params_file = Path(args.out) / 'params.yaml'; params_file.parent.mkdir(parents=True, exist_ok=True)
    params_file.write_text(yaml.safe_dump(p))
    metrics, t0, walls = Path(args.metrics), time.time(), {}
    for seed in args.seeds:
        root, met = Path(args.out) / f's{seed}', Path(args.out) / f's{seed}' / 'wgan_abc.json'
        if met.is_file(): continue
        ts = time.time()
        for row in ROWS:
            block = p['wgan_abc'] | {'train': p['wgan_abc']['train'] | {'seed': seed}}
            train_wgan_abc(args.prepared, root / f'wgan_abc_{row}', block, row, progress=False)
        subprocess.run([sys.executable, '-m', 'papermill', '--no-progress-bar', '-k', 'python3',
                        'nbs/57_wgan_abc_chapter.ipynb', str(root / '57_wgan_abc_chapter.ipynb'),
                        '-p', 'params_file', str(params_file), '-p', 'prepared_dir', args.prepared,
                        '-p', 'models_root', str(root), '-p', 'samples_dir', str(root / 'samples'),
                        '-p', 'metrics_path', str(met)], check=True)
        walls[seed] = round(time.time() - ts, 1)
    per_seed = {s: json.loads((Path(args.out) / f's{s}' / 'wgan_abc.json').read_text()) for s in args.seeds}
    first = per_seed[args.seeds[0]]
    mean = lambda row, k: float(np.mean([m['rows'][row][k] for m in per_seed.values()]))
    keys = ('bleu4', 'in_test_4', 'playable_share', 'distinct_samples', 'distinct_tokens', 'self_bleu')
    table = {row: {k: mean(row, k) for k in keys} for row in ROWS}
    items = lambda row: [m['rows'][row]['items']['bleu'][0] for m in per_seed.values()]
    effects = {what: {'row': a, 'against': b, **effect(items(a), items(b)).as_dict()} for a, b, what in PAIRS}
    ref = lambda who, k: float(np.mean([m[who][k] for m in per_seed.values()]))
    out = {'command': 'python ' + ' '.join(sys.argv), 'params': args.params, 'prepared': args.prepared,
           'machine': platform.processor() or platform.machine(), 'run': first.get('run'),
           'rule': f'the five rows per seed at the CPU profile sizes, {args.scale}x its base lengths '
                   f'({steps} steps, {stage} steps per curriculum length); measured by the chapter on the test tunes',
           'steps': steps, 'stage_steps': stage, 'seeds': args.seeds,
           'model': p['wgan_abc']['model'], 'adversarial_n_critic': p['wgan_abc']['adversarial']['n_critic'],
           'table': table, 'effects_on_bleu': effects,
           'reference_unigram': {k: ref('reference_unigram', k) for k in ('bleu4', 'in_test_4', 'playable_share')},
           'real_test_tunes': {k: ref('real', k) for k in ('bleu4', 'in_test_4', 'playable_share')},
           'study_bleu': 0.931, 'wall_s_per_seed': walls, 'wall_s': round(time.time() - t0, 1),
           'seconds_note': 'wall_s counts only the seeds run by this invocation'}
    assert all(math.isfinite(v) for r in table.values() for v in r.values())
    metrics.parent.mkdir(parents=True, exist_ok=True); metrics.write_text(json.dumps(out, indent=2) + '\n')

if __name__ == '__main__': main()
