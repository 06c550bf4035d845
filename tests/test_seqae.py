"""The SeqAE: losses and gradients, walks that do not loop, and the explorer driven headless on a trained model."""

import numpy as np
import pytest
import torch

from deep_symphony.models.seqae import (ABLATION_ROWS, SeqAE, SeqAEConfig, longest_repeated_block, random_walk,
                                        reset_random_walk, song_subsequence_lists, train_seqae, walk_song)
from deep_symphony.prepare import prepare_tiny
from deep_symphony.train import load_model

TINY = {'model': {'embed_dim': 16, 'hidden': 64, 'code_bits': 16},
        'loss': {'w_rec': 1.0, 'w_rec_bin': 1.0, 'w_con': 0.05, 'w_q': 0.05, 'con_mode': 'sign', 'hinge_margin': 1.0},
        'data': {'window': 4, 'transpose': 0, 'eval_songs': 20},
        'train': {'steps': 150, 'batch_size': 16, 'lr': 0.005, 'warmup_steps': 10, 'eval_every': 75, 'checkpoint_every': 75, 'device': 'cpu'}}


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
    assert [(row_loss_weights(r, w)['w_con'], row_loss_weights(r, w)['w_q']) for r in ABLATION_ROWS] == [(0, 0), (0.3, 0.2), (0.3, 0), (0, 0.2)]
    for r in ('l2', 'hinge'):                             # the earlier continuity losses, alone
        assert (row_loss_weights(r, w)['con_mode'], row_loss_weights(r, w)['w_con'], row_loss_weights(r, w)['w_q']) == (r, 0.3, 0)
    with pytest.raises(Exception, match="unknown ablation row 'bogus'"):
        row_loss_weights('bogus', w)


def test_walks_decode_to_songs(trained):
    "Walks give one subsequence per code. (Whether they loop is a property of the trained model: the chapter measures it.)"
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
    assert stay(lazy) > 0.05, stay(lazy)                  # one-bit steps of a continuous model often stay on the same note
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
