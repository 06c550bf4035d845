"""Token sampling benchmark (run on demand, not part of `make test`).

`generate.sample_categorical` (inverse CDF: fp32 running sum + `searchsorted`, the draw `sample_next` makes) against
`torch.multinomial(probs, 1)`, measured in the same run on the same probabilities, at the shapes the models sample: the
SeqGAN oracle's roll-out rows (64 sequences x 16 roll-outs at vocabulary 5,004; the whole roll-out batch of 19,456
rows), the Char-RNN's batch at the performance vocabulary (16 x 388). Both are also checked to draw the same
distribution (total-variation distance of 200,000 draws from one row against its probabilities). Writes JSON.

    python bench/bench_sampling.py [--threads 1] [--repeat 200] [--out bench/results/sampling.json]
"""
import argparse
import json
import os
import platform
import statistics
import time

import torch

from deep_symphony.generate import sample_categorical

SHAPES = {'seqgan_oracle_rollout_step': (64, 5004), 'seqgan_oracle_rollout_batch': (19_456, 5004),
          'charrnn_performance': (16, 388)}


def timed(f, repeat:int) -> float:
    f(); ts = []
    for _ in range(repeat):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def tv_distance(draw, p:torch.Tensor, n:int=200_000) -> float:
    "Total-variation distance between the frequencies of `n` draws from `p` and `p`."
    x = draw(p.expand(n, -1))
    return float((torch.bincount(x, minlength=len(p)) / n - p).abs().sum() / 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--threads', type=int, default=1); ap.add_argument('--repeat', type=int, default=200)
    ap.add_argument('--out', default='bench/results/sampling.json')
    a = ap.parse_args(); torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(0); rows = {}
    mult = lambda p: torch.multinomial(p, 1, generator=g)[:, 0]
    cdf = lambda p: sample_categorical(p, g)
    for name, (b, v) in SHAPES.items():
        p = torch.softmax(torch.randn(b, v, generator=g) * 3, -1)
        rep = max(5, a.repeat * 64 // b)
        tm, tc = timed(lambda: mult(p), rep), timed(lambda: cdf(p), rep)
        rows[name] = {'rows': b, 'vocab': v, 'repeat': rep, 'multinomial_s': tm, 'inverse_cdf_s': tc,
                      'speedup': tm / tc}
    p = torch.softmax(torch.randn(388, generator=g) * 3, -1)
    same = {'draws': 200_000, 'tv_multinomial': tv_distance(mult, p), 'tv_inverse_cdf': tv_distance(cdf, p)}
    out = {'command': 'python bench/bench_sampling.py ' + f'--threads {a.threads} --repeat {a.repeat}',
           'machine': platform.processor() or platform.machine(), 'torch': torch.__version__, 'threads': a.threads,
           'load_average_1min': os.getloadavg()[0],      # what else ran beside it
           'shapes': rows, 'same_distribution': same}
    with open(a.out, 'w') as f: json.dump(out, f, indent=2)
    print(json.dumps(out, indent=2))


if __name__ == '__main__':
    main()
