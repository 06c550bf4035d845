"""Char-RNN benchmark (run on demand, not part of `make test`).

Training: tokens/s of the Deep Symphony Trainer on a CharRNN against a bare `nn.LSTM` training loop of the same
shape, measured in the same run (target: ratio >= 0.95).
Generation: events/s of the streaming sampler (fused step) at batch 1 and batch 64, against `nn.LSTM` called one
step at a time (target on 2 CPU cores: batch-1 streaming >= 600 events/s).

    python bench/bench_charrnn.py [--hidden 512 --layers 3 --embed 256 --batch 32 --window 256 --train-steps 20]
"""
import argparse
import json
import tempfile
import time

import torch
import torch.nn.functional as F

from deep_symphony.generate import generate
from deep_symphony.models.charrnn import CharRNN, CharRNNConfig
from deep_symphony.train import TrainConfig, Trainer


def bare_loop(cfg, batches, steps):
    "The same model shape trained by hand: embedding -> nn.LSTM -> linear, AdamW, clipping."
    torch.manual_seed(0)
    emb = torch.nn.Embedding(cfg.vocab_size, cfg.embed_dim)
    lstm = torch.nn.LSTM(cfg.embed_dim, cfg.hidden, cfg.layers, batch_first=True)
    head = torch.nn.Linear(cfg.hidden, cfg.vocab_size)
    params = [*emb.parameters(), *lstm.parameters(), *head.parameters()]
    opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.99))
    t0 = time.perf_counter(); tokens = 0
    for s in range(steps):
        b = batches[s % len(batches)]
        h, _ = lstm(emb(b['x']))
        loss = F.cross_entropy(head(h).flatten(0, 1), b['targets'].flatten(), ignore_index=-100)
        opt.zero_grad(set_to_none=True); loss.backward(); torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step()
        tokens += b['x'].numel()
    return tokens / (time.perf_counter() - t0)


def trainer_loop(cfg, batches, steps, batch, out):
    torch.manual_seed(0)
    model = CharRNN(cfg)
    tc = TrainConfig(steps=steps, batch_size=batch, lr=1e-3, warmup_steps=0, schedule='constant', eval_every=10**9,
                     checkpoint_every=10**9, device='cpu')
    t0 = time.perf_counter()
    pick = lambda g, n: batches[(int(g.initial_seed()) % 1_000_003 - 1) % len(batches)]
    Trainer(model, pick, tc, out, progress=False).fit()
    return steps * batches[0]['x'].numel() / (time.perf_counter() - t0)


def naive_stream(model, steps):
    "nn.LSTM called once per event (what a straightforward sampler does)."
    x = torch.zeros(1, 1, dtype=torch.long); st = None
    with torch.no_grad():
        t0 = time.perf_counter()
        for _ in range(steps):
            h, st = model.lstm(model.embed(x), st)
            x = torch.multinomial(torch.softmax(model.head(h[:, -1]), -1), 1)
    return steps / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--hidden', type=int, default=512); ap.add_argument('--layers', type=int, default=3)
    ap.add_argument('--embed', type=int, default=256); ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--window', type=int, default=256); ap.add_argument('--train-steps', type=int, default=20)
    ap.add_argument('--gen-steps', type=int, default=2000); ap.add_argument('--threads', type=int, default=0)
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    cfg = CharRNNConfig(embed_dim=a.embed, hidden=a.hidden, layers=a.layers)
    g = torch.Generator().manual_seed(0)
    batches = [{'x': torch.randint(0, 388, (a.batch, a.window), generator=g),
                'targets': torch.randint(0, 388, (a.batch, a.window), generator=g)} for _ in range(4)]
    bare_loop(cfg, batches, 2)                                    # warm up the kernels once
    res = {'shape': f'{a.layers} x {a.hidden} (embed {a.embed}), batch {a.batch} x {a.window}',
           'threads': torch.get_num_threads()}
    with tempfile.TemporaryDirectory() as d:
        res['bare_tokens_per_s'] = bare_loop(cfg, batches, a.train_steps)
        res['trainer_tokens_per_s'] = trainer_loop(cfg, batches, a.train_steps, a.batch, d)
    res['train_ratio'] = res['trainer_tokens_per_s'] / res['bare_tokens_per_s']
    model = CharRNN(cfg).eval()
    res['naive_stream_events_per_s_b1'] = naive_stream(model, 300)
    for n in (1, 64):
        steps = a.gen_steps if n == 1 else max(a.gen_steps // 10, 100)
        generate(model, n, 20, seed=0)                            # build the fused weights once
        t0 = time.perf_counter(); generate(model, n, steps, seed=0)
        res[f'stream_events_per_s_b{n}'] = n * steps / (time.perf_counter() - t0)
    res['stream_speedup_b1'] = res['stream_events_per_s_b1'] / res['naive_stream_events_per_s_b1']
    print(json.dumps(res, indent=2))


if __name__ == '__main__':
    main()
