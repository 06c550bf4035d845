"""`prepare` benchmark (run on demand, not part of `make test`).

Wall time of `prepare` over the whole embedded corpus (folk tunes in ABC and the Bach chorales, 1,518 files, 4,663
songs) on `--workers` processes (target on 2 cores: <= 120 s), and, on a fixed sample of the same files, the reading
time per song through music21 as it is (`converter.parse` with its beaming, `from_music21` copying the score before
joining ties: how `prepare` read before) against `read_music_file` (beaming skipped, ties joined in place), measured in
the same run on one process, with the ratio and a byte comparison of every sampled song. With `--against FOLDER` (a
`prepared/` written earlier) every array and list of the new `prepared/` is compared byte for byte with it.

    python bench/bench_prepare.py [--workers 2] [--sample 60] [--against prepared] [--json bench_prepare.json]
"""
import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

from deep_symphony.corpora import export_embedded, read_music_file, scan_corpus, split_abc_tunes
from deep_symphony.music import from_music21
from deep_symphony.prepare import prepare


def music21_as_is(path):
    "The songs of `path` read as `prepare` read them before: music21's parse as it is, the score copied for ties."
    from music21 import converter
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        if path.suffix == '.abc':
            return [from_music21(converter.parse(t, format='abc')) for _, t in split_abc_tunes(path.read_text())]
        score = converter.parse(path)
        return [from_music21(s) for s in (list(score.scores) if hasattr(score, 'scores') and len(score.scores)
                                          else [score])]


def compare(new, old):
    "Names of the files under `new` and `old` that differ (report.json's `data` path aside)."
    diff = []
    for f in sorted(p for p in Path(old).rglob('*') if p.is_file()):
        g = Path(new) / f.relative_to(old)
        if f.name == 'report.json':
            a, b = json.loads(f.read_text()), json.loads(g.read_text()) if g.exists() else {}
            a.pop('data', None); b.pop('data', None); same = a == b
        else: same = g.is_file() and g.read_bytes() == f.read_bytes()
        if not same: diff.append(str(f.relative_to(old)))
    return diff


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--workers', type=int, default=2); ap.add_argument('--sample', type=int, default=60)
    ap.add_argument('--against', default=None); ap.add_argument('--json', default=None)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / 'data'; export_embedded(data)
        files = scan_corpus(data)
        sample = files[::max(1, len(files) // a.sample)][:a.sample]
        t0 = time.perf_counter(); before = [s for f in sample for s in music21_as_is(f)]
        t1 = time.perf_counter(); after = [it.song for f in sample for it in read_music_file(f) if it.song is not None]
        t2 = time.perf_counter()
        same = len(before) == len(after) and all(x.notes.tobytes() == y.notes.tobytes() for x, y in zip(before, after))
        t3 = time.perf_counter(); report = prepare(data, Path(tmp) / 'prepared', workers=a.workers)
        wall = time.perf_counter() - t3
        diff = compare(Path(tmp) / 'prepared', a.against) if a.against else None
    r = {'files': report['files'], 'songs': report['tunes'], 'workers': a.workers, 'prepare_s': round(wall, 1),
         'sample_files': len(sample), 'sample_songs': len(after),
         'ms_per_song_music21_as_is': round(1000 * (t1 - t0) / max(1, len(before)), 1),
         'ms_per_song_read_music_file': round(1000 * (t2 - t1) / max(1, len(after)), 1),
         'speedup': round((t1 - t0) / max(1e-9, t2 - t1), 2), 'sample_songs_identical': same}
    if diff is not None: r['files_differing_from_against'] = diff
    print(json.dumps(r, indent=1))
    if a.json: Path(a.json).write_text(json.dumps(r, indent=1) + '\n')


if __name__ == '__main__':
    main()
