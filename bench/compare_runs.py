"""Compare two runs of the pipeline metric by metric and claim by claim (run on demand, not part of `make test`).

Each run is a project folder after `make reproduce` (its `metrics/`): every number in every metrics file of run A is
set beside the same key of run B (relative difference), and every claim of `metrics/scorecard.json` with its verdict
and sub-findings in both. Used for the bf16 run against the fp32 run of the same commit and seeds (issue 29), and
usable for any two runs (two machines, two commits).

    python bench/compare_runs.py RUN_A RUN_B [--names bf16 fp32] [--out bench/results/runs.json] [--markdown]
"""
import argparse
import json
import math
from pathlib import Path

SKIP = ('run', 'hardware', 'precision', 'torch', 'world_size')      # what a run ran on, not what it measured


def leaves(obj, prefix=''):
    "Every number in a JSON tree, by its key path."
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k not in SKIP: yield from leaves(v, f'{prefix}.{k}' if prefix else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj): yield from leaves(v, f'{prefix}[{i}]')
    elif isinstance(obj, bool): yield prefix, float(obj)
    elif isinstance(obj, (int, float)): yield prefix, float(obj)


def compare(a: Path, b: Path) -> dict:
    files = sorted({p.name for p in (a / 'metrics').glob('*.json')} & {p.name for p in (b / 'metrics').glob('*.json')})
    files = [f for f in files if f not in ('stage_times.json', 'scorecard.json', 'cuts.json')]
    metrics = {}
    for f in files:
        la, lb = (dict(leaves(json.loads((r / 'metrics' / f).read_text()))) for r in (a, b))
        for k in sorted(la.keys() & lb.keys()):
            x, y = la[k], lb[k]
            rel = 0.0 if x == y else abs(x - y) / max(abs(x), abs(y), 1e-12) if math.isfinite(x + y) else None
            metrics[f'{f}:{k}'] = {'a': x, 'b': y, 'relative_difference': rel}
    cards = {r: {c['key']: c for c in json.loads((r / 'metrics' / 'scorecard.json').read_text())['claims']}
             for r in (a, b)}
    claims = {k: {'a': cards[a][k]['verdict'], 'b': cards[b][k]['verdict'],
                  'checks_a': cards[a][k].get('checks'), 'checks_b': cards[b][k].get('checks')}
              for k in cards[a] if k in cards[b]}
    rels = [m['relative_difference'] for m in metrics.values() if m['relative_difference'] is not None]
    return {'metrics': metrics, 'claims': claims,
            'summary': {'numbers': len(metrics), 'identical': sum(r == 0 for r in rels),
                        'within_1pct': sum(r <= 0.01 for r in rels), 'within_5pct': sum(r <= 0.05 for r in rels),
                        'claims': len(claims), 'same_verdict': sum(c['a'] == c['b'] for c in claims.values())}}


def markdown(res: dict, names=('A', 'B')) -> str:
    a, b = names
    rows = [f'| claim | {a} | {b} |', '|---|---|---|']
    rows += [f"| {k} | {c['a']} | {c['b']} |" for k, c in res['claims'].items()]
    s = res['summary']
    rows += ['', f"{s['numbers']} numbers in both runs' metrics: {s['identical']} identical, {s['within_1pct']} within "
             f"1 %, {s['within_5pct']} within 5 %; {s['same_verdict']} of {s['claims']} claims with the same verdict."]
    big = sorted(((k, m) for k, m in res['metrics'].items() if (m['relative_difference'] or 0) > 0.05),
                 key=lambda km: -km[1]['relative_difference'])
    if big:
        rows += ['', f'| metric (more than 5 % apart) | {a} | {b} |', '|---|---|---|']
        rows += [f"| {k} | {m['a']:.4g} | {m['b']:.4g} |" for k, m in big]
    return '\n'.join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('a'); ap.add_argument('b')
    ap.add_argument('--names', nargs=2, default=['A', 'B'])
    ap.add_argument('--out', default=None)
    ap.add_argument('--markdown', action='store_true')
    args = ap.parse_args()
    res = compare(Path(args.a), Path(args.b)) | {'runs': dict(zip(args.names, (args.a, args.b)))}
    if args.out: Path(args.out).write_text(json.dumps(res, indent=1) + '\n')
    print(markdown(res, args.names) if args.markdown else json.dumps(res['summary'], indent=1))


if __name__ == '__main__':
    main()
