"""The WGAN-on-ABC chapter's exploratory runs, re-run (on demand, not part of `make test`).

Chapter 57 chose its `gumbel` row (straight-through Gumbel feedback, tau 0.5, learning rate 1e-3) on six runs of the
all-tricks configuration. This script trains each of them through `train_wgan_abc` (row `all` plus the overrides
below, every other value from `params.yaml`'s `wgan_abc` block) and measures 50 samples the way the chapter does
(`measure_tunes`, without the copy check). Runs resume from their `last.pt` when `--out` is kept.

    python bench/bench_wgan_abc_choices.py --prepared prepared [--params params.yaml] [--out DIR] [--only NAME ...]
        [--samples 50] [--json bench/results/wgan_abc_choices.json]

About 3 minutes a run on 2 cores with params.yaml's CPU budget (300 steps, hidden 64).
"""
import argparse
import json
import tempfile
import time
from pathlib import Path

from deep_symphony.abc_tokens import ABCTokenizer, tune_tokens
from deep_symphony.chapters.wgan_abc import measure_tunes
from deep_symphony.core import load_params
from deep_symphony.models.wgan_abc import train_wgan_abc
from deep_symphony.prepare import tune_openings
from deep_symphony.train import load_model

gumbel = lambda tau, lr, **model: {'model': {'feedback': 'gumbel', 'tau': tau} | model, 'train': {'lr': lr}}
CHOICES = {                                              # name: overrides of the wgan_abc block (row `all`)
    'softmax_lr1e-4': {'train': {'lr': 1e-4}},           # the study's setting: the chapter's `all` row
    'softmax_lr1e-3': {'train': {'lr': 1e-3}},
    'gumbel_tau1_lr1e-4': gumbel(1.0, 1e-4),
    'gumbel_tau1_lr1e-3': gumbel(1.0, 1e-3),
    'gumbel_tau0.5_lr1e-3': gumbel(0.5, 1e-3),           # the chapter's `gumbel` row
    'gumbel_tau1_lr1e-3_hidden128': gumbel(1.0, 1e-3, hidden=128),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--prepared', required=True); ap.add_argument('--params', default='params.yaml')
    ap.add_argument('--out', help='checkpoints (kept, so a run resumes); default: a temporary folder')
    ap.add_argument('--only', nargs='+', choices=tuple(CHOICES)); ap.add_argument('--samples', type=int, default=50)
    ap.add_argument('--seed', type=int, default=0); ap.add_argument('--json')
    a = ap.parse_args()
    base, out = load_params(a.params, 'wgan_abc'), Path(a.out or tempfile.mkdtemp())
    test_ids, _ = tune_openings(a.prepared, 'test')
    results = {'command': 'python bench/bench_wgan_abc_choices.py ' + ' '.join(
        f'--{k.replace("_", "-")} {" ".join(v) if isinstance(v, list) else v}' for k, v in vars(a).items()
        if v is not None),
        'params_file': a.params, 'samples': a.samples, 'runs': {}}
    for name in a.only or CHOICES:
        p = {k: dict(v) for k, v in base.items()}
        for section, kv in CHOICES[name].items(): p[section] = p.get(section, {}) | kv
        t0 = time.perf_counter()
        train_wgan_abc(a.prepared, out / name, p, row='all', progress=False)
        m = load_model(out / name / 'last.pt', 'wgan_abc')
        T = m.config.seq_len
        refs, tests = [tune_tokens(t[1:T + 1]) for t in test_ids], [tune_tokens(t) for t in test_ids]
        ids = m.sample_tokens(a.samples, a.seed).cpu().numpy()
        r = measure_tunes(ids, ABCTokenizer(m.config.vocab), m.config.header, refs, tests)
        results['runs'][name] = {'overrides': CHOICES[name], 'seconds': round(time.perf_counter() - t0, 1)} | {
            k: r[k] for k in ('playable_share', 'distinct_samples', 'distinct_tokens', 'bleu4', 'in_test_4')}
        print(name, json.dumps(results['runs'][name]), flush=True)
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(results, indent=1) + '\n')


if __name__ == '__main__':
    main()
