"""bf16 autocast against fp32 for every model the trainer trains (run on demand, not part of `make test`).

For each model: the same training (its `params.yaml` block, its data) for `--steps` steps, in fp32 and in bf16, with
each of `--seeds` seeds (0, 1, 2 by default), one thread, the runs of both precisions interleaved; steps/s of the
optimiser steps alone (the trainer's `steps_per_s`) and the loss at the end: the validation loss where the model has
one (nats per event, the statistics distance of a GAN's samples, ...), else the mean of the last 10 training losses.

The rule, fixed before this run: bf16 *pays* for a model when the median of its steps/s is at least `MIN_SPEEDUP`
(1.15) times fp32's; it *hurts* when its mean final loss differs from fp32's by more than 2 % and by more than twice
the standard error of that difference over the seeds. `precision: auto` should keep a model in fp32 (its class's
`fp32_reason`) exactly when bf16 does not pay or hurts; the JSON says, per model, whether the class agrees.
(A first rule, one seed per precision against the spread between two fp32 seeds, judged the DCRNN hurt by one noisy
pair of runs: `bench/results/precision_v1_one_seed.json`; at seeds 1 and 2 bf16 was as good. This rule replaces it
for every model.) Results: `bench/results/precision.json`, with the CPU's model name and flags.

    python bench/bench_precision.py --prepared prepared [--piano-prepared piano/prepared] [--steps 100]
                                    [--seeds 3] [--models charrnn,pix2pix] [--out bench/results/precision.json]
"""
import argparse
import json
import math
import statistics
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


def sampling(prepared, params_file, steps: int = 400, batch: int = 16) -> dict:
    "Events/s of Char-RNN sampling (the chapters' and the CLI's path) in fp32 and under bf16 autocast, one thread."
    from deep_symphony.models.charrnn import CharRNN, CharRNNConfig
    from deep_symphony.train import autocast
    p = load_params(params_file, 'charrnn').get('model', {})
    model = CharRNN(CharRNNConfig(**p)).eval(); out = {'batch': batch, 'events': steps}
    for precision in ('fp32', 'bf16', 'fp32', 'bf16'):             # twice each, interleaved: the better of two
        with autocast(precision):
            t0 = time.perf_counter(); model.sample_songs(batch, seed=0, steps=steps)
        rate = batch * steps / (time.perf_counter() - t0)
        out[f'{precision}_events_per_s'] = max(rate, out.get(f'{precision}_events_per_s', 0.0))
    out['speedup'] = out['bf16_events_per_s'] / out['fp32_events_per_s']
    return out


def verdict(cls, runs: dict) -> dict:
    "The rule applied to the runs of both precisions (`runs[precision]`: one summary per seed)."
    med = lambda p: statistics.median(r['steps_per_s'] for r in runs[p])
    loss = {p: [r['final_loss'] for r in runs[p]] for p in runs}
    mean = {p: statistics.fmean(v) for p, v in loss.items()}
    se = math.sqrt(sum(statistics.variance(v) / len(v) for v in loss.values())) if len(loss['fp32']) > 1 else 0.0
    speedup, diff = med('bf16') / med('fp32'), mean['bf16'] - mean['fp32']
    change = abs(diff) / max(abs(mean['fp32']), 1e-12)
    pays, hurts = speedup >= MIN_SPEEDUP, change > MAX_LOSS_CHANGE and abs(diff) > 2 * se
    return {'speedup': speedup, 'fp32_steps_per_s': med('fp32'), 'bf16_steps_per_s': med('bf16'),
            'fp32_loss_mean': mean['fp32'], 'bf16_loss_mean': mean['bf16'], 'loss_change': change,
            'difference_se': se, 'within_2pct': change <= MAX_LOSS_CHANGE, 'bf16_pays': pays, 'bf16_hurts': hurts,
            'auto_should_be': 'fp32' if not pays or hurts else 'bf16',
            'auto_is': 'fp32' if getattr(cls, 'fp32_reason', None) else 'bf16',
            'fp32_reason': getattr(cls, 'fp32_reason', None)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--prepared', default='prepared')
    ap.add_argument('--piano-prepared', default='piano/prepared', help="the Velocity Net's (skipped if absent)")
    ap.add_argument('--params', default='params.yaml')
    ap.add_argument('--steps', type=int, default=100)
    ap.add_argument('--seeds', type=int, default=3)
    ap.add_argument('--models', default=','.join(RUNS))
    ap.add_argument('--out', default='bench/results/precision.json')
    ap.add_argument('--no-sampling', action='store_true', help='skip the sampling measurement')
    ap.add_argument('--merge', action='store_true', help='keep the entries of the models not run (from --out)')
    a = ap.parse_args()
    torch.set_num_threads(1)
    registered_models(); models, results = MODELS, {}       # every model module imported, the Refine Nets too
    if a.merge and Path(a.out).is_file():                   # a subset again: the other models' entries are kept
        results = json.loads(Path(a.out).read_text())['models']
    out = {'cpu': hardware_name('cpu'), 'native_bf16': native_bf16('cpu'), 'threads': 1, 'torch': torch.__version__,
           'steps': a.steps, 'seeds': a.seeds,
           'rule': f'bf16 pays: median steps/s >= {MIN_SPEEDUP} x fp32; hurts: mean final loss over the seeds changed '
                   f'by more than {MAX_LOSS_CHANGE:.0%} and by more than 2 standard errors', 'models': results}
    if a.merge and Path(a.out).is_file() and 'charrnn_sampling' in (old := json.loads(Path(a.out).read_text())):
        out['charrnn_sampling'] = old['charrnn_sampling']
    if not a.no_sampling:
        out['charrnn_sampling'] = s = sampling(a.prepared, a.params)
        print(f"charrnn sampling: fp32 {s['fp32_events_per_s']:.0f} events/s, bf16 {s['bf16_events_per_s']:.0f} "
              f"(x{s['speedup']:.2f})", flush=True)
    for name in [m for m in a.models.split(',') if m]:
        prepared = a.piano_prepared if name == 'velocity_net' else a.prepared
        if not Path(prepared).is_dir():
            results[name] = {'skipped': f'{prepared}: no such prepared folder'}; continue
        cls, opts = models[name], RUNS[name]
        runs = {'fp32': [], 'bf16': []}
        for seed in range(a.seeds):
            for p in runs: runs[p].append(run(name, cls, prepared, block_for(name, a.params, a.steps, p, seed), opts))
        results[name] = {'runs': runs} | (v := verdict(cls, runs))
        print(f"{name:13s} fp32 {v['fp32_steps_per_s']:7.2f} steps/s  bf16 {v['bf16_steps_per_s']:7.2f}  "
              f"x{v['speedup']:.2f}  loss {v['fp32_loss_mean']:.4f} -> {v['bf16_loss_mean']:.4f} "
              f"({v['loss_change']:.1%}; 2 SE {2 * v['difference_se']:.4f})  auto should be {v['auto_should_be']}, "
              f"is {v['auto_is']}", flush=True)
        write_json(a.out, out)
    for name, r in results.items():                 # what `auto` does now, for every entry (merged ones too)
        if 'auto_should_be' in r:
            r['auto_is'] = 'fp32' if getattr(models[name], 'fp32_reason', None) else 'bf16'
            r['fp32_reason'] = getattr(models[name], 'fp32_reason', None)
    write_json(a.out, out)


if __name__ == '__main__':
    main()
