"""The event round trip on real performances and tunes, through the CLI: the contract every model relies on."""
import warnings

import pretty_midi
import pytest
from conftest import shared

from deep_symphony.cli import main
from deep_symphony.corpora import embedded_files, read_music_file
from deep_symphony.encoders import EventEncoder, PianoRollEncoder, match_notes, roundtrip_report
from deep_symphony.music import Song, make_notes, read_midi


def raw_notes(path) -> Song:
    "The notes of a MIDI file as pretty_midi reads them, non-drum tracks merged, no pedal, nothing resolved."
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        pm = pretty_midi.PrettyMIDI(str(path))
    ns = [n for i in pm.instruments if not i.is_drum for n in i.notes]
    return Song(make_notes([n.pitch for n in ns], [max(n.start, 0) for n in ns], [max(n.end, n.start, 0) for n in ns],
                           [max(n.velocity, 1) for n in ns]))


def cli_roundtrip(src, tmp_path):
    assert main(['encode', str(src), '--encoding', 'events', '-o', str(tmp_path / 'x.npy')]) == 0
    assert main(['decode', str(tmp_path / 'x.npy'), '--encoding', 'events', '-o', str(tmp_path / 'x.mid')]) == 0
    return tmp_path / 'x.mid'


def piano_files():
    root = shared('piano_midi_de', 'midis')
    return sorted(root.rglob('*.mid'))


def test_piano_performances_round_trip_through_cli(tmp_path):
    "Every piano-midi.de performance: same note count, >= 99.5 % of notes matched by pitch and onset within 10 ms."
    files = piano_files()
    assert len(files) > 300
    total = matched = 0
    for f in files:
        src = raw_notes(f)
        out = raw_notes(cli_roundtrip(f, tmp_path))
        assert len(out) == len(src), f
        m = match_notes(src, out, 0.010 + 1e-9)
        total += len(src); matched += int((m >= 0).sum())
        assert (m >= 0).mean() >= 0.995, f
    assert matched / total >= 0.999


def test_roundtrip_keeps_ends_and_velocities_after_pedal():
    "After the pedal is applied: ends within one 10 ms step and velocity within one bin, for every note."
    enc = EventEncoder()
    for f in piano_files()[::15]:
        r = roundtrip_report(read_midi(f), enc)
        assert r['notes'] == r['decoded_notes']
        assert r['onset_match'] == 1.0 and r['end_match'] == 1.0 and r['velocity_match'] == 1.0, (f, r)


def test_cli_as_a_console_command(tmp_path):
    "The installed console command works end to end on one real file."
    f = piano_files()[0]
    import shutil
    import subprocess
    exe = shutil.which('deep-symphony')
    if exe is None: pytest.skip('deep-symphony is not on PATH')
    r = subprocess.run([exe, 'encode', str(f), '--encoding', 'events', '-o', str(tmp_path / 'a.npy')],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([exe, 'decode', str(tmp_path / 'a.npy'), '--encoding', 'events', '-o', str(tmp_path / 'a.mid')],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert len(raw_notes(tmp_path / 'a.mid')) == len(raw_notes(f))


def test_nottingham_midi_round_trip(tmp_path):
    files = sorted(shared('nottingham', 'MIDI').rglob('*.mid'))[::25]
    assert files
    for f in files:
        src = raw_notes(f); out = raw_notes(cli_roundtrip(f, tmp_path))
        assert len(out) == len(src), f
        assert (match_notes(src, out, 0.010 + 1e-9) >= 0).mean() >= 0.995, f


def test_embedded_corpus_round_trip():
    "Folk tunes and chorales from the embedded corpus: every note kept by events, and by the roll with onsets."
    files = embedded_files('all')
    picked = ([f for f in files if f[1].startswith('folk/')][::60]
              + [f for f in files if f[1].startswith('chorales/')][::60])
    enc, roll = EventEncoder(), PianoRollEncoder(frames_per_second=100)
    n = 0
    for src, rel in picked:
        for item in read_music_file(src, rel)[:5]:
            if item.song is None: continue
            r = roundtrip_report(item.song, enc)
            assert r['notes'] == r['decoded_notes'] and r['onset_match'] == 1.0 and r['end_match'] == 1.0, (
                item.name, r)
            back = roll.decode(*roll.encode_with_onsets(item.song))
            # at 100 frames/s the roll keeps every note, its onset within half a frame; voices in unison
            # (same pitch, same onset: one piano key) become one note, as a roll has one cell per pitch and frame
            unique = {(p, round(s * 100)) for p, s in zip(item.song.pitch.tolist(), item.song.start.tolist())}
            assert len(back) == len(unique), item.name
            assert (match_notes(item.song, back, 0.005 + 1e-9) >= 0).sum() == len(unique), item.name
            n += 1
    assert n > 20
