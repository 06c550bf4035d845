"""`deep-symphony nll MODEL --checkpoint C --data DIR`: a model's cross-entropy on any folder of MIDI (issue 31),
the same measure as validation, with one-line errors for what it cannot score."""
import numpy as np
import pytest
from conftest import run_cli

from deep_symphony.core import tiny_params
from deep_symphony.evaluate.nll import nll_of_songs
from deep_symphony.models.charrnn import CharRNN, train_charrnn
from deep_symphony.music import read_midi, write_midi
from deep_symphony.prepare import load_songs, prepare_tiny
from deep_symphony.train import load_model


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    "A tiny corpus, a vanilla and a conditional Char-RNN trained a few steps on it, a folder of its validation songs."
    d = tmp_path_factory.mktemp('nll')
    prepared = prepare_tiny(d, ['notes', 'events'])
    tiny = tiny_params(*CharRNN.params_block, model={'layers': 1}, data={'control_window': 32, 'eval_songs': 2},
                       train={'steps': 10, 'eval_every': 10, 'checkpoint_every': 10})
    for v in ('vanilla', 'conditional'):
        train_charrnn(prepared, d / v, tiny, variant=v, progress=False)
    music = d / 'music' / 'inner'; music.mkdir(parents=True)
    songs = [s for s in load_songs(prepared, 'valid') if len(s) > 4][:3]
    for i, s in enumerate(songs): write_midi(s, music / f'song_{i}.mid')
    (d / 'music' / 'notes.txt').write_text('not music')
    return d


def test_nats_per_event_of_a_folder(trained):
    d = trained
    r = run_cli('nll', 'charrnn', '--checkpoint', d / 'vanilla' / 'best.pt', '--data', d / 'music', '--per-song')
    assert r.returncode == 0, r.stderr
    *per, last = r.stdout.strip().splitlines()
    assert len(per) == 3 and last.endswith('(charrnn, no controls)') and 'over 3 songs' in last
    model = load_model(d / 'vanilla' / 'best.pt', 'charrnn')
    files = sorted((d / 'music').rglob('*.mid'))
    songs = [read_midi(p) for p in files]
    nats = nll_of_songs(model, songs)
    events = np.array([len(model.config.encoder().encode(s)) - 1 for s in songs])
    assert abs(float(last.split()[0]) - (nats * events).sum() / events.sum()) < 1e-3
    assert [float(line.split('\t')[1]) for line in per] == pytest.approx(nats, abs=1e-3)
    assert 0 < float(last.split()[0]) < np.log(model.config.vocab_size) + 1
    r = run_cli('nll', 'charrnn', '--checkpoint', d / 'conditional' / 'best.pt', '--data', d / 'music')
    assert r.returncode == 0 and 'conditional: controls from the music' in r.stdout, r.stderr


def test_one_line_errors(trained, tmp_path):
    d = trained
    def err(*args):
        r = run_cli('nll', *args)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (r.stdout, r.stderr)
        return r.stderr
    assert 'no MIDI files' in err('charrnn', '--checkpoint', d / 'vanilla' / 'best.pt', '--data', tmp_path)
    assert 'no such folder' in err('charrnn', '--checkpoint', d / 'vanilla' / 'best.pt', '--data', tmp_path / 'x')
    assert 'gru' in err('gru', '--checkpoint', d / 'vanilla' / 'best.pt', '--data', d / 'music')   # a foreign one
    (tmp_path / 'junk.pt').write_bytes(b'not a checkpoint')
    assert 'junk.pt' in err('charrnn', '--checkpoint', tmp_path / 'junk.pt', '--data', d / 'music')
