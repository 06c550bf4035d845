"""`deep-symphony prepare` on a folder that mixes real files with corrupt, truncated, empty and non-music files."""
import json
import shutil

import numpy as np
from conftest import SHARED, run_cli

from deep_symphony.corpora import SPLITS, embedded_files, read_music_file
from deep_symphony.encoders import EventEncoder
from deep_symphony.prepare import load_ragged, load_songs


def make_mixed_corpus(root):
    "Real files (embedded corpus, and the shared datasets when present) plus bad ones; returns (good songs, bad paths)."
    root.mkdir(parents=True)
    good = {}
    picks = [f for f in embedded_files('folk') if 'nottingham' in f[1]] + embedded_files('chorales')[:4]
    for src, rel in picks:
        dst = root / 'embedded' / rel; dst.parent.mkdir(parents=True, exist_ok=True); shutil.copyfile(src, dst)
    real_midis = []
    if (SHARED / 'piano_midi_de').exists():
        real_midis += sorted((SHARED / 'piano_midi_de' / 'midis').rglob('*.mid'))[:3]
    if (SHARED / 'nottingham').exists():
        real_midis += sorted((SHARED / 'nottingham' / 'MIDI').rglob('*.mid'))[:3]
        shutil.copyfile(SHARED / 'nottingham' / 'ABC_cleaned' / 'ashover.abc', root / 'ashover.abc')
    for f in real_midis: shutil.copyfile(f, root / f.name)
    if not real_midis:   # still a real MIDI file: written from an embedded chorale
        from deep_symphony.music import write_midi
        write_midi(read_music_file(picks[-1][0])[0].song, root / 'chorale.mid'); real_midis = [root / 'chorale.mid']
    any_mid = next(root.glob('*.mid')).read_bytes()
    bad = {
        'corrupt.mid': b'MThd' + bytes(range(256)) * 4,
        'truncated.mid': any_mid[:len(any_mid) // 3],
        'empty.mid': b'',
        'header_only.mid': any_mid[:14],
        'cover.jpg': b'\xff\xd8\xff\xe0' + b'\x00' * 100,
        'notes.txt': b'not music',
        'noise.abc': b'this is not ABC at all\n',
        'broken.mxl': b'PK\x03\x04 not a real zip',
        'nested/deeper/garbage.krn': b'**kern\n*garbage\n!!!\n',
    }
    for name, data in bad.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True); (root / name).write_bytes(data)
    return bad


def test_prepare_keeps_every_good_file_and_lists_every_bad(tmp_path):
    bad = make_mixed_corpus(tmp_path / 'raw')
    r = run_cli('prepare', '--data', tmp_path / 'raw', '--out', tmp_path / 'prepared', '--workers', 2, '--no-progress')
    assert r.returncode == 0, r.stderr
    assert 'Traceback' not in r.stderr
    report = json.loads((tmp_path / 'prepared' / 'report.json').read_text())
    skipped = {s['path'] for s in report['skipped']}
    assert set(bad) <= skipped, set(bad) - skipped
    for s in report['skipped']: assert s['reason']
    # every bad file is named in a one-line warning
    for name in bad: assert any(name in line for line in r.stderr.splitlines()), name
    # every good file kept: compare with reading each file directly
    expected = 0
    for f in sorted(p for p in (tmp_path / 'raw').rglob('*') if p.is_file()):
        rel = f.relative_to(tmp_path / 'raw').as_posix()
        if rel in bad: continue
        items = read_music_file(f, rel)
        assert all(i.error is None for i in items), [(i.name, i.error) for i in items if i.error]
        expected += len(items)
    assert report['tunes'] == expected
    assert report['files'] == report['files_read'] + len(bad)
    # and the arrays agree with the report
    enc = EventEncoder()
    n_songs = n_events = 0
    for split in SPLITS:
        ev = load_ragged(tmp_path / 'prepared' / 'events' / split)
        n_songs += len(ev); n_events += len(ev.data)
        assert ev.data.dtype == np.uint16 and ev.extra['controls'].shape == (len(ev), 15)
        songs = load_songs(tmp_path / 'prepared', split)
        for i in range(0, len(ev), 7): assert len(enc.decode(ev[i])) == len(songs[i])
    assert (n_songs, n_events) == (report['tunes'], report['events'])


def test_prepare_is_deterministic_across_worker_counts(tmp_path):
    make_mixed_corpus(tmp_path / 'raw')
    for w in (1, 2):
        r = run_cli('prepare', '--data', tmp_path / 'raw', '--out', tmp_path / f'p{w}', '--workers', w, '--no-progress')
        assert r.returncode == 0
    for f in sorted((tmp_path / 'p1').rglob('*.npy')):
        assert f.read_bytes() == (tmp_path / 'p2' / f.relative_to(tmp_path / 'p1')).read_bytes(), f


def test_reading_is_music21s_reading_byte_for_byte():
    "`read_music_file` skips music21's beaming and joins ties in place: every song is still music21's, to the byte."
    import warnings

    from music21 import converter

    from deep_symphony.corpora import split_abc_tunes
    from deep_symphony.music import from_music21
    files = [src for src, _ in embedded_files('all')][::50]
    assert {f.suffix for f in files} >= {'.abc', '.mxl'} and len(files) >= 20
    compared = 0
    for f in files:
        items = read_music_file(f)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            if f.suffix == '.abc':
                tunes = split_abc_tunes(f.read_text(encoding='utf-8', errors='replace'))[:4]
                slow = [from_music21(converter.parse(t, format='abc')) for _, t in tunes]
            else: slow = [from_music21(converter.parse(f))]
        for it, s in zip(items, slow):
            assert it.song is not None and it.song.notes.tobytes() == s.notes.tobytes(), it.name
            assert (it.song.key, it.song.tempo, it.song.time_signature) == (s.key, s.tempo, s.time_signature), it.name
            compared += 1
    assert compared >= 35
