"""WGAN-on-ABC step benchmark (run on demand, not part of `make test`).

Training steps per second of the all-tricks configuration (curriculum at its full length, variable lengths and
teacher helping: every length of a step in one padded, masked pass) against the plain one (length 64 from the start),
measured in the same run on the same batch. Target: the tricks cost at most 2x the plain step.

    python bench/bench_wgan_abc.py [--hidden 64] [--n-critic 5] [--batch 80] [--steps 5] [--device cpu]
"""
import argparse
import json
import time

import torch

from deep_symphony.models.wgan_abc import ROWS, WGANABC, WGANABCConfig
from deep_symphony.train import TrainConfig, make_optimizer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--hidden', type=int, default=64); ap.add_argument('--n-critic', type=int, default=5)
    ap.add_argument('--batch', type=int, default=80); ap.add_argument('--length', type=int, default=64)
    ap.add_argument('--steps', type=int, default=5); ap.add_argument('--device', default='cpu')
    a = ap.parse_args()
    sync = torch.cuda.synchronize if a.device.startswith('cuda') else (lambda: None)
    x = torch.randint(4, 353, (a.batch, a.length), generator=torch.Generator().manual_seed(0)).to(a.device)
    out = {'device': a.device, 'threads': torch.get_num_threads(), 'hidden': a.hidden, 'n_critic': a.n_critic,
           'batch': a.batch, 'length': a.length}
    for row in ('plain', 'all', 'plain'):                   # plain twice: the first run also warms up
        torch.manual_seed(0)
        m = WGANABC(WGANABCConfig(hidden=a.hidden, seq_len=a.length, n_critic=a.n_critic,
                                  vocab=tuple(f't{i}' for i in range(349)), **ROWS[row])).to(a.device)
        m.step_count.fill_(10 ** 6)                          # past the curriculum: the full length
        opt = make_optimizer(m, TrainConfig(lr=1e-4))
        m.train_step({'x': x}, opt); sync(); t0 = time.perf_counter()
        for _ in range(a.steps): m.train_step({'x': x}, opt)
        sync(); out[f'{row}_steps_per_s'] = a.steps / (time.perf_counter() - t0)
    out['all_cost_over_plain'] = out['plain_steps_per_s'] / out['all_steps_per_s']
    out['target'] = 2.0
    print(json.dumps(out, indent=2))


if __name__ == '__main__':
    main()
