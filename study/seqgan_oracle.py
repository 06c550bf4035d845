"""The SeqGAN paper's synthetic oracle at the paper's size (params-study.yaml: vocabulary 5,000, length 20, 10,000
oracle samples, 32 LSTM cells, the paper's discriminator and its volume), MLE against SeqGAN after the same generator
updates, on this machine (issue 31, item 4). The library's `oracle_experiment` (the SeqGAN chapter's), one run per
seed; the effect (SeqGAN's oracle NLL below MLE's, per generated sequence) with its interval from `evaluate.effects`.
Writes metrics/study/seqgan_oracle.json with the command, machine, precision and wall time.

    python study/seqgan_oracle.py --seeds 0 --rounds 40
"""
import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

from deep_symphony.chapters.seqgan import OracleExperiment, oracle_experiment
from deep_symphony.core import config_from, load_params
from deep_symphony.evaluate.effects import effect
from deep_symphony.train import load_checkpoint, with_seed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--params', default='params-study.yaml'); ap.add_argument('--out', default='study/runs/oracle')
    ap.add_argument('--seeds', default='0', help='comma-separated training seeds')
    ap.add_argument('--rounds', type=int, help="adversarial rounds (default: the params' adversarial_steps)")
    ap.add_argument('--metrics', default='metrics/study/seqgan_oracle.json')
    a = ap.parse_args(); t0 = time.time()
    ox = config_from(OracleExperiment, load_params(a.params, 'seqgan_oracle'))
    if a.rounds: ox = replace(ox, adversarial_steps=a.rounds)
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
