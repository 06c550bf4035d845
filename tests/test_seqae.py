"""The SeqAE: losses and gradients, walks that do not loop, and the explorer driven headless on a trained model."""

import numpy as np
import pytest

from deep_symphony.core import tiny_params
from deep_symphony.models.seqae import (
    ABLATION_ROWS,
    SeqAE,
    random_walk,
    reset_random_walk,
    train_seqae,
    walk_song,
)
from deep_symphony.prepare import prepare_tiny
from deep_symphony.train import load_model

TINY = tiny_params(*SeqAE.params_block, model={'embed_dim': 16, 'hidden': 64}, data={'eval_songs': 20},
                   train={'steps': 150, 'batch_size': 16, 'warmup_steps': 10, 'eval_every': 75, 'checkpoint_every': 75,
                          'device': 'cpu'})


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp('seqae')
    prepare_tiny(d, ['notes'])
    s = train_seqae(d / 'prepared', d / 'continuous', TINY, 'continuous', progress=False)
    return d, s, load_model(d / 'continuous' / 'best.pt', 'seqae')


def test_training_reconstructs_better_than_chance(trained):
    _, s, _ = trained
    assert s['rec'] < np.log(141) - 1.5 and s['rec_bin'] < np.log(141) - 1.0, s
    assert set(s) >= {'rec', 'rec_bin', 'avg_flips'}


def test_ablation_rows_set_the_loss_weights():
    from deep_symphony.models.seqae import row_loss_weights
    w = {'w_rec': 1.0, 'w_rec_bin': 1.0, 'w_con': 0.3, 'w_q': 0.2, 'con_mode': 'sign', 'hinge_margin': 1.0}
    assert ([(row_loss_weights(r, w)['w_con'], row_loss_weights(r, w)['w_q']) for r in ABLATION_ROWS]
            == [(0, 0), (0.3, 0.2), (0.3, 0), (0, 0.2)])
    aids = {'code_noise': 0.5, 'ramp_steps': 1000}             # our training aids: every row but the study's vanilla
    assert [(row_loss_weights(r, w | aids)['code_noise'], row_loss_weights(r, w | aids)['ramp_steps'])
            for r in ABLATION_ROWS] == [(0, 0), (0.5, 1000), (0.5, 1000), (0.5, 1000)]
    for r in ('l2', 'hinge'):                             # the earlier continuity losses, alone
        weights = row_loss_weights(r, w)
        assert (weights['con_mode'], weights['w_con'], weights['w_q']) == (r, 0.3, 0)
    with pytest.raises(Exception, match="unknown ablation row 'bogus'"):
        row_loss_weights('bogus', w)


def test_walks_decode_to_songs(trained):
    """Walks give one subsequence per code.
    (Whether they loop is a property of the trained model: the chapter measures it.)"""
    _, _, model = trained
    start = np.random.default_rng(0).choice([-1.0, 1.0], 16)
    for codes in (random_walk(start, 24, 1.25, 0.05, seed=1), reset_random_walk(start, 24, 1.25, 0.3, 0.05, seed=1)):
        song, subs = walk_song(model, codes)
        assert subs.shape == (24, 2 * model.config.notes) and len(song) > 0


def test_redrawn_walks_move_the_music_every_step(trained):
    "With `decode`, a flip step that would decode to the current subsequence is drawn again."
    _, _, model = trained
    start = np.random.default_rng(1).choice([-1.0, 1.0], 16)
    stay = lambda subs: np.mean((subs[1:] == subs[:-1]).all(1))
    lazy = walk_song(model, random_walk(start, 200, 1.0, 0.0, seed=2))[1]
    moving = walk_song(model, random_walk(start, 200, 1.0, 0.0, seed=2, decode=model.decode_codes, tries=16))[1]
    # one-bit steps of a continuous model often stay on the same note
    assert stay(lazy) > 0.05, stay(lazy)
    assert stay(moving) < stay(lazy) / 4, (stay(moving), stay(lazy))


def test_explorer_bit_flips_change_the_music_and_walks_extend_it(trained):
    from deep_symphony.interactive.seqae_explorer import CodeExplorer
    _, _, model = trained
    ex = CodeExplorer(model, start=np.ones(16), audio=False)
    changed = 0
    for b in range(16):
        before = ex.current.copy()
        ex.bits[b].value = not ex.bits[b].value
        changed += not np.array_equal(before, ex.current)
    assert changed >= 8, changed                          # most single-bit flips change the decoded subsequence
    n = len(ex.subsequences); notes = len(ex.song)
    ex.walk_button.click()
    assert len(ex.subsequences) == n + 8 and len(ex.song) > notes


def test_cli_trains_a_row_and_generates_walks(trained, tmp_path):
    """`train seqae --row` through the CLI, then `generate seqae` walks: MIDI that reads back, the same for the same
    seed."""
    import pretty_midi
    import yaml
    from conftest import run_cli
    d, _, _ = trained
    p = {k: dict(v) for k, v in TINY.items()}; p['train']['steps'] = 30; p['train']['eval_every'] = 30
    (tmp_path / 'params.yaml').write_text(yaml.safe_dump({'seqae': p}))
    r = run_cli('train', 'seqae', '--row', 'only_q', '--prepared', d / 'prepared', '--out', tmp_path / 'm',
                '--params', tmp_path / 'params.yaml', '--no-progress')
    assert r.returncode == 0, r.stderr
    assert 'seqae (only_q) to step 30' in r.stdout
    assert load_model(tmp_path / 'm' / 'best.pt', 'seqae').config.w_con == 0       # the row's weights were used
    for walk in ('random', 'reset'):
        r = run_cli('generate', 'seqae', '--checkpoint', d / 'continuous' / 'best.pt', '--walk', walk, '--n', 2,
                    '--steps', 40, '--seed', 3, '--out', tmp_path / walk)
        assert r.returncode == 0, r.stderr
        for i in range(2):
            pm = pretty_midi.PrettyMIDI(str(tmp_path / walk / f'seqae_{i:02d}.mid'))
            n = sum(len(ins.notes) for ins in pm.instruments)
            assert 0 < n <= 40, n       # at most one note per code (a tiny model also says malformed ones)
    a = (tmp_path / 'random' / 'seqae_00.mid').read_bytes()
    run_cli('generate', 'seqae', '--checkpoint', d / 'continuous' / 'best.pt', '--n', 2, '--steps', 40, '--seed', 3,
            '--out', tmp_path / 'w')
    assert (tmp_path / 'w' / 'seqae_00.mid').read_bytes() == a                           # seeded


def test_cli_seqae_bad_input(trained, tmp_path):
    from conftest import run_cli
    from test_cli_errors import one_line_error
    d, _, _ = trained
    ck = d / 'continuous' / 'best.pt'
    one_line_error(run_cli('generate', 'seqae', '--checkpoint', ck, '--p-return', 1.5, '--out', tmp_path),
                   '--p-return', '[0, 1]')
    one_line_error(run_cli('generate', 'seqae', '--checkpoint', ck, '--walk', 'reset', '--every', 0, '--out', tmp_path),
                   '--every', 'at least 1')
    one_line_error(run_cli('generate', 'seqae', '--checkpoint', ck, '--prime', tmp_path / 'no.mid', '--out', tmp_path),
                   '--prime', 'no.mid')
    one_line_error(run_cli('generate', 'seqae', '--checkpoint', tmp_path / 'none.pt', '--out', tmp_path), 'none.pt')
    one_line_error(run_cli('train', 'seqae', '--conditional', '--prepared', d / 'prepared', '--out', tmp_path / 'x'),
                   '--conditional')
    assert not (tmp_path / 'x').exists()
