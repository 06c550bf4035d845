"""The piano Char-RNN at the study's size (3 x 512, windows of 500 events, batch 32) on this CPU (issue 31, item 4).

The rule, fixed before the run: the vanilla and the conditional model (params-study.yaml's `charrnn` block, seed 0,
one thread each, the precision `auto` gives) train in alternating chunks of `--chunk` steps, the learning rate
constant after the warm-up (so a longer run is the shorter one continued), each chunk ending with the validation
cross-entropy (nats/event, every validation song, state carried through each song). When the wall-time budget
`--hours` is spent the run stops after the chunk pair in progress, so both models end at the same step. Then the
test split: nats/event of each song under both models, and the conditional model's effect against the vanilla one
(paired over test songs, bootstrap interval: `evaluate.effects.effect`), beside random (ln V). Everything goes to
metrics/study/charrnn_piano.json (validation cross-entropy against training hours, command, machine, precision).
A stopped run carries on from the models' `last.pt` and the chunks already recorded.

    python study/charrnn_piano.py --prepared piano/prepared --hours 1.5

More seeds (the interval over seeds): `--seed S --steps N` trains seed S to the step N the first seed reached, into
study/runs/charrnn_piano_sS and metrics/study/charrnn_piano_sS.json (seed 0 keeps the unsuffixed names).

    python study/charrnn_piano.py --prepared piano/prepared --seed 1 --steps 1050

`--name` keeps another series apart (its runs in study/runs/<name>_sS, its seeds' files metrics/study/<name>_sS.json,
its table read from those alone): the CPU profile's model (`--params params.yaml`) trained longer than its pipeline
trains it, say.

    python study/charrnn_piano.py --params params.yaml --name charrnn_piano_cpu --steps 2500 --chunk 500 --seed 0
    python study/charrnn_piano.py --params params.yaml --name charrnn_piano_cpu \
        --table metrics/study/charrnn_piano_cpu_table.json
"""
import argparse
import json
import math
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from deep_symphony.evaluate.effects import effect, t975
from deep_symphony.evaluate.nll import songs_nll
from deep_symphony.models.charrnn import train_charrnn
from deep_symphony.prepare import event_spec, load_ragged
from deep_symphony.train import load_model, with_seed

VARIANTS = ('vanilla', 'conditional')
METRICS = 'metrics/study'
def tag(seed:int) -> str: return '' if seed == 0 else f'_s{seed}'      # seed 0 keeps the unsuffixed names
def run_dir(seed:int, name:str='charrnn_piano') -> str: return f'study/runs/{name}{tag(seed)}'

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--params', default='params-study.yaml'); ap.add_argument('--prepared', default='piano/prepared')
    ap.add_argument('--out', default=None); ap.add_argument('--chunk', type=int, default=250)
    ap.add_argument('--hours', type=float, default=1.5); ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--steps', type=int, default=0, help='stop at this step (0: at --hours of wall time)')
    ap.add_argument('--metrics', default=None)
    ap.add_argument('--name', default='charrnn_piano', help="the series: its runs' folders and metrics files' stem")
    ap.add_argument('--table', nargs='?', const='piano/metrics/charrnn_piano_study.json',
                    help='write the table over the finished seeds (default piano/metrics/charrnn_piano_study.json)')
    args = ap.parse_args()
    args.out = args.out or run_dir(args.seed, args.name)
    args.metrics = args.metrics or str(Path(METRICS) / f'{args.name}{tag(args.seed)}.json')
    torch.set_num_threads(args.threads)
    block = yaml.safe_load(Path(args.params).read_text())['charrnn']
    block = with_seed(block, args.seed)
    if args.table: return table(args, block)
    metrics = Path(args.metrics)
    done = json.loads(metrics.read_text()) if metrics.is_file() else {}
    chunks = done.get('chunks', [])
    def write(final, test=None):
        out = {'command': 'python ' + ' '.join(sys.argv), 'params': args.params, 'prepared': args.prepared,
               'machine': platform.processor() or platform.machine(), 'threads': args.threads,
               'model': block['model'], 'window': block['data']['window'], 'batch_size': block['train']['batch_size'],
               'seed': args.seed,
               'rule': f'vanilla and conditional alternate chunks of {args.chunk} steps, constant learning rate '
                       f'after the warm-up, until ' + (f'step {args.steps}' if args.steps else
                                                        f'{args.hours} h of wall time') + '; then the test split',
               'complete': final, 'chunks': chunks,
               'curve': {v: [{'step': c['step'], 'hours': round(sum(d['wall_s'] for d in chunks[:i + 1]
                                                                    if d['variant'] == v) / 3600, 4),
                              'val_ce': c['val_ce']} for i, c in enumerate(chunks) if c['variant'] == v]
                         for v in VARIANTS}}
        if test: out['test'] = test
        metrics.parent.mkdir(parents=True, exist_ok=True); metrics.write_text(json.dumps(out, indent=2) + '\n')
    t_start = time.time() - sum(c['wall_s'] for c in chunks)
    while True:
        at = {v: max((c['step'] for c in chunks if c['variant'] == v), default=0) for v in VARIANTS}
        if at['vanilla'] == at['conditional'] > 0 and (at['vanilla'] >= args.steps if args.steps else
                                                       time.time() - t_start >= args.hours * 3600): break
        v = 'conditional' if at['conditional'] < at['vanilla'] else 'vanilla'      # a pair: vanilla, then conditional
        target = at['vanilla'] if v == 'conditional' else at['vanilla'] + args.chunk
        if args.steps: target = min(target, args.steps)
        p = {**block, 'train': block['train'] | {'steps': target, 'schedule': 'constant', 'eval_every': args.chunk,
                                                 'checkpoint_every': args.chunk}}
        t0 = time.time()
        s = train_charrnn(args.prepared, Path(args.out) / v, p, variant=v, progress=False)
        chunks.append({'variant': v, 'step': s['steps'], 'val_ce': s['val_loss'], 'train_loss': s['train_loss_last10'],
                       'wall_s': round(time.time() - t0, 1), 'precision': s['precision'], 'hardware': s['hardware']})
        write(False)
    # the test split: each song's nats/event under both models (their last checkpoints, the same step)
    test = split_ce(args.prepared, args.out, block['data']['control_window'], 'test')
    ce = {v: np.array(x) for v, x in test['songs_ce'].items()}
    write(True, test | {'step': chunks[-1]['step'], 'study': STUDY,
                        'conditional_vs_vanilla': effect(ce['conditional'], ce['vanilla'], higher=False,
                                                         paired=True).as_dict()})

