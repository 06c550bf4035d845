"""bf16 autocast against fp32 for every model the trainer trains (run on demand, not part of `make test`).

For each model: the same training (its `params.yaml` block, its data, the same seed) for `--steps` steps in fp32 and
in bf16, one thread, one after the other; steps/s of the optimiser steps alone (the trainer's `steps_per_s`) and the
loss at the end: the validation loss where the model has one (nats per event, the statistics distance of a GAN's
samples, ...), else the mean of the last 10 training losses. A second fp32 run with another seed gives the
seed-to-seed spread the bf16 difference is read against.

The rule, fixed before any run: bf16 *pays* for a model when its steps/s are at least `--min-speedup` (1.15) times
fp32's; it *hurts* when its final loss differs from fp32's by more than 2 % and by more than the fp32 seed spread.
`precision: auto` should keep a model in fp32 (its class's `fp32_reason`) exactly when bf16 does not pay or hurts;
the JSON says, per model, whether the class agrees. Results: `bench/results/precision.json`, with the CPU's model
name and flags.

    python bench/bench_precision.py --prepared prepared [--piano-prepared piano/prepared] [--steps 60]
                                    [--models charrnn,pix2pix] [--out bench/results/precision.json]
"""
import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from deep_symphony.core import load_params, write_json
from deep_symphony.train import MODELS, hardware_name, native_bf16, registered_models

# what each model trains on and the training options of the run the pipeline makes
RUNS = {'charrnn': {}, 'seqae': {'row': 'continuous'}, 'rnngan': {}, 'wgan': {}, 'dcrnn': {}, 'pix2pix': {},
        'seqgan': {}, 'wgan_abc': {'row': 'gumbel'}, 'duration_net': {}, 'velocity_net': {}, 'gru': {}}
MIN_SPEEDUP, MAX_LOSS_CHANGE = 1.15, 0.02


def block_for(name: str, params_file, steps: int, precision: str, seed: int) -> dict:
    "The model's params.yaml block, trained for `steps` steps, validated once at the end, in `precision`."
    p = json.loads(json.dumps(load_params(params_file, name)))
    p['train'] = p.get('train', {}) | {'steps': steps, 'eval_every': steps, 'checkpoint_every': steps,
                                       'precision': precision, 'seed': seed, 'device': 'cpu', 'warmup_steps': 0}
    if name == 'seqgan':           # every phase in proportion: MLE, discriminator pre-training, adversarial rounds
        p['adversarial'] = p['adversarial'] | {'pretrain_steps': steps // 2, 'd_pretrain_steps': max(steps // 10, 1)}
    return p


def fit_function(name: str, cls):
    "How the pipeline trains `name`: its class's `fit`, or the Refine Nets' own training functions."
    if name == 'duration_net':
        from deep_symphony.models.refine import train_duration_net
        return train_duration_net
    if name == 'velocity_net':
        from deep_symphony.models.velocity_net import train_velocity_net
        return train_velocity_net
    return cls.fit


def run(name: str, cls, prepared, params: dict, options: dict) -> dict:
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        s = fit_function(name, cls)(prepared, d, params, progress=False, **options)
        s['wall_s'] = time.perf_counter() - t0
    s['final_loss'] = s['val_loss'] if s.get('val_loss') is not None else s['train_loss_last10']
    s['loss_kind'] = 'validation' if s.get('val_loss') is not None else 'train (last 10)'
    return {k: s[k] for k in ('steps', 'precision', 'steps_per_s', 'wall_s', 'final_loss', 'loss_kind')}


def verdict(name: str, cls, fp32: dict, bf16: dict, fp32_seed: dict) -> dict:
    speedup = bf16['steps_per_s'] / fp32['steps_per_s']
    change = abs(bf16['final_loss'] - fp32['final_loss']) / max(abs(fp32['final_loss']), 1e-12)
    spread = abs(fp32_seed['final_loss'] - fp32['final_loss']) / max(abs(fp32['final_loss']), 1e-12)
    pays, hurts = speedup >= MIN_SPEEDUP, change > MAX_LOSS_CHANGE and change > spread
    keep_fp32 = not pays or hurts
    return {'speedup': speedup, 'loss_change': change, 'fp32_seed_spread': spread, 'within_2pct': change <= 0.02,
            'bf16_pays': pays, 'bf16_hurts': hurts, 'auto_should_be': 'fp32' if keep_fp32 else 'bf16',
            'auto_is': 'fp32' if getattr(cls, 'fp32_reason', None) else 'bf16',
            'fp32_reason': getattr(cls, 'fp32_reason', None)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--prepared', default='prepared')
    ap.add_argument('--piano-prepared', default='piano/prepared', help="the Velocity Net's (skipped if absent)")
    ap.add_argument('--params', default='params.yaml')
    ap.add_argument('--steps', type=int, default=60)
    ap.add_argument('--models', default=','.join(RUNS))
    ap.add_argument('--out', default='bench/results/precision.json')
    a = ap.parse_args()
    torch.set_num_threads(1)
    registered_models(); models, results = MODELS, {}       # every model module imported, the Refine Nets too
    out = {'cpu': hardware_name('cpu'), 'native_bf16': native_bf16('cpu'), 'threads': 1, 'torch': torch.__version__,
           'steps': a.steps, 'rule': f'bf16 pays: speedup >= {MIN_SPEEDUP}; hurts: final loss changed by more '
           f'than {MAX_LOSS_CHANGE:.0%} and more than the fp32 seed-to-seed spread', 'models': results}
    for name in a.models.split(','):
        prepared = a.piano_prepared if name == 'velocity_net' else a.prepared
        if not Path(prepared).is_dir():
            results[name] = {'skipped': f'{prepared}: no such prepared folder'}; continue
        cls, opts = models[name], RUNS[name]
        r = {p: run(name, cls, prepared, block_for(name, a.params, a.steps, p, 0), opts) for p in ('fp32', 'bf16')}
        r['fp32_seed1'] = run(name, cls, prepared, block_for(name, a.params, a.steps, 'fp32', 1), opts)
        results[name] = r | verdict(name, cls, r['fp32'], r['bf16'], r['fp32_seed1'])
        v = results[name]
        print(f"{name:13s} fp32 {r['fp32']['steps_per_s']:7.2f} steps/s  bf16 {r['bf16']['steps_per_s']:7.2f}  "
              f"x{v['speedup']:.2f}  loss {r['fp32']['final_loss']:.4f} -> {r['bf16']['final_loss']:.4f} "
              f"({v['loss_change']:.1%}; seeds {v['fp32_seed_spread']:.1%})  auto: {v['auto_should_be']}", flush=True)
        write_json(a.out, out)
    write_json(a.out, out)


if __name__ == '__main__':
    main()
