"""The Refine Nets: training on real tunes, the refine CLI on MIDI files, and bad input."""
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import run_cli

from deep_symphony.core import DeepSymphonyError, tiny_params
from deep_symphony.models.refine import (
    DistortedWindows,
    DurationNet,
    _refine_parts,
    duration_table,
    refine,
    synthetic_tunes,
)
from deep_symphony.models.velocity_net import VelocityNet, ar1_noise, train_velocity_net, velocity_table
from deep_symphony.music import Song, make_notes, read_midi, write_midi
from deep_symphony.notation import beat_alignment, estimate_bpm, note_order
from deep_symphony.prepare import load_songs, prepare
from deep_symphony.train import Trainer, build, load_model

PIANO = Path(__file__).resolve().parents[2] / 'shared' / 'datasets' / 'piano_midi_de' / 'midis'


@pytest.fixture(scope='module')
def duration_ckpt(tmp_path_factory):
    "A small Duration Net trained on synthetic 4/4 tunes of 2-, 4-, 6- and 8-step notes."
    out = tmp_path_factory.mktemp('dur')
    p = tiny_params(*DurationNet.params_block, model={'hidden': 32, 'layers': 1, 'max_steps': 16},
                    train={'steps': 200, 'batch_size': 16, 'lr': 0.01, 'checkpoint_every': 200, 'eval_every': 200})
    cfg, data, tcfg = _refine_parts(p, DurationNet, 'duration_net')
    Trainer(build(DurationNet, cfg, 0), DistortedWindows(synthetic_tunes(60), data, cfg.max_steps).batch, tcfg, out,
            None, None, False).fit()
    return out / 'last.pt'


