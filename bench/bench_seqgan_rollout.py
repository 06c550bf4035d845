"""SeqGAN roll-out benchmark (run on demand, not part of `make test`).

Rewards per second of the batched roll-outs (`rollout_batched`: every prefix's completions continue from the kept
prefix state, all `(T - 1)·B·N` rows one recurrent step at a time) against, measured in the same run, the
straightforward per-prefix loop of the public SeqGAN ports (`rollout_loop`: for each roll-out and each prefix length,
read the prefix and sample the rest), both scored by the same discriminator. Target: >= 20x at B = 16, T = 64, N = 16.

    python bench/bench_seqgan_rollout.py [--batch 16] [--length 64] [--rollouts 16] [--device cpu] [--repeat 3]
"""
import argparse
import json
import statistics
import time

import torch

from deep_symphony.models.seqgan import SeqGAN, SeqGANConfig, rewards, sample_tokens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', type=int, default=16); ap.add_argument('--length', type=int, default=64)
    ap.add_argument('--rollouts', type=int, default=16); ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--hidden', type=int, default=200); ap.add_argument('--vocab', type=int, default=349)
    ap.add_argument('--filter-scale', type=float, default=1.0); ap.add_argument('--device', default='cpu')
    a = ap.parse_args()
    torch.manual_seed(0)
    c = SeqGANConfig(hidden=a.hidden, seq_len=a.length, filter_scale=a.filter_scale, d_embed_dim=64,
                     vocab=tuple(f't{i}' for i in range(a.vocab)))
    m = SeqGAN(c).to(a.device).eval()
    seqs = sample_tokens(m.generator, a.batch, a.length)
    sync = torch.cuda.synchronize if a.device.startswith('cuda') else (lambda: None)
    def timed(batched):
        out = []
        for _ in range(a.repeat):
            sync(); t0 = time.perf_counter(); rewards(m.discriminator, m.rollout, seqs, a.rollouts, batched=batched)
            sync(); out.append(time.perf_counter() - t0)
        return statistics.median(out)
    timed(True)                                    # warm-up
    tb, tl = timed(True), timed(False)
    n = a.batch * a.length                         # one reward per token
    print(json.dumps({'device': a.device, 'threads': torch.get_num_threads(), 'batch': a.batch, 'length': a.length,
                      'rollouts': a.rollouts, 'hidden': a.hidden, 'vocab': a.vocab, 'filter_scale': a.filter_scale,
                      'batched_s': tb, 'loop_s': tl, 'batched_rewards_per_s': n / tb, 'loop_rewards_per_s': n / tl,
                      'speedup_over_loop': tl / tb, 'target': 20.0}, indent=2))


if __name__ == '__main__':
    main()
