"""The SeqGAN paper's synthetic oracle at the paper's size (params-study.yaml: vocabulary 5,000, length 20, 10,000
oracle samples, 32 LSTM cells, the paper's discriminator and its volume), MLE against SeqGAN after the same generator
updates, on this machine (issue 31, item 4). The library's `oracle_experiment` (the SeqGAN chapter's), one run per
seed; the effect (SeqGAN's oracle NLL below MLE's, per generated sequence) with its interval from `evaluate.effects`.
Writes metrics/study/seqgan_oracle.json with the command, machine, precision and wall time.

    python study/seqgan_oracle.py --seeds 0 --rounds 40

`--project` trains nothing to the end: it times each phase's step at the paper's size on this machine (an MLE step,
a discriminator round at the paper's volume, an adversarial round, an oracle NLL) and writes how long one seed's two
arms take to metrics/study/seqgan_oracle_projection.json, which the scorecard shows until the run exists.

    python study/seqgan_oracle.py --project
"""
import argparse
import json
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from deep_symphony.abc_tokens import BOS
from deep_symphony.chapters.seqgan import OracleExperiment, make_oracle, oracle_experiment, oracle_nll
from deep_symphony.core import config_from, load_params
from deep_symphony.evaluate.effects import effect
from deep_symphony.models.seqgan import SeqGAN, SeqGANConfig, SeqGANTrain, sample_tokens
from deep_symphony.train import (
    autocast,
    build,
    hardware_name,
    load_checkpoint,
    make_optimizer,
    resolve_precision,
    with_seed,
)


def project(a, ox:OracleExperiment, p:dict) -> dict:
    "Seconds per step of each phase at `ox`'s size, timed on this machine through `SeqGAN.train_step`, and the hours."
    tcfg = config_from(SeqGANTrain, p); mle_reps = 20
    cfg = config_from(SeqGANConfig, p, seq_len=ox.length, hidden=ox.hidden, forbid_eos=True,
                      vocab=tuple(f't{i}' for i in range(ox.vocab)), pretrain_steps=mle_reps + 1, d_pretrain_steps=1)
    m = build(SeqGAN, cfg, 0); opt = make_optimizer(m, tcfg); prec = resolve_precision(tcfg.precision, 'cpu', m)
    orc = make_oracle(ox.vocab, hidden=ox.hidden)
    x = sample_tokens(orc, ox.n_train, ox.length, torch.Generator().manual_seed(1))
    x = torch.cat([torch.full((len(x), 1), BOS), x], 1); g = torch.Generator().manual_seed(0)
    pick = lambda n: x[torch.randint(0, len(x), (n,), generator=g)]
    secs = {}
    with autocast(prec):
        for phase, reps in (('mle', mle_reps + 1), ('d_pretrain', 1), ('adv', 1)):
            ts = []
            for _ in range(reps):
                b = {'x': pick(tcfg.batch_size)} | ({'pool': pick(cfg.d_negatives)} if cfg.d_negatives else {})
                t = time.perf_counter(); m.train_step(b, opt, tcfg.grad_clip); ts.append(time.perf_counter() - t)
            secs[phase] = float(np.median(ts[1:] if reps > 1 else ts))     # the first MLE step warms up
    t = time.perf_counter(); oracle_nll(orc, m.generator, ox.eval_samples, ox.length)
    secs['eval'] = time.perf_counter() - t
    evals = 2 * 21                     # each arm validates 20 times and at its end
    mle_arm = (ox.pretrain_steps + ox.adversarial_steps) * secs['mle']
    seqgan_arm = (ox.pretrain_steps * secs['mle'] + cfg.d_pretrain_steps * secs['d_pretrain']
                  + ox.adversarial_steps * secs['adv'])
    total = mle_arm + seqgan_arm + evals * secs['eval']
    return {'command': 'python ' + ' '.join(sys.argv), 'params': a.params, 'oracle': vars(ox),
            'discriminator': {'filter_scale': cfg.filter_scale, 'd_negatives': cfg.d_negatives,
                              'd_epochs': cfg.d_epochs, 'd_steps': cfg.d_steps, 'rollouts': cfg.rollouts},
            'machine': platform.processor() or platform.machine(), 'hardware': hardware_name('cpu'),
            'precision': prec, 'torch_threads': torch.get_num_threads(), 'load_average_1min': os.getloadavg()[0],
            'seconds_per_step': {k: round(v, 3) for k, v in secs.items()},
            'hours_per_seed': {'mle_arm': round(mle_arm / 3600, 2), 'seqgan_arm': round(seqgan_arm / 3600, 2),
                               'total': round(total / 3600, 2)},
            'note': 'a projection from one timed step per phase, not a run; the load average says what else ran'}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--params', default='params-study.yaml'); ap.add_argument('--out', default='study/runs/oracle')
    ap.add_argument('--seeds', default='0', help='comma-separated training seeds')
    ap.add_argument('--rounds', type=int, help="adversarial rounds (default: the params' adversarial_steps)")
    ap.add_argument('--metrics', default='metrics/study/seqgan_oracle.json')
    ap.add_argument('--project', action='store_true', help='time one step of each phase and project the hours')
    a = ap.parse_args(); t0 = time.time()
    ox = config_from(OracleExperiment, load_params(a.params, 'seqgan_oracle'))
    if a.rounds: ox = replace(ox, adversarial_steps=a.rounds)
    if a.project:
        out = Path(a.metrics).with_name(Path(a.metrics).stem + '_projection.json')
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(project(a, ox, load_params(a.params, 'seqgan')), indent=2) + '\n'); return
    runs = []
    for s in (int(x) for x in a.seeds.split(',')):
        ts = time.time()
        r = oracle_experiment(Path(a.out) / f's{s}', with_seed(load_params(a.params, 'seqgan'), s), ox, progress=False)
        ck = load_checkpoint(Path(a.out) / f's{s}' / 'seqgan' / 'last.pt')
        runs.append(r | {'seed': s, 'wall_s': round(time.time() - ts, 1), 'precision': ck.get('precision', 'fp32'),
                         'hardware': ck.get('hardware')})
    e = effect([r['items']['seqgan'] for r in runs], [r['items']['mle'] for r in runs], higher=False)
    out = {'command': 'python ' + ' '.join(sys.argv), 'params': a.params, 'oracle': vars(ox),
           'machine': platform.processor() or platform.machine(), 'precision': runs[0]['precision'],
           'seeds': [r['seed'] for r in runs],
           'runs': [{k: v for k, v in r.items() if k != 'items'} for r in runs],
           'effect_seqgan_below_mle': e.as_dict(), 'paper': {'mle': 9.038, 'seqgan': 8.736},
           'wall_s': round(time.time() - t0, 1)}
    Path(a.metrics).parent.mkdir(parents=True, exist_ok=True); Path(a.metrics).write_text(json.dumps(out, indent=2))

if __name__ == '__main__': main()