def piano_like(n=120, seed=0, flat=False):
    "A performance-like piece: a melody over chords, onsets and durations jittered off a 100-bpm grid."
    rng = np.random.default_rng(seed); g = 60 / 100 / 4; notes = []
    t = 0
    for i in range(n // 4):
        step = rng.choice([2, 4]); jit = lambda: rng.normal(0, 0.04 * g * 4)
        for k, p in enumerate([48 + i % 5, 55 + i % 5, 60 + i % 7, 72 + i % 7]):
            v = 80 if flat else (95 if k == 3 else 55) + int(rng.integers(-5, 6))
            notes.append((p, max(t * g + jit(), 0), t * g + step * g * rng.uniform(0.8, 1.2) + 0.01, v))
        t += step
    notes.sort(key=lambda x: (x[1], x[0]))
    return Song.from_notes(notes, tempo=100.0)


def test_duration_net_beats_rounding_on_long_notes(duration_ckpt):
    "Trained on tunes whose values are 2/4/6/8 steps, the net recovers 6- and 8-step notes better than rounding."
    table = duration_table(load_model(duration_ckpt, 'duration_net'), synthetic_tunes(20, seed=5), [16] * 20)
    for k in ('6', '8'):
        r = table['classes'][k]
        assert r['net_exact'] > r['round_exact'] + 0.1, (k, r)
    assert table['bars_add_up_net'] > table['bars_add_up_round']


def test_refine_keeps_the_notes_and_puts_them_on_the_grid(duration_ckpt):
    raw = piano_like()
    dn = load_model(duration_ckpt, 'duration_net')
    out = refine(raw, dn, None, 100.0)
    assert len(out) == len(raw)
    assert out.notes['pitch'][note_order(out)].tolist() == raw.notes['pitch'][note_order(raw)].tolist()
    # on the grid but for the few chord notes kept in their played order `ORDER_GAP` (5 ms) apart
    assert beat_alignment(out, 100.0) >= 0.95 and beat_alignment(out, 100.0) > beat_alignment(raw, 100.0) + 0.2
    assert (out.end > out.start).all()


def test_velocity_net_needs_human_dynamics(tmp_path):
    data = tmp_path / 'flat'; data.mkdir()
    for i in range(12): write_midi(piano_like(40, i, flat=True), data / f'p{i}.mid')
    prepare(data, tmp_path / 'prepared', encodings='notes', workers=1)
    with pytest.raises(DeepSymphonyError, match='human dynamics'):
        train_velocity_net(tmp_path / 'prepared', tmp_path / 'vel', tiny_params(*VelocityNet.params_block),
                           progress=False)


def test_velocity_net_learns_the_phrasing_it_cannot_predict(tmp_path):
    "Velocities that swell and fade as an AR(1) chain (ρ 0.9, σ 12) independent of the notes: the net learns ρ and σ."
    data = tmp_path / 'piano'; data.mkdir()
    for i in range(24):
        rng = np.random.default_rng(i); on = np.cumsum(rng.choice([0.2, 0.4], 120))
        z = ar1_noise(120, 0.9, torch.Generator().manual_seed(i))
        v = np.clip(np.round(64 + 12 * z), 1, 127).astype(int)
        write_midi(Song(make_notes(rng.integers(55, 80, 120), on, on + 0.15, v)), data / f'p{i:02d}.mid')
    prepare(data, tmp_path / 'prepared', encodings='notes', workers=1)
    p = tiny_params(*VelocityNet.params_block, model={'hidden': 32, 'layers': 1}, data={'window': 64},
                    train={'steps': 300, 'batch_size': 16, 'lr': 0.01, 'checkpoint_every': 300, 'eval_every': 300})
    train_velocity_net(tmp_path / 'prepared', tmp_path / 'vel', p, progress=False)
    model = load_model(tmp_path / 'vel' / 'last.pt', 'velocity_net')
    table = velocity_table(model, load_songs(tmp_path / 'prepared', 'train')[:6], 64.0)
    rho = float(model.rho.detach()); assert rho > 0.7, rho
    assert 8 < table['spread']['mean_sigma'] < 17, table['spread']
    assert table['net']['std_ratio'] < 0.6 < 0.75 < table['net_sampled']['std_ratio'] < 1.3, table


@pytest.fixture(scope='module')
def velocity_ckpt(tmp_path_factory):
    "A Velocity Net trained on performance-like pieces whose top voice is played louder."
    root = tmp_path_factory.mktemp('vel'); data = root / 'piano'; data.mkdir()
    for i in range(30): write_midi(piano_like(80, i), data / f'p{i:02d}.mid')
    prepare(data, root / 'prepared', encodings='notes', workers=1)
    p = tiny_params(*VelocityNet.params_block, model={'hidden': 32, 'layers': 1},
                    train={'steps': 200, 'batch_size': 16, 'lr': 0.01, 'checkpoint_every': 200, 'eval_every': 200})
    train_velocity_net(root / 'prepared', root / 'vel', p, progress=False)
    return root / 'vel' / 'best.pt'


def test_cli_refine_writes_a_playable_file_with_the_same_notes(duration_ckpt, velocity_ckpt, tmp_path):
    src = tmp_path / 'in.mid'; write_midi(piano_like(160, seed=99, flat=True), src)
    out = tmp_path / 'out.mid'
    r = run_cli('refine', src, '-o', out, '--duration-net', duration_ckpt, '--velocity-net', velocity_ckpt)
    assert r.returncode == 0, r.stderr
    a, b = read_midi(src), read_midi(out)
    assert a.notes['pitch'][note_order(a)].tolist() == b.notes['pitch'][note_order(b)].tolist()
    bpm = estimate_bpm(a)
    assert beat_alignment(b, bpm) > beat_alignment(a, bpm)
    assert b.velocity.std() >= 8 and a.velocity.std() == 0
    top = [b.velocity[(b.start == s)].max() == b.velocity[(b.start == s) & (b.pitch == b.pitch[b.start == s].max())][0]
           for s in np.unique(b.start) if (b.start == s).sum() > 1]
    assert np.mean(top) > 0.5                       # the theme (top voice) is stressed
    r = run_cli('refine', src, '-o', tmp_path / 'v.mid', '--velocity-only', '--velocity-net', velocity_ckpt)
    v = read_midi(tmp_path / 'v.mid')
    assert r.returncode == 0 and np.allclose(np.sort(v.start), np.sort(a.start), atol=1e-3)
    # the velocities are a seeded draw around the net's mean: the same seed repeats, another differs, τ = 0 is the mean
    vel = lambda *o: (run_cli('refine', src, '-o', tmp_path / 'w.mid', '--velocity-only', '--velocity-net',
                              velocity_ckpt, *o), read_midi(tmp_path / 'w.mid').velocity)[1]
    assert (vel('--seed', '0') == v.velocity).all() and (vel('--seed', '1') != v.velocity).any()
    mean = vel('--temperature', '0')
    assert (mean == vel('--temperature', '0', '--seed', '5')).all() and mean.std() < v.velocity.std()


@pytest.mark.skipif(not PIANO.is_dir(), reason='../shared/datasets/piano_midi_de is absent')
def test_cli_refine_on_a_real_piano_file(duration_ckpt, velocity_ckpt, tmp_path):
    "A real piano-midi.de performance (tempo changes, pedal, several tracks) comes back with the same notes."
    src = sorted(PIANO.rglob('*.mid'))[-1]
    r = run_cli('refine', src, '-o', tmp_path / 'out.mid', '--duration-net', duration_ckpt, '--velocity-net',
                velocity_ckpt)
    assert r.returncode == 0, r.stderr
    a, b = read_midi(src), read_midi(tmp_path / 'out.mid')
    assert a.notes['pitch'][note_order(a)].tolist() == b.notes['pitch'][note_order(b)].tolist()
    assert 1 <= b.velocity.min() and b.velocity.max() <= 127


def test_cli_refine_bad_input(duration_ckpt, tmp_path):
    bad = tmp_path / 'bad.mid'; bad.write_bytes(b'not midi at all')
    ok = tmp_path / 'ok.mid'; write_midi(Song(make_notes([60, 64], [0, 0.5], [0.5, 1.0])), ok)
    cases = [(('refine', bad, '-o', tmp_path / 'o.mid', '--duration-only', '--duration-net', duration_ckpt), 'bad.mid'),
             (('refine', tmp_path / 'missing.mid', '-o', tmp_path / 'o.mid'), 'missing.mid'),
             (('refine', ok, '-o', tmp_path / 'o.mid', '--duration-net', tmp_path / 'nope.pt', '--duration-only'),
              'nope.pt'),
             (('refine', ok, '-o', tmp_path / 'o.mid', '--duration-only', '--velocity-only'), 'not allowed'),
             (('refine', ok, '-o', tmp_path / 'o.mid', '--temperature', '-1'), '--temperature'),
             (('refine', ok, '-o', tmp_path / 'o.mid', '--velocity-only', '--velocity-net', duration_ckpt),
              "not a 'velocity_net'")]
    for args, needle in cases:
        r = run_cli(*args)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr, (args, r.stderr)
    assert not (tmp_path / 'o.mid').exists()


def test_sheet_music_engraves_or_falls_back_to_a_piano_roll(tmp_path, monkeypatch):
    import shutil

    from PIL import Image

    from deep_symphony.render import sheet_music
    song = Song.from_notes([(60 + i % 8, i * 0.25, i * 0.25 + 0.2, 80) for i in range(16)])
    if shutil.which('lilypond'):
        png = sheet_music(song, tmp_path / 'sheet', 120.0, 4.0)
        with Image.open(png) as im:                      # one cropped staff line: wide, short, mostly white paper
            w, h = im.size; white = np.mean(np.asarray(im.convert('L')) > 200)
        assert w > 2 * h and white > 0.6, (w, h, white)
    monkeypatch.setattr(shutil, 'which', lambda name: None)
    png = sheet_music(song, tmp_path / 'roll', 120.0, 4.0)
    assert png.is_file() and png.name == 'roll.png'
