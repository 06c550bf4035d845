"""The evaluation toolkit on real files: plagiarism found through the CLI, muspy's metrics, BLEU, bad input."""
import json

import numpy as np
import pytest
from conftest import run_cli, shared
from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu

from deep_symphony.encoders import EventEncoder
from deep_symphony.evaluate.bleu import bleu
from deep_symphony.evaluate.music_metrics import music_metrics
from deep_symphony.music import Song, read_midi, transpose, write_midi
from deep_symphony.prepare import load_songs, prepare


@pytest.fixture(scope='module')
def piano(tmp_path_factory):
    "piano-midi.de prepared as a corpus (notes only), its songs, and a folk tune that is not in it."
    root = shared('piano_midi_de', 'midis')
    d = tmp_path_factory.mktemp('piano')
    prepare(root, d / 'prepared', workers=2, encodings=['notes'])
    songs = [s for sp in ('train', 'valid', 'test') for s in load_songs(d / 'prepared', sp)]
    outsider = read_midi(shared('nottingham', 'MIDI', 'ashover1.mid')) if shared('nottingham').exists() else None
    return d, songs, outsider


def splice(passage:np.ndarray, before:Song, after:Song, offset=0.5037) -> Song:
    """Unrelated music, then `passage` (moved to follow it), then more unrelated music;
    sent through the 10 ms event grid."""
    p = passage.copy(); b = before.notes.copy(); a = after.notes.copy()
    shift = b['end'].max() + offset - p['start'][0]; p['start'] += shift; p['end'] += shift
    s2 = p['end'].max() + 0.75; a['start'] += s2; a['end'] += s2
    notes = np.concatenate([b, p, a])
    enc = EventEncoder()
    return enc.decode(enc.encode(Song(notes).replace(notes=notes)))


def test_spliced_passages_are_found_through_the_cli(piano, tmp_path):
    d, songs, outsider = piano
    filler = outsider or Song.from_notes([(int(p), i * 0.3, i * 0.3 + 0.25, 70)
                                          for i, p in enumerate(np.random.default_rng(0).integers(80, 100, 60))])
    rng = np.random.default_rng(42)
    checked = 0
    for trial in range(10):
        src = songs[int(rng.integers(len(songs)))]
        if len(src) < 500: continue
        n = int(rng.integers(80, 400)); a = int(rng.integers(0, len(src) - n))
        sample = splice(src.notes[a:a + n], filler, filler)
        shift = int(rng.integers(-5, 6))
        write_midi(sample, tmp_path / 'exact.mid'); write_midi(transpose(sample, shift), tmp_path / 'moved.mid')
        r = run_cli('plagiarism', tmp_path / 'exact.mid', '--against', d / 'prepared', '--split', 'all', '--json')
        assert r.returncode == 0, r.stderr
        rep = json.loads(r.stdout)
        run = rep['longest_copied_run']
        assert set(run) >= {'notes', 'seconds', 'source', 'sample_start', 'source_start'}
        assert {'length', 'ratio', 'source'} <= set(rep['lcs']) and 0 <= rep['copy_rate'] <= 1
        assert run['source'] == src.name and abs(run['notes'] - n) <= 0.05 * n, (src.name, n, run)
        assert abs(run['sample_start'] - len(filler)) <= 0.05 * n
        rt = json.loads(run_cli('plagiarism', tmp_path / 'moved.mid', '--against', d / 'prepared', '--split', 'all',
                                '--json').stdout)
        t = rt['longest_copied_run_transposed']
        assert t['source'] == src.name and abs(t['notes'] - n) <= 0.05 * n and t['transposition'] == shift, (
            src.name, n, shift, t)
        checked += 1
    assert checked >= 5


def test_a_song_absent_from_the_corpus_has_a_short_longest_run(piano, tmp_path):
    d, songs, outsider = piano
    if outsider is None: pytest.skip('needs the Nottingham MIDI files')
    write_midi(outsider, tmp_path / 'new.mid')
    r = run_cli('plagiarism', tmp_path / 'new.mid', '--against', d / 'prepared', '--split', 'all', '--json',
                '--plot', tmp_path / 'fig.png')
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep['longest_copied_run']['notes'] < 20, rep['longest_copied_run']
    assert rep['copy_rate'] < 0.2
    assert (tmp_path / 'fig.png').read_bytes()[:4] == b'\x89PNG'


def test_muspy_metrics_on_real_files():
    import muspy
    files = (sorted(shared('piano_midi_de', 'midis').rglob('*.mid'))[::40]
             + sorted(shared('nottingham', 'MIDI').rglob('*.mid'))[::400])
    for f in files:
        ours, m = music_metrics(f), muspy.read_midi(f)
        ts = m.time_signatures[0] if m.time_signatures else None
        measure = int(round(m.resolution * 4 * ts.numerator / ts.denominator)) if ts else 4 * m.resolution
        ref = {'pitch_range': muspy.pitch_range(m), 'n_pitches_used': muspy.n_pitches_used(m),
               'n_pitch_classes_used': muspy.n_pitch_classes_used(m),
               'polyphony': muspy.polyphony(m), 'polyphony_rate': muspy.polyphony_rate(m),
               'empty_beat_rate': muspy.empty_beat_rate(m),
               'pitch_entropy': muspy.pitch_entropy(m), 'pitch_class_entropy': muspy.pitch_class_entropy(m),
               'scale_consistency': muspy.scale_consistency(m),
               'groove_consistency': muspy.groove_consistency(m, measure)}
        for k, v in ref.items():
            assert (np.isnan(v) and np.isnan(ours[k])) or abs(ours[k] - v) <= 1e-6, (f, k, ours[k], v)


def test_bleu_equals_nltk_on_real_tokens():
    songs = [read_midi(f) for f in sorted(shared('nottingham', 'MIDI').rglob('*.mid'))[:40]]
    cands = [s.pitch.tolist() for s in songs[:10]]; refs = [s.pitch.tolist() for s in songs[10:]]
    for n, sm in ((4, 'method1'), (2, 'method1'), (3, None)):
        w = tuple([1 / n] * n)
        smoothing = getattr(SmoothingFunction(), sm) if sm else None
        expected = corpus_bleu([refs] * len(cands), cands, weights=w, smoothing_function=smoothing)
        assert abs(bleu(cands, refs, max_n=n, smoothing=sm) - expected) < 1e-12


def test_bad_samples_and_bad_corpus_files(tmp_path):
    corpus = tmp_path / 'corpus'; corpus.mkdir()
    good = Song.from_notes([(60 + (i * 5) % 12, i * 0.25, i * 0.25 + 0.2, 80) for i in range(40)], name='good')
    write_midi(good, corpus / 'good.mid'); (corpus / 'broken.mid').write_bytes(b'MThd garbage')
    write_midi(Song.from_notes([]), tmp_path / 'empty.mid'); (tmp_path / 'text.mid').write_text('hello')
    for bad, needle in (('empty.mid', 'no notes'), ('text.mid', 'not a readable MIDI file'),
                        ('missing.mid', 'no such file')):
        r = run_cli('plagiarism', tmp_path / bad, '--against', corpus, '--json')
        assert r.returncode == 2 and needle in r.stderr and bad in r.stderr and 'Traceback' not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    write_midi(good, tmp_path / 'copy.mid')
    r = run_cli('plagiarism', tmp_path / 'copy.mid', '--against', corpus, '--json')
    assert r.returncode == 0, r.stderr
    assert 'broken.mid' in r.stderr                                   # the unreadable corpus file is named, not fatal
    assert json.loads(r.stdout)['longest_copied_run']['notes'] == 40
