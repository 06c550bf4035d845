"""Gesture play latency (run on demand, not part of `make test`).

The time from a control change to the first event generated under it, at batch 1: `GesturePlayer.update` with a new
hand position, then `advance` for one event (the fused LSTM step and the sampler). Target: <= 50 ms on 2 CPU cores.
Baseline measured in the same run: one step of a bare `torch.nn.LSTM` of the same shape (input = embedding + control)
and its output layer, so the ratio says what the player adds to the network itself. The model is the checkpoint given,
or a fresh Char-RNN of params.yaml's shape (latency does not depend on the weights).

    python bench/bench_gesture_latency.py [--checkpoint models/charrnn_gesture/best.pt] [--changes 1000]
        [--threads 2] [--json FILE]
"""
import argparse
import json
import time

import numpy as np
import torch

from deep_symphony.core import config_from, load_params
from deep_symphony.features import FEATURE_DIM
from deep_symphony.interactive.gesture import Hand
from deep_symphony.interactive.gesture_play import GesturePlayer
from deep_symphony.models.charrnn import CharRNN, CharRNNConfig
from deep_symphony.train import load_model


def percentiles(ms):
    return {'p50_ms': float(np.percentile(ms, 50)), 'p95_ms': float(np.percentile(ms, 95)),
            'max_ms': float(np.max(ms))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--checkpoint'); ap.add_argument('--params', default='params.yaml')
    ap.add_argument('--changes', type=int, default=1000); ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--json')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.checkpoint: model = load_model(a.checkpoint, 'charrnn')
    else:
        torch.manual_seed(0)
        model = CharRNN(config_from(CharRNNConfig, load_params(a.params, 'charrnn'), control_dim=FEATURE_DIM))
    model.eval(); c = model.config
    player, rng = GesturePlayer(model), np.random.default_rng(0)
    player.update(Hand(0.5, 0.5, 0.1, 1.0)); player.advance(1.0)                 # started, warm
    ms = []
    for _ in range(a.changes):
        t0 = time.perf_counter()
        player.update(Hand(*rng.uniform(0, 1, 2), 0.1, 1.0))
        player.advance(player.clock + 1.0, max_events=1)
        ms.append(1e3 * (time.perf_counter() - t0))
    lstm = torch.nn.LSTM(c.embed_dim + FEATURE_DIM, c.hidden, c.layers).eval()
    head = torch.nn.Linear(c.hidden, c.vocab_size)
    x, state, base = torch.randn(1, 1, c.embed_dim + FEATURE_DIM), None, []
    with torch.no_grad():
        for i in range(a.changes + 20):
            t0 = time.perf_counter(); h, state = lstm(x, state); head(h[0]); dt = time.perf_counter() - t0
            if i >= 20: base.append(1e3 * dt)
    out = {'model': {'hidden': c.hidden, 'layers': c.layers, 'embed_dim': c.embed_dim},
           'threads': torch.get_num_threads(), 'changes': a.changes,
           'control_to_first_event': percentiles(ms), 'bare_lstm_step': percentiles(base),
           'ratio_p50': float(np.median(ms) / np.median(base)), 'target_ms': 50.0}
    print(json.dumps(out, indent=1))
    if a.json: open(a.json, 'w').write(json.dumps(out, indent=1) + '\n')


if __name__ == '__main__':
    main()
