"""Gesture play (issue 15, part 2) through the command line: a synthetic hand in a written video steers a small
conditional Char-RNN and `deep-symphony play gesture` writes playable MIDI, a WAV, a piano roll and the trace; a
missing video, a camera that is not there, a vanilla or missing checkpoint and a bad params block are one line each,
exit 2."""
import json
import subprocess
import sys

import pytest

from deep_symphony.core import tiny_params
from deep_symphony.interactive.gesture import synthetic_frames, write_video
from deep_symphony.interactive.gesture_play import sweep_path
from deep_symphony.models.charrnn import CharRNN, train_charrnn
from deep_symphony.music import read_midi
from deep_symphony.prepare import prepare_tiny


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, '-m', 'deep_symphony.cli', *map(str, args)], capture_output=True,
                          text=True, cwd=cwd)


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    "A tiny conditional (gesture variant) and a tiny vanilla checkpoint, and a 4-second video of a rising hand."
    d = tmp_path_factory.mktemp('gesture_play')
    prepared = prepare_tiny(d / 'prepared', ['notes', 'events'])
    tp = tiny_params(*CharRNN.params_block, train={'steps': 4, 'eval_every': 4, 'checkpoint_every': 4})
    for variant in ('gesture', 'vanilla'): train_charrnn(prepared, d / variant, tp, variant=variant, progress=False)
    video = write_video(synthetic_frames(sweep_path(seconds=4, fps=15)), d / 'sweep.avi', fps=15)
    return d, video


def test_play_gesture_on_a_video_writes_playable_music_and_the_trace(setup):
    d, video = setup
    r = cli('play', 'gesture', '--video', video, '--out', d / 'out', '--checkpoint', d / 'gesture' / 'best.pt')
    assert r.returncode == 0, r.stderr
    # nothing on stderr but, on a machine without FluidSynth, the one line saying the plain synthesiser plays instead
    assert 'gesture.mid' in r.stdout
    assert [l for l in r.stderr.splitlines() if 'using the plain synthesiser' not in l] == [], r.stderr
    song = read_midi(d / 'out' / 'gesture.mid')
    assert len(song) > 0 and song.duration <= 6.0 + 1.0                # 2 s of warm-up + 4 s of hand, a shift at most
    for f in ('gesture.wav', 'gesture.png'): assert (d / 'out' / f).stat().st_size > 0
    info = json.loads((d / 'out' / 'gesture.json').read_text())
    assert info['frames'] == 90 and info['frames_with_hand'] >= 55 and len(info['trace']) == 90
    ys = [t['y'] for t in info['trace'] if t['hand']]
    assert max(ys) > 0.7 and min(ys) < 0.35                            # the hand rose and fell, and the trace says so
    r = cli('play', 'gesture', '--video', video, '--out', d / 'short', '--seconds', 1, '--no-wav',
            '--checkpoint', d / 'gesture' / 'best.pt')
    assert r.returncode == 0, r.stderr
    assert json.loads((d / 'short' / 'gesture.json').read_text())['frames'] == 15
    assert not (d / 'short' / 'gesture.wav').exists()


@pytest.mark.parametrize('args, words', [
    (['--video', '{d}/missing.avi'], ['missing.avi', 'no such file']),
    (['--camera', '97'], ['camera 97']),
    (['--video', '{video}', '--checkpoint', '{d}/vanilla/best.pt'], ['conditional Char-RNN']),
    (['--video', '{video}', '--checkpoint', '{d}/nothing.pt'], ['nothing.pt']),
    (['--video', '{video}', '--params', '{d}/bad.yaml'], ['gesture.smoothing']),
])
def test_bad_input_is_one_line_and_exit_2(setup, args, words):
    d, video = setup
    (d / 'bad.yaml').write_text('gesture:\n  smoothing: 2.0\n')
    ck = [] if '--checkpoint' in args else ['--checkpoint', str(d / 'gesture' / 'best.pt')]
    r = cli('play', 'gesture', *[a.format(d=d, video=video) for a in args], *ck, '--out', d / 'bad_out')
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.count('\n') == 1 and r.stderr.startswith('deep-symphony: error:'), r.stderr
    for w in words: assert w in r.stderr, r.stderr
