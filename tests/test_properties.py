"""Property-based tests of the encoders (issue 17, hypothesis): any valid song round-trips under each encoder's stated
tolerance, and any id sequence (or roll, or token array) decodes without error into notes that make sense."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deep_symphony.abc_tokens import ABCTokenizer
from deep_symphony.encoders import (
    EventEncoder,
    NoteTupleEncoder,
    PianoRollEncoder,
    SubsequenceEncoder,
    roundtrip_report,
)
from deep_symphony.music import Song, make_notes

PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def songs(draw, steps_per_second=100, max_notes=40, max_pitch=127):
    """Valid songs on a time grid (`steps_per_second`): any pitches, velocities and chords, notes of any length from
    one step; a pitch never sounds twice at once (a re-strike starts at or after the previous note's end)."""
    rows = draw(st.lists(st.tuples(st.integers(0, max_pitch), st.integers(0, 3000), st.integers(1, 400),
                                   st.integers(1, 127)), max_size=max_notes))
    kept, ends = [], {}
    for p, s, d, v in sorted(rows, key=lambda r: (r[1], r[0])):
        if s >= ends.get(p, -1): kept.append((p, s, s + d, v)); ends[p] = s + d
    a = np.array(kept, dtype=float).reshape(-1, 4)
    return Song(make_notes(a[:, 0].astype(int), a[:, 1] / steps_per_second, a[:, 2] / steps_per_second,
                           a[:, 3].astype(int)))


def sane(song:Song, zero_length:bool=False):
    "Decoded notes are well formed: MIDI pitches and velocities, positive durations (or zero where the input said so)."
    n = song.notes
    assert ((n['pitch'] >= 0) & (n['pitch'] <= 127)).all() and ((n['velocity'] >= 1) & (n['velocity'] <= 127)).all()
    assert ((n['end'] >= n['start']) if zero_length else (n['end'] > n['start'])).all()
    assert (n['start'] >= 0).all() and np.isfinite(n['end']).all()


@pytest.mark.parametrize('velocity_bins', [32, 1, 127])
def test_events_round_trip_every_valid_song(velocity_bins):
    "The stated tolerance of the event encoding: every note back, onset and end within one step (here exact, on the "
    "grid), velocity within one bin."
    enc = EventEncoder(velocity_bins=velocity_bins)

    @PROPS
    @given(songs())
    def check(song):
        r = roundtrip_report(song, enc)
        assert r['decoded_notes'] == r['notes']
        assert r['onset_match'] == r['end_match'] == r['velocity_match'] == 1.0 or not len(song)
        d = enc.decode(enc.encode(song))
        np.testing.assert_array_equal(d.pitch, song.pitch)
        np.testing.assert_allclose(d.start, song.start, atol=1e-9)
        np.testing.assert_allclose(d.end, song.end, atol=1e-9)
        assert (np.abs(d.velocity.astype(int) - song.velocity) < enc.bin_size).all()
    check()


@PROPS
@given(st.lists(st.integers(0, EventEncoder().vocab_size - 1), max_size=400))
def test_any_event_sequence_decodes(ids):
    enc = EventEncoder()
    song = enc.decode(np.array(ids, dtype=np.int64))
    sane(song)
    assert len(song) == sum(i < enc.note_off for i in ids)           # every NOTE_ON makes a note, nothing else does


@PROPS
@given(songs(steps_per_second=16, max_notes=30))
def test_piano_roll_with_onsets_round_trips_every_valid_song(song):
    "On its frame grid, a roll with its onsets gives back every note exactly (velocities aside)."
    enc = PianoRollEncoder(frames_per_second=16)
    d = enc.decode(*enc.encode_with_onsets(song))
    np.testing.assert_array_equal(d.pitch, song.pitch)
    np.testing.assert_allclose(d.start, song.start, atol=1e-9); np.testing.assert_allclose(d.end, song.end, atol=1e-9)


@PROPS
@given(st.integers(0, 64).flatmap(lambda t: st.lists(st.lists(st.booleans(), min_size=12, max_size=12),
                                                     min_size=t, max_size=t)))
def test_any_roll_decodes(cells):
    enc = PianoRollEncoder(min_pitch=60, max_pitch=71)
    roll = np.array(cells, dtype=np.uint8).reshape(-1, 12)
    song = enc.decode(roll); sane(song)
    back = enc.encode(song)                                       # the same cells sound (trailing silence aside)
    np.testing.assert_array_equal(back, roll[:len(back)]); assert not roll[len(back):].any()


@PROPS
@given(songs(max_notes=30))
def test_note_tuples_round_trip_every_valid_song(song):
    "Exact up to float rounding (onsets are sums of durations and rests), which may reorder notes of one chord."
    enc = NoteTupleEncoder()
    d = enc.decode(enc.encode(song))
    canon = lambda s: s.notes[np.lexsort((s.notes['pitch'], np.round(s.notes['start'], 9)))]
    a, b = canon(d), canon(song)
    np.testing.assert_array_equal(a['pitch'], b['pitch']); np.testing.assert_array_equal(a['velocity'], b['velocity'])
    np.testing.assert_allclose(a['start'], b['start'], atol=1e-9)
    np.testing.assert_allclose(a['end'], b['end'], atol=1e-9)


@PROPS
@given(st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-10, 10), st.floats(-10, 10), st.floats(-1e3, 1e3)),
                max_size=50))
def test_any_note_tuples_decode(tuples):
    sane(NoteTupleEncoder().decode(np.array(tuples, dtype=np.float64).reshape(-1, 4)), zero_length=True)  # dur 0


@PROPS
@given(st.integers(1, 4), songs(max_notes=40, max_pitch=127))
def test_subsequences_keep_every_pitch(notes, song):
    "The subsequence encoding is lossy in time (12 inter-onset buckets) but keeps the pitches of whole subsequences."
    enc = SubsequenceEncoder(notes)
    d = enc.decode(enc.encode(song))
    k = len(song) // notes * notes
    assert sorted(d.pitch.tolist()) == sorted(song.pitch[:k].tolist())


@PROPS
@given(st.integers(1, 4), st.lists(st.integers(-5, SubsequenceEncoder.vocab_size + 5), max_size=200))
def test_any_subsequence_tokens_decode(notes, toks):
    sane(SubsequenceEncoder(notes).decode(np.array(toks, dtype=np.int64)))


TOKENIZER = ABCTokenizer.fit(['X:1\nT:t\nM:6/8\nL:1/8\nK:D\n|:dcB A2F|"G"G2B "A"A3|[DFA]2z (3abc ^f_g=a|1d3:|2d6||\n'])


@PROPS
@given(st.lists(st.integers(0, TOKENIZER.vocab_size - 1), max_size=200))
def test_any_abc_token_sequence_decodes_to_text(ids):
    text = TOKENIZER.decode_text(np.array(ids, dtype=np.int64))
    assert text.startswith('X:1\n') and 'K:C\n' in text
    ids2, header = TOKENIZER.encode_tune(text)
    assert header[-1] == 'K:C' and ids2[0] == 1 and ids2[-1] == 2
