"""`prepare` over a messy collection by the thousand (issue 17; run on demand, not part of `make test`).

A folder of `--n` files (default 10,000) built by `deep_symphony.prepare.fuzz_corpus` — byte-mutated, truncated and
empty MIDI, random bytes under music extensions, ABC with broken headers, bars and chords, MusicXML with broken XML —
mixed with real files (small embedded ABC files, chorales, a MIDI file, and the shared datasets' Nottingham and
piano-midi.de files when `../shared/datasets` is there), plus one tune that keeps music21 busy for minutes. Reports:
the wall time and files per second of `deep-symphony prepare` on `--workers` processes, the largest resident set of
any process of the run, what was skipped (by kind of damage and by reason), whether the slow tune was cut at the
limit, and whether every good song came out exactly as in a run over the good files alone.

    python bench/bench_fuzz_prepare.py [--n 10000] [--workers 2] [--timeout 10] [--json bench/results/fuzz_prepare.json]
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from deep_symphony.prepare import fuzz_corpus, load_ragged, prepared_differences

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tests'))
from test_fuzz_prepare import SLOW_TUNE, real_files  # noqa: E402  (the test's material, a larger share of it)

SHARED = ROOT.parent / 'shared' / 'datasets'


def run_prepare(data, out, params, workers):
    "Wall seconds and the largest resident set (MiB) of any process of `deep-symphony prepare`."
    code = ('import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); '
            'print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)')
    t = time.perf_counter()
    r = subprocess.run([sys.executable, '-c', code, sys.executable, '-m', 'deep_symphony.cli', 'prepare', '--data',
                        str(data), '--out', str(out), '--params', str(params), '--workers', str(workers),
                        '--no-progress'], capture_output=True, text=True)
    wall = time.perf_counter() - t
    rc, rss = map(int, r.stdout.split()[-2:])           # the last line; the CLI prints its summary first
    if rc: sys.exit(f'prepare failed ({rc}): {r.stderr[-2000:]}')
    return wall, rss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=10_000); ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--timeout', type=float, default=10.0); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--json', default=None)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp); raw = tmp / 'raw'
        kinds = fuzz_corpus(raw, real_files(tmp / 'real', folk=60, chorales=10, shared=(20, 60, 5),
                                            shared_root=SHARED), n=a.n, seed=a.seed)
        (raw / 'slow').mkdir(); (raw / 'slow' / 'slow.abc').write_text(SLOW_TUNE)
        params = tmp / 'params.yaml'
        # the near-duplicate grouping off, as in the test: a damaged copy that still reads would move its real file
        params.write_text(f'prepare:\n  encodings: notes,events,abc\n  read_timeout: {a.timeout}\n'
                          '  dedup_threshold: 0\n')
        wall, rss = run_prepare(raw, tmp / 'prepared', params, a.workers)
        report = json.loads((tmp / 'prepared' / 'report.json').read_text())
        good = tmp / 'good'
        for rel, kind in kinds.items():
            if kind == 'real':
                (good / rel).parent.mkdir(parents=True, exist_ok=True); shutil.copyfile(raw / rel, good / rel)
        good_wall, _ = run_prepare(good, tmp / 'prepared_good', params, a.workers)
        diff = prepared_differences(tmp / 'prepared', tmp / 'prepared_good')
        read = {n.split('#')[0] for s in ('train', 'valid', 'test')
                for n in load_ragged(tmp / 'prepared' / 'notes' / s).names}
    skipped_files = {s['path'] for s in report['skipped']}
    by_kind = Counter(kinds.get(p, 'other') for p in skipped_files)
    reasons = Counter(s['reason'].split(' (')[0].split(':')[0] for s in report['skipped'])
    r = {'files': report['files'], 'workers': a.workers, 'read_timeout_cpu_s': a.timeout, 'prepare_s': round(wall, 1),
         'files_per_s': round(report['files'] / wall, 1), 'max_rss_mib': round(rss), 'songs_kept': report['tunes'],
         'files_read': report['files_read'], 'files_skipped': len(skipped_files),
         'every_file_read_or_named': set(kinds) <= read | skipped_files,
         'skipped_files_by_kind': dict(sorted(by_kind.items())),
         'total_by_kind': dict(sorted(Counter(kinds.values()).items())),
         'skip_reasons': dict(reasons.most_common()),
         'slow_tune_cut': any(s['path'] == 'slow/slow.abc' and s['reason'].startswith('timeout')
                              for s in report['skipped']),
         'good_only_prepare_s': round(good_wall, 1), 'good_songs_identical': diff == [], 'differences': diff[:10],
         'command': ' '.join(['python', 'bench/bench_fuzz_prepare.py'] + sys.argv[1:])}
    print(json.dumps(r, indent=1))
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True); Path(a.json).write_text(json.dumps(r, indent=1) + '\n')


if __name__ == '__main__':
    main()
