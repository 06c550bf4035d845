"""symusic and pretty_midi read every real MIDI file the project has into the same `Song`, byte for byte."""
import pytest
from conftest import shared

from deep_symphony.core import MusicConversionError
from deep_symphony.music import MIDI_READERS, read_midi

pytest.importorskip('symusic')


def assert_same(path):
    a, b = (read_midi(path, reader=r) for r in MIDI_READERS)
    assert a.notes.tobytes() == b.notes.tobytes(), path             # pitch, start, pedal-held end, velocity
    assert (a.tempo, a.key, a.time_signature, a.program) == (b.tempo, b.key, b.time_signature, b.program), path
    c, d = (read_midi(path, reader=r, sustain=False) for r in MIDI_READERS)
    assert c.notes.tobytes() == d.notes.tobytes(), path


def test_piano_performances_read_the_same():
    "Every piano-midi.de performance: velocities, sustain pedal, hundreds of tempo changes, two hands on two tracks."
    files = sorted(shared('piano_midi_de', 'midis').rglob('*.mid'))
    assert len(files) > 300
    for f in files: assert_same(f)


def test_folk_tunes_read_the_same():
    "A tenth of the Nottingham MIDI files (melody, chords and full arrangements): small files, one tempo."
    files = sorted(shared('nottingham', 'MIDI').rglob('*.mid'))[::10]
    assert len(files) > 300
    for f in files: assert_same(f)


@pytest.mark.parametrize('reader', MIDI_READERS)
def test_a_damaged_performance_is_named(tmp_path, reader):
    src = sorted(shared('piano_midi_de', 'midis').rglob('*.mid'))[0]
    bad = tmp_path / 'cut.mid'; bad.write_bytes(src.read_bytes()[:200])     # the header and a torn first track
    with pytest.raises(MusicConversionError, match='cut.mid'): read_midi(bad, reader=reader)
