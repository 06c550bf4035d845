"""The SeqAE at the study's 4-note subsequences, study sizes (params-study.yaml), on this machine (issue 31, item 4).

The rule, fixed before the run: the vanilla row trains in chunks of `--chunk` steps (constant learning rate after the
warm-up, so a longer run is the shorter one continued) and stops at the first chunk whose best checkpoint has
validation `rec_bin` <= 0.05, or at the cap (`seqae.four_notes.steps`). Every continuous row of the `w_con` sweep then
trains exactly as many steps. Each row is nbs/12_seqae.ipynb run by papermill, as DVC runs it; the table (flips and
rec_bin per row, the study's) goes to metrics/study/seqae_n4.json with the command, machine, precision and wall time.

    python study/seqae_n4.py --prepared prepared --out study/runs/seqae_n4
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

TARGET = 0.05
W_CONS = (1e-4, 1e-3, 0.01, 0.05, 0.15)

def run_row(row, steps, args, w_con=None):
    "Train (or continue) one row to `steps` 4-note steps; returns its metrics."
    p = yaml.safe_load(Path(args.params).read_text())
    p['seqae']['four_notes']['steps'] = steps
    name = row if w_con is None else f'{row}_w{w_con:g}'
    out, met = Path(args.out) / name, Path(args.out) / f'{name}.json'
    with tempfile.NamedTemporaryFile('w', suffix='.yaml', delete=False) as f: yaml.safe_dump(p, f)
    cmd = [sys.executable, '-m', 'papermill', '--no-progress-bar', '-k', 'python3', 'nbs/12_seqae.ipynb',
           str(Path(args.out) / f'12_seqae_{name}.ipynb'), '-p', 'row', row, '-p', 'params_file', f.name,
           '-p', 'prepared_dir', args.prepared, '-p', 'out_dir', str(out), '-p', 'metrics_path', str(met),
           '-p', 'notes', '4', '-p', 'seed', str(args.seed)]
    cmd += ['-p', 'w_con', str(w_con)] if w_con is not None else []
    Path(args.out).mkdir(parents=True, exist_ok=True); t0 = time.time(); subprocess.run(cmd, check=True)
    return json.loads(met.read_text()) | {'wall_s': round(time.time() - t0, 1), 'w_con': w_con}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--params', default='params-study.yaml'); ap.add_argument('--prepared', default='prepared')
    ap.add_argument('--out', default='study/runs/seqae_n4'); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--chunk', type=int, default=4000)
    ap.add_argument('--metrics', default='metrics/study/seqae_n4.json')
    args = ap.parse_args()
    cap = yaml.safe_load(Path(args.params).read_text())['seqae']['four_notes']['steps']
    t0, chunks, steps = time.time(), [], 0
    while steps < cap:
        steps = min(steps + args.chunk, cap)
        m = run_row('vanilla', steps, args); chunks.append({k: m[k] for k in ('steps', 'rec', 'rec_bin', 'wall_s')})
        if m['rec_bin'] <= TARGET: break
    rows = [m] + [run_row('continuous', steps, args, w) for w in W_CONS]
    out = {'command': ' '.join(sys.argv), 'params': args.params, 'machine': platform.processor() or platform.machine(),
           'hardware': m.get('hardware'), 'precision': m.get('precision'), 'seed': args.seed,
           'rule': f'vanilla in chunks of {args.chunk} steps until rec_bin <= {TARGET} (cap {cap}); '
                   'every continuous row the same steps', 'target_met': m['rec_bin'] <= TARGET, 'steps': steps,
           'vanilla_chunks': chunks,
           'rows': [{k: r.get(k) for k in ('row', 'w_con', 'steps', 'rec', 'rec_bin', 'avg_flips', 'code_abs',
                                           'wall_s')} for r in rows],
           'wall_s': round(time.time() - t0, 1)}
    Path(args.metrics).parent.mkdir(parents=True, exist_ok=True)
    Path(args.metrics).write_text(json.dumps(out, indent=2) + '\n')

if __name__ == '__main__': main()
