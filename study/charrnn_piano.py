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
"""
import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from deep_symphony.evaluate.effects import effect
from deep_symphony.evaluate.nll import songs_nll
from deep_symphony.models.charrnn import train_charrnn
from deep_symphony.prepare import event_spec, load_ragged
from deep_symphony.train import load_model

VARIANTS = ('vanilla', 'conditional')

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--params', default='params-study.yaml'); ap.add_argument('--prepared', default='piano/prepared')
    ap.add_argument('--out', default=None); ap.add_argument('--chunk', type=int, default=250)
    ap.add_argument('--hours', type=float, default=1.5); ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--steps', type=int, default=0, help='stop at this step (0: at --hours of wall time)')
    ap.add_argument('--metrics', default=None)
    args = ap.parse_args()
    tag = '' if args.seed == 0 else f'_s{args.seed}'
    args.out = args.out or f'study/runs/charrnn_piano{tag}'
    args.metrics = args.metrics or f'metrics/study/charrnn_piano{tag}.json'
    torch.set_num_threads(args.threads)
    block = yaml.safe_load(Path(args.params).read_text())['charrnn']
    block = {**block, 'train': block['train'] | {'seed': args.seed}}
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
    models = {v: load_model(Path(args.out) / v / 'last.pt', 'charrnn') for v in VARIANTS}
    window = block['data']['control_window']
    ce = {v: songs_nll(args.prepared, v == 'conditional', window, split='test')(m) for v, m in models.items()}
    keep = np.isfinite(ce['vanilla']) & np.isfinite(ce['conditional'])
    events = (load_ragged(Path(args.prepared) / 'events' / 'test').lengths - 1)[keep]
    per_event = {v: float((x[keep] * events).sum() / events.sum()) for v, x in ce.items()}
    eff = effect(ce['conditional'][keep], ce['vanilla'][keep], higher=False, paired=True)
    rnd = math.log(event_spec(args.prepared).encoder().vocab_size)
    write(True, {'songs': int(keep.sum()), 'events': int(events.sum()), 'step': chunks[-1]['step'],
                 'ce_random': rnd, 'ce_vanilla': per_event['vanilla'], 'ce_conditional': per_event['conditional'],
                 'conditional_vs_vanilla': eff.as_dict(),
                 'study': {'ce_random': 5.89, 'ce_vanilla': 1.90, 'ce_conditional': 1.75},
                 'songs_ce': {v: x[keep].tolist() for v, x in ce.items()}})

if __name__ == '__main__': main()