STUDY = {'ce_random': 5.89, 'ce_vanilla': 1.90, 'ce_conditional': 1.75}

def split_ce(prepared, out, window:int, split:str) -> dict:
    "Each song's nats/event of `split` under both models' `last.pt` in `out`, the per-event means, and random (ln V)."
    models = {v: load_model(Path(out) / v / 'last.pt', 'charrnn') for v in VARIANTS}
    ce = {v: songs_nll(prepared, v == 'conditional', window, split=split)(m) for v, m in models.items()}
    keep = np.isfinite(ce['vanilla']) & np.isfinite(ce['conditional'])
    events = (load_ragged(Path(prepared) / 'events' / split).lengths - 1)[keep]
    per_event = {v: float((x[keep] * events).sum() / events.sum()) for v, x in ce.items()}
    return {'songs': int(keep.sum()), 'events': int(events.sum()),
            'ce_random': math.log(event_spec(prepared).encoder().vocab_size), 'ce_vanilla': per_event['vanilla'],
            'ce_conditional': per_event['conditional'], 'songs_ce': {v: x[keep].tolist() for v, x in ce.items()}}

def table(args, block):
    """The cross-entropy table over the seeds the runs have finished (metrics/study/charrnn_piano*.json, all at the
    same step): each model's nats/event on validation and test, mean over seeds with a 95 % t-interval over seeds, and
    the paired effects song by song (`evaluate.effects`: conditional below vanilla, vanilla below random)."""
    mine = re.compile(re.escape(args.name) + r'(_s\d+)?\.json')          # this series' seeds, no other series
    runs = [json.loads(f.read_text()) for f in sorted(Path(args.metrics).parent.glob(f'{args.name}*.json'))
            if mine.fullmatch(f.name)]
    runs = [r for r in runs if r.get('complete')]
    steps = {r['test']['step'] for r in runs}
    if len(steps) != 1: raise SystemExit(f'{args.metrics}: the finished seeds stopped at different steps {steps}')
    out = {'command': 'python ' + ' '.join(sys.argv), 'seeds': [r.get('seed', 0) for r in runs], 'step': steps.pop(),
           'model': block['model'], 'window': block['data']['window'], 'batch_size': block['train']['batch_size'],
           'prepared': args.prepared, 'rule': runs[0]['rule'], 'study': STUDY,
           'hours_per_seed': {v: [r['curve'][v][-1]['hours'] for r in runs] for v in VARIANTS}}
    for split in ('valid', 'test'):
        per = []
        for r in runs:
            if split not in r:        # validation song by song: measured once, kept in the seed's own file
                r[split] = split_ce(r['prepared'], run_dir(r.get('seed', 0), args.name),
                                    block['data']['control_window'], split)
                own = Path(args.metrics).parent / f"{args.name}{tag(r.get('seed', 0))}.json"
                own.write_text(json.dumps(r, indent=2) + '\n')
            per.append(r[split])
        row = {}
        for k in ('ce_random', 'ce_vanilla', 'ce_conditional'):
            x = np.array([m[k] for m in per])
            half = t975(len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)) if len(x) > 1 else float('nan')
            row[k[3:]] = {'mean': float(x.mean()), 'per_seed': x.tolist(),
                          'ci95': [float(x.mean() - half), float(x.mean() + half)]}
        songs = {v: [m['songs_ce'][v] for m in per] for v in VARIANTS}
        row['conditional_below_vanilla'] = effect(songs['conditional'], songs['vanilla'], higher=False,
                                                  paired=True).as_dict()
        row['vanilla_below_random'] = effect(songs['vanilla'], [[m['ce_random']] * m['songs'] for m in per],
                                             higher=False, paired=True).as_dict()
        row['intervals_separate'] = (row['conditional']['ci95'][1] < row['vanilla']['ci95'][0]
                                     and row['vanilla']['ci95'][1] < row['random']['ci95'][0])
        out[split] = row
    Path(args.table).parent.mkdir(parents=True, exist_ok=True)
    Path(args.table).write_text(json.dumps(out, indent=2) + '\n')
    ci = lambda c: f"{c['mean']:.3f} [{c['ci95'][0]:.3f}, {c['ci95'][1]:.3f}]"
    print(f"{len(runs)} seed(s) at step {out['step']}\n| model | validation | test | the study |\n|---|---|---|---|")
    for m in ('random', 'vanilla', 'conditional'):
        print(f"| {m} | {ci(out['valid'][m])} | {ci(out['test'][m])} | {STUDY['ce_' + m]:.2f} |")

if __name__ == '__main__': main()
