"""MIDI reading benchmark (run on demand, not part of `make test`): symusic against pretty_midi on one folder, one run.

Reading: files/s of each parser alone (`symusic.Score` in ticks, `pretty_midi.PrettyMIDI`) and of `read_midi` through
each (`reader='symusic'` / `'pretty_midi'`: the `Song` prepare uses, sustain applied), on every MIDI file under
FOLDER, one process, in the same run; the count of files whose two `Song`s are byte-identical (notes, tempo, key,
time signature, program). Target: symusic >= 10x on reading. With `--prepare`: `prepare` over FOLDER end to end with
each reader (`$DEEP_SYMPHONY_MIDI_READER`), `--workers` processes, and every file of the two prepared folders compared
byte for byte (report.json's wall times aside). Target: >= 3x on 300+ piano performances, identical arrays.

With `--copies K`: FOLDER's files K times, each copy transposed by its own number of semitones (distinct files, the
same reading work; prepare groups a piece's copies as near-duplicates in one split and keeps them all), so a folder
of MAESTRO's size (1,276 performances, about 7.0 M notes; Hawthorne et al. 2019) can be timed where MAESTRO is absent.

    python bench/bench_midi_read.py ../shared/datasets/piano_midi_de/midis [--prepare --workers 2] [--json out.json]
    python bench/bench_midi_read.py ../shared/datasets/piano_midi_de/midis --copies 4 --prepare --json out.json
"""
import argparse
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

import pretty_midi
import symusic

from deep_symphony.music import read_midi
from deep_symphony.prepare import prepare


def timed(f, files):
    t = time.perf_counter(); out = [f(p) for p in files]
    return out, time.perf_counter() - t

def pm_parse(p):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); return pretty_midi.PrettyMIDI(str(p))

def song_read(reader):
    def f(p):
        try: return read_midi(p, reader=reader)
        except Exception as e: return type(e).__name__
    return f

def same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str): return a == b
    return a.notes.tobytes() == b.notes.tobytes() and (a.tempo, a.key, a.time_signature, a.program) == (
        b.tempo, b.key, b.time_signature, b.program)

def prepared_files(d:Path) -> dict:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob('*'))
            if p.is_file() and p.name != 'report.json'}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('folder'); ap.add_argument('--prepare', action='store_true')
    ap.add_argument('--workers', type=int, default=1); ap.add_argument('--json', default=None)
    ap.add_argument('--copies', type=int, default=1, help='each file this many times, transposed (a larger folder)')
    a = ap.parse_args()
    files = sorted(p for p in Path(a.folder).rglob('*') if p.suffix.lower() in ('.mid', '.midi'))
    if not files: raise SystemExit(f'{a.folder}: no MIDI files')
    source = a.folder
    if a.copies > 1:
        work = tempfile.TemporaryDirectory(); a.folder = work.name
        for p in files:
            score = symusic.Score(str(p), ttype='tick')
            for k in range(a.copies):                   # shifts 0, +1, -1, +2, ...: every copy a distinct file
                shift = (k + 1) // 2 * (1 if k % 2 else -1)
                score.shift_pitch(shift).dump_midi(str(Path(work.name) / f'{p.stem}_t{shift:+d}.mid'))
        files = sorted(Path(work.name).glob('*.mid'))
    _, t_pm = timed(pm_parse, files)
    _, t_sy = timed(lambda p: symusic.Score(str(p), ttype='tick'), files)
    songs_pm, s_pm = timed(song_read('pretty_midi'), files)
    songs_sy, s_sy = timed(song_read('symusic'), files)
    r = {'folder': source, 'copies': a.copies, 'files': len(files),
         'notes': sum(len(x) for x in songs_sy if not isinstance(x, str)),
         'parse_files_per_s': {'pretty_midi': len(files) / t_pm, 'symusic': len(files) / t_sy, 'ratio': t_pm / t_sy},
         'read_midi_files_per_s': {'pretty_midi': len(files) / s_pm, 'symusic': len(files) / s_sy,
                                   'ratio': s_pm / s_sy},
         'identical_songs': sum(same(x, y) for x, y in zip(songs_pm, songs_sy)),
         'differ': [str(p) for p, x, y in zip(files, songs_pm, songs_sy) if not same(x, y)][:20]}
    if a.prepare:
        walls, trees = {}, {}
        with tempfile.TemporaryDirectory() as d:
            for reader in ('pretty_midi', 'symusic'):
                os.environ['DEEP_SYMPHONY_MIDI_READER'] = reader; t = time.perf_counter()
                prepare(a.folder, Path(d) / reader, workers=a.workers)
                walls[reader] = time.perf_counter() - t; trees[reader] = prepared_files(Path(d) / reader)
            os.environ.pop('DEEP_SYMPHONY_MIDI_READER')
        r['prepare'] = {'workers': a.workers, 'wall_s': walls, 'ratio': walls['pretty_midi'] / walls['symusic'],
                        'identical_files': trees['pretty_midi'] == trees['symusic'],
                        'files_compared': len(trees['symusic']),
                        'differ': [k for k in trees['symusic'] if trees['pretty_midi'].get(k) != trees['symusic'][k]]}
    print(json.dumps(r, indent=1))
    if a.json: Path(a.json).write_text(json.dumps(r, indent=1) + '\n')

if __name__ == '__main__': main()
