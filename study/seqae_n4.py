"""The SeqAE at the study's 4-note subsequences, study sizes (params-study.yaml), on this machine (issue 31, item 4).

The rule, fixed before the run: the vanilla row trains in chunks of `--chunk` steps (constant learning rate after the
warm-up, so a longer run is the shorter one continued) and stops at the first chunk whose best checkpoint has
validation `rec_bin` <= 0.05, or at the cap (`seqae.four_notes.steps`). Every continuous row of the `w_con` sweep then
trains exactly as many steps. Each row is nbs/12_seqae.ipynb run by papermill, as DVC runs it; the table (flips and
rec_bin per row, the study's) goes to metrics/study/seqae_n4.json with the command, machine, precision and wall time.

    python study/seqae_n4.py --prepared prepared --out study/runs/seqae_n4

`--transpose T` runs the same rule with the windows' random transposition set to T semitones (params: 2) into
study/runs/seqae_n4_tT and metrics/study/seqae_n4_tT.json; `--seed S` (S > 0) the same rule for another seed into
study/runs/seqae_n4_sS and metrics/study/seqae_n4_sS.json. `--measure` then scores every row's best checkpoint on the
training and the validation split, song by song (`seqae_measures`): rec_bin and flips with bootstrap intervals over
songs, and each continuous row against vanilla, paired by song (`evaluate.effects`), into the metrics file's `splits`
(a row whose checkpoint is gone, a new machine, is trained again first by the same rule to the recorded steps).
"""
import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from deep_symphony.train import load_checkpoint

TARGET = 0.05
W_CONS = (0.15, 0.05, 0.01, 1e-3, 1e-4)  # the configured w_con first, then down

def run_row(row, steps, args, w_con=None):
    "Train (or continue) one row to `steps` 4-note steps; returns its metrics."
    p = yaml.safe_load(Path(args.params).read_text())
    p['seqae']['four_notes']['steps'] = steps
    if args.transpose is not None: p['seqae']['data']['transpose'] = args.transpose
    name = row if w_con is None else f'{row}_w{w_con:g}'
    out, met = Path(args.out) / name, Path(args.out) / f'{name}.json'
    with tempfile.NamedTemporaryFile('w', suffix='.yaml', delete=False) as f: yaml.safe_dump(p, f)
    cmd = [sys.executable, '-m', 'papermill', '--no-progress-bar', '-k', 'python3', 'nbs/12_seqae.ipynb',
           str(Path(args.out) / f'12_seqae_{name}.ipynb'), '-p', 'row', row, '-p', 'params_file', f.name,
           '-p', 'prepared_dir', args.prepared, '-p', 'out_dir', str(out), '-p', 'metrics_path', str(met),
           '-p', 'notes', '4', '-p', 'seed', str(args.seed)]
    cmd += ['-p', 'w_con', str(w_con)] if w_con is not None else []
    Path(args.out).mkdir(parents=True, exist_ok=True); t0 = time.time()
    try: subprocess.run(cmd, check=True)
    finally: Path(f.name).unlink(missing_ok=True)
    return json.loads(met.read_text()) | {'wall_s': round(time.time() - t0, 1), 'w_con': w_con}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--params', default='params-study.yaml'); ap.add_argument('--prepared', default='prepared')
    ap.add_argument('--out', default=None); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--chunk', type=int, default=4000)
    ap.add_argument('--transpose', type=int, default=None, help="the windows' transposition (default: the params')")
    ap.add_argument('--measure', action='store_true', help='score every row on train and valid, song by song')
    ap.add_argument('--metrics', default=None)
    args = ap.parse_args()
    # another transposition or seed is another run, in its own folder and metrics file (seed 0: the first run's)
    tag = ('' if args.transpose is None else f'_t{args.transpose}') + ('' if args.seed == 0 else f'_s{args.seed}')
    args.out = args.out or f'study/runs/seqae_n4{tag}'
    args.metrics = args.metrics or f'metrics/study/seqae_n4{tag}.json'
    if args.measure: return measure(args)
    cap = yaml.safe_load(Path(args.params).read_text())['seqae']['four_notes']['steps']
    metrics = Path(args.metrics)
    # a stopped run carries on: the chunks and rows already measured are read back, not measured again
    done = json.loads(metrics.read_text()) if metrics.is_file() else {}
    chunks, rows, t0 = done.get('vanilla_chunks', []), done.get('rows', []), time.time() - done.get('wall_s', 0)
    def val_curve():
        "The vanilla row's validation rec + rec_bin at every evaluation (its checkpoint's history)."
        last = Path(args.out) / 'vanilla' / 'last.pt'
        if not last.is_file(): return done.get('vanilla_val_curve', [])  # a new checkout: the recorded curve
        return [{'step': h['step'], 'rec_plus_rec_bin': h['val_loss']} for h in load_checkpoint(last)['history']
                if 'val_loss' in h]
    def write(final):
        last = chunks[-1] if chunks else {}
        out = {'command': 'python ' + ' '.join(sys.argv), 'params': args.params,
               'machine': platform.processor() or platform.machine(), 'hardware': last.get('hardware'),
               'precision': last.get('precision'), 'seed': args.seed, 'transpose': args.transpose,
               'rule': f'vanilla in chunks of {args.chunk} steps until rec_bin <= {TARGET} (cap {cap}); '
                       'every continuous row the same steps', 'complete': final,
               'target_met': bool(chunks) and last['rec_bin'] <= TARGET, 'steps': last.get('steps'),
               'vanilla_chunks': chunks, 'vanilla_val_curve': val_curve(), 'rows': rows,
               'wall_s': round(time.time() - t0, 1)}
        metrics.parent.mkdir(parents=True, exist_ok=True); metrics.write_text(json.dumps(out, indent=2) + '\n')
    keys = ('row', 'w_con', 'steps', 'rec', 'rec_bin', 'avg_flips', 'code_abs', 'wall_s', 'hardware', 'precision')
    while not chunks or (chunks[-1]['rec_bin'] > TARGET and chunks[-1]['steps'] < cap):
        steps = min((chunks[-1]['steps'] if chunks else 0) + args.chunk, cap)
        chunks.append({k: v for k, v in run_row('vanilla', steps, args).items() if k in keys}); write(False)
    steps = chunks[-1]['steps']
    for w in W_CONS:
        if any(r['w_con'] == w for r in rows): continue
        rows.append({k: v for k, v in run_row('continuous', steps, args, w).items() if k in keys}); write(False)
    write(True)

