"""The gesture tracker (issue 15, part 1) on a written synthetic video: a skin-coloured disc moving over a static
textured background is recovered within a few pixels on every frame after the warm-up, while it moves and while it
stands still (the frozen background does not absorb it); nothing is found where there is no hand; a source that cannot
be read is one line naming it."""
import numpy as np
import pytest

from deep_symphony.core import DeepSymphonyError, ParamsError, check_params, config_from, tiny_params
from deep_symphony.interactive.gesture import (
    GestureConfig,
    GestureError,
    GestureTracker,
    frames,
    gesture_path,
    synthetic_frames,
    write_video,
)

WARMUP, MOVE, STILL, GONE = 30, 40, 90, 15
PAUSE = slice(WARMUP + MOVE, WARMUP + MOVE + STILL)


@pytest.fixture(scope='module', params=[(320, 240), (640, 480)], ids=['320x240', '640x480'])
def video(request, tmp_path_factory):
    "A written MJPG video of the standard path (a 90-frame pause) at the tracker's size and at twice it."
    w, h = request.param
    path = gesture_path(w, h, warmup=WARMUP, move=MOVE, still=STILL, gone=GONE)
    f = write_video(synthetic_frames(path, w, h, radius=24 * w / 320, seed=7),
                    tmp_path_factory.mktemp('gesture') / f'hand_{w}x{h}.avi')
    return f, path / (w / 320)                 # the true centres in the tracker's 320 x 240 pixels


def centre_errors(hands, path):
    "Pixel distances (320 x 240) between each found hand and the true centre, NaN where none was found."
    return np.array([np.nan if h is None else np.hypot(*(np.array(h.pixels(320, 240)[:2]) - p))
                     for h, p in zip(hands, path)])


def test_the_centre_is_recovered_on_every_frame_after_the_warm_up(video):
    f, path = video
    hands = list(GestureTracker(warmup=WARMUP).follow(f))
    assert len(hands) == len(path)
    assert all(h is None for h in hands[:WARMUP])                         # learning the empty scene
    err = centre_errors(hands[WARMUP:-GONE], path[WARMUP:-GONE])
    assert not np.isnan(err).any(), f'no hand on frames {np.flatnonzero(np.isnan(err)) + WARMUP}'
    assert err.max() <= 2.0, err.max()                                   # a few pixels: in practice under 0.5
    assert all(h.confidence > 0.8 and 0.09 < h.r < 0.11 for h in hands[WARMUP:-GONE])   # r: 24 px / 240
    assert all(h is None for h in hands[-GONE:])                          # the hand has left


def test_a_still_hand_is_not_absorbed_by_the_frozen_background(video):
    "90 frames without moving: found on each; a tracker that keeps learning (rate 0.01) loses it, so this is tested."
    f, path = video
    err = centre_errors(list(GestureTracker().follow(f))[PAUSE], path[PAUSE])
    assert not np.isnan(err).any() and err.max() <= 2.0
    learning = list(GestureTracker(learning_rate=0.01).follow(f))[PAUSE]
    assert all(h is None for h in learning[-STILL // 2:])


def test_no_hand_gives_no_detection():
    "The static scene (with its skin-coloured decoy), and noise only, after the warm-up: nothing."
    empty = list(synthetic_frames(np.full((60, 2), np.nan), seed=3))
    assert not any(GestureTracker().follow(empty))
    noise = np.random.default_rng(0).integers(0, 256, (60, 240, 320, 3), dtype=np.uint8)
    assert not any(GestureTracker().follow(noise))
    assert GestureTracker(masks='skin').track(empty[-1]) is not None      # the decoy is skin: the AND rejects it


def one_line(exc_info, *needles) -> str:
    msg = str(exc_info.value)
    assert isinstance(exc_info.value, DeepSymphonyError) and '\n' not in msg, msg
    for n in needles: assert n in msg, (n, msg)
    return msg


def test_sources_that_cannot_be_read_are_one_line_naming_them(tmp_path, capfd):
    with pytest.raises(GestureError) as e: frames(tmp_path / 'missing.avi')
    one_line(e, 'missing.avi', 'no such file')
    (tmp_path / 'notes.avi').write_text('these are not frames\n' * 50)
    with pytest.raises(GestureError) as e: frames(tmp_path / 'notes.avi')
    one_line(e, 'notes.avi', 'not a readable video')
    good = write_video(synthetic_frames(np.full((5, 2), np.nan)), tmp_path / 'good.avi')
    (tmp_path / 'cut.avi').write_bytes(good.read_bytes()[:300])           # a header and no frame
    with pytest.raises(GestureError) as e: GestureTracker().follow(tmp_path / 'cut.avi')
    one_line(e, 'cut.avi', 'not a readable video')
    with pytest.raises(GestureError) as e: frames(tmp_path)
    one_line(e, str(tmp_path), 'not a file')
    with pytest.raises(GestureError) as e: frames(97)
    one_line(e, 'camera 97', 'cannot be opened')
    with pytest.raises(GestureError) as e: list(frames([np.zeros((240, 320, 3), np.uint8), np.zeros((4, 4, 2))]))
    one_line(e, 'frame 1', '(4, 4, 2)')
    out, err = capfd.readouterr()
    assert out == '' and err == '', err                                   # OpenCV's and FFmpeg's warnings kept quiet


def test_the_knobs_check_as_a_params_block():
    block = check_params(tiny_params(GestureConfig, complete=True), GestureConfig, 'gesture')
    assert config_from(GestureConfig, block) == GestureConfig(warmup=10)
    with pytest.raises(ParamsError, match='gesture.var_threshold: must be positive'):
        check_params({'var_threshold': 0.0}, GestureConfig, 'gesture', required=False)
    with pytest.raises(ParamsError, match='gesture.kernel: must lie in 1..31'): GestureTracker(kernel=40)
