"""Corrupt input by the thousand (issue 17): `deep-symphony prepare` over a folder of 1,000 files — byte-mutated,
truncated and empty MIDI, random bytes under music extensions, ABC with broken headers, bars and chords, MusicXML
with broken XML, a tune that would keep music21 busy for minutes — mixed with real files. It finishes, in bounded
time per song and bounded memory, names every skipped file with a reason, and keeps every good song exactly as a run
over the good files alone does. The 10,000-file run is `python bench/bench_fuzz_prepare.py`."""
import json
import shutil
import subprocess
import sys

from conftest import CLI, SHARED

from deep_symphony.corpora import embedded_files, read_music_file
from deep_symphony.music import write_midi
from deep_symphony.prepare import FUZZ_KINDS, fuzz_corpus, load_ragged, prepared_differences

SLOW_TUNE = 'X:1\nT:Slow\nM:4/4\nL:1/8\nK:C\n' + 'CDEF GABc|' * 3000 + ']\n'   # music21: tens of seconds


def real_files(d, folk:int=12, chorales:int=2, shared:tuple=(3, 3, 1), shared_root=SHARED):
    """Real material: the `folk` smallest embedded ABC files, `chorales` chorales (MusicXML), a MIDI file, and
    `shared` piano-midi.de MIDI, Nottingham MIDI and Nottingham ABC files when the shared datasets are there.
    (`bench/bench_fuzz_prepare.py` takes its larger set from here.)"""
    d.mkdir(parents=True)
    picks = (sorted(embedded_files('folk'), key=lambda f: f[0].stat().st_size)[:folk]
             + embedded_files('chorales')[:chorales])
    out = []
    for src, rel in picks:
        out.append(d / rel.replace('/', '_')); shutil.copyfile(src, out[-1])
    write_midi(read_music_file(picks[-1][0])[0].song, d / 'chorale.mid'); out.append(d / 'chorale.mid')
    for (sub, pattern), k in zip((('piano_midi_de/midis', '*.mid'), ('nottingham/MIDI', '*.mid'),
                                  ('nottingham/ABC_cleaned', '*.abc')), shared):
        if (shared_root / sub).exists():
            for f in sorted((shared_root / sub).rglob(pattern))[:k]:
                out.append(d / f'shared_{f.name}'); shutil.copyfile(f, out[-1])
    return out


def prepare_cli(data, out, params):
    "`deep-symphony prepare` in a child that reports the largest resident set of its process tree (KiB)."
    code = ('import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); '
            'sys.stderr.write(r.stderr); '
            'print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)')
    r = subprocess.run([sys.executable, '-c', code, *CLI, 'prepare', '--data', str(data), '--out', str(out),
                        '--params', str(params), '--workers', '2', '--no-progress'],
                       capture_output=True, text=True, timeout=1200)
    rc, maxrss = map(int, r.stdout.split())
    return rc, maxrss, r.stderr


def test_prepare_over_a_thousand_damaged_files(tmp_path):
    real = real_files(tmp_path / 'real')
    raw = tmp_path / 'raw'
    kinds = fuzz_corpus(raw, real, n=1000, seed=0)
    (raw / 'slow').mkdir(); (raw / 'slow' / 'slow.abc').write_text(SLOW_TUNE + '\nX:2\nT:Quick\nK:G\nGABc|d4|]\n')
    params = tmp_path / 'params.yaml'
    # the near-duplicate grouping off: a damaged copy that still reads is the same melody as its real file and would
    # (rightly) pull it into its own split; this test is about what survives damage, song by song
    params.write_text('prepare:\n  encodings: notes,events,abc\n  read_timeout: 3.0\n  max_file_mb: 1.0\n'
                      '  dedup_threshold: 0\n')
    (raw / 'big.mid').write_bytes(b'MThd' + bytes(2 * 2**20))            # too large to be music: never read

    rc, maxrss, err = prepare_cli(raw, tmp_path / 'prepared', params)
    assert rc == 0, err[-3000:]
    assert 'Traceback' not in err
    report = json.loads((tmp_path / 'prepared' / 'report.json').read_text())
    assert report['files'] == 1002 and len(kinds) == 1000 and set(kinds.values()) == {'real', *FUZZ_KINDS}
    skipped = {(s['path'], s['tune']): s['reason'] for s in report['skipped']}
    assert all(skipped.values())
    # the hanging tune is skipped as a timeout, the tune beside it kept; the huge file is never read
    assert skipped[('slow/slow.abc', '1')] == 'timeout (reading took more than 3 s of CPU time)'
    assert ('slow/slow.abc', '2') not in skipped
    assert skipped[('big.mid', None)].startswith('too large (2 MB')
    # what can never be music is always named; every file is either read or named
    paths = {p for p, _ in skipped}
    for rel, kind in kinds.items():
        if kind in ('empty_midi', 'random_bytes'): assert rel in paths, rel
    names = {n.split('#')[0] for split in ('train', 'valid', 'test')
             for n in load_ragged(tmp_path / 'prepared' / 'notes' / split).names}
    assert names | paths >= set(kinds) and not (names & {r for r, k in kinds.items() if k == 'empty_midi'})
    assert report['files_read'] == len(names)
    # bounded memory: no process of the run (the reader workers included) went past 1.5 GiB
    assert maxrss < 1.5 * 2**20, f'{maxrss / 2**20:.2f} GiB'
    # every good song kept, exactly as a run over the good files alone gives it
    good = tmp_path / 'good'
    for rel, kind in kinds.items():
        if kind == "real":
            (good / rel).parent.mkdir(parents=True, exist_ok=True); shutil.copyfile(raw / rel, good / rel)
    rc, _, err = prepare_cli(good, tmp_path / 'prepared_good', params)
    assert rc == 0, err[-3000:]
    assert prepared_differences(tmp_path / 'prepared', tmp_path / 'prepared_good') == []
    good_report = json.loads((tmp_path / 'prepared_good' / 'report.json').read_text())
    assert good_report['tunes'] >= len(real)                               # every real file gives a song at least
    # the real files' own bad tunes (hand-typed collections have a few) are skipped alike in both runs
    assert {(s['path'], s['tune'], s['reason']) for s in good_report['skipped']} <= {
        (s['path'], s['tune'], s['reason']) for s in report['skipped']}