def measure(args):
    "Every row's best checkpoint scored song by song on train and valid; intervals over songs; effects against vanilla."
    import numpy as np

    from deep_symphony.evaluate.effects import effect
    from deep_symphony.models.seqae import seqae_measures, song_subsequence_lists
    from deep_symphony.train import load_model
    metrics = Path(args.metrics); done = json.loads(metrics.read_text())
    recorded = ([('vanilla', None)] * bool(done.get('vanilla_chunks'))
                + [('continuous', r['w_con']) for r in done['rows']])
    for row, w in recorded:           # a checkpoint lost with its machine: the row trained again, to the same steps
        name = row if w is None else f'{row}_w{w:g}'
        if not (Path(args.out) / name / 'best.pt').is_file(): run_row(row, done['steps'], args, w)
    rows = {d.name: load_model(d / 'best.pt', 'seqae') for d in sorted(Path(args.out).iterdir())
            if (d / 'best.pt').is_file()}
    rng, out = np.random.default_rng(args.seed), {}
    for split in ('train', 'valid'):
        songs, _ = song_subsequence_lists(args.prepared, split, 4)
        tokens = np.array([s.size for s in songs], float); pairs = np.array([len(s) - 1 for s in songs], float)
        per = {}
        for name, m in rows.items():
            each = [seqae_measures(m, [s]) for s in songs]
            per[name] = {k: np.array([e[k] for e in each]) for k in ('rec', 'rec_bin', 'avg_flips')}
        boot = rng.integers(0, len(songs), (1000, len(songs)))
        def pooled(x, w):      # the split's value (weighted as seqae_measures pools it) and its bootstrap interval
            v = (x * w)[boot].sum(1) / w[boot].sum(1)
            return {'value': float((x * w).sum() / w.sum()), 'ci95': np.quantile(v, [0.025, 0.975]).tolist()}
        out[split] = {name: {'rec': pooled(x['rec'], tokens), 'rec_bin': pooled(x['rec_bin'], tokens),
                             'avg_flips': pooled(x['avg_flips'], pairs)} for name, x in per.items()}
        keep = pairs > 0
        if 'vanilla' in per:      # continuous rows against vanilla, song by song: fewer flips, and their rec_bin cost
            out[split]['effects_vs_vanilla'] = {name: {
                'fewer_flips': effect(x['avg_flips'][keep], per['vanilla']['avg_flips'][keep], higher=False,
                                      paired=True).as_dict(),
                'rec_bin_higher': effect(x['rec_bin'], per['vanilla']['rec_bin'], higher=True, paired=True).as_dict()}
                for name, x in per.items() if name != 'vanilla'}
    done['splits'] = out | {'command': 'python ' + ' '.join(sys.argv), 'note': 'best.pt of every row; songs of one '
                            'subsequence have no flips (left out of the flips effect)'}
    metrics.write_text(json.dumps(done, indent=2) + '\n')

if __name__ == '__main__': main()
