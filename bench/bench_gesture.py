"""Gesture tracker benchmark (run on demand, not part of `make test`).

Frames/s of `GestureTracker.track` at 320 × 240 on one thread (cv2.setNumThreads(1); target >= 30) on synthetic
frames in memory (the skin-coloured disc moving over the textured scene, after the warm-up), against the baseline
measured in the same run: MOG2's `apply` alone on the same frames (the background model every tracker of this kind
pays for), with the ratio of the two. End to end: frames/s of `follow` on a 640 × 480 MJPG video (decode, resize to
320 × 240, track) against decoding and resizing alone (`frames`).

    python bench/bench_gesture.py [--frames 600] [--repeat 3] [--json bench_gesture.json]
"""
import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from deep_symphony.interactive.gesture import GestureTracker, frames, gesture_path, synthetic_frames, write_video


def scene(n, width, height, warmup):
    "`warmup` empty frames, then the standard path's moves and pause repeated until there are `n` frames."
    one = gesture_path(width, height, warmup=0, gone=0)
    reps = -(-(n - warmup) // len(one))
    return np.concatenate([np.full((warmup, 2), np.nan), np.tile(one, (reps, 1))])[:n]


def fps(run, n, repeat):
    "Median frames/s over `repeat` runs of `run()` (which handles `n` frames)."
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter(); run(); times.append(time.perf_counter() - t0)
    return n / statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--frames', type=int, default=600); ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--warmup', type=int, default=30); ap.add_argument('--json', default=None)
    a = ap.parse_args()
    cv2.setNumThreads(1)
    path = scene(a.frames + a.warmup, 320, 240, a.warmup)
    shots = list(synthetic_frames(path))
    warm, timed = shots[:a.warmup], shots[a.warmup:]

    def warmed(**kw):
        t = GestureTracker(warmup=a.warmup, **kw)
        for f in warm: t.track(f)
        return t

    def mog2_alone():
        b = cv2.createBackgroundSubtractorMOG2(500, 16.0, detectShadows=False)
        for f in warm: b.apply(f, learningRate=-1)
        t0 = time.perf_counter()
        for f in timed: b.apply(f, learningRate=0)
        return time.perf_counter() - t0

    def tracker():
        t = warmed(); t0 = time.perf_counter()
        hands = [t.track(f) for f in timed]
        return time.perf_counter() - t0, sum(h is not None for h in hands)

    mog2_s = statistics.median(mog2_alone() for _ in range(a.repeat))
    runs = [tracker() for _ in range(a.repeat)]
    track_s, found = statistics.median(r[0] for r in runs), runs[0][1]

    with tempfile.TemporaryDirectory() as d:       # end to end from a 640 x 480 video file
        big = write_video(synthetic_frames(scene(a.frames + a.warmup, 640, 480, a.warmup), 640, 480, radius=48),
                          Path(d) / 'hand.avi')
        n = a.frames + a.warmup
        decode_fps = fps(lambda: sum(1 for _ in frames(big)), n, a.repeat)
        e2e_fps = fps(lambda: sum(1 for _ in GestureTracker(warmup=a.warmup).follow(big)), n, a.repeat)

    res = {'size': '320x240', 'cv2_threads': cv2.getNumThreads(), 'opencv': cv2.__version__,
           'omp_num_threads': os.environ.get('OMP_NUM_THREADS'), 'frames_timed': len(timed),
           'hands_found': found, 'hands_in_view': int(np.isfinite(path[a.warmup:, 0]).sum()),
           'tracker_fps': len(timed) / track_s, 'mog2_alone_fps': len(timed) / mog2_s,
           'tracker_time_over_mog2': track_s / mog2_s,
           'video_640x480_decode_resize_fps': decode_fps, 'video_640x480_end_to_end_fps': e2e_fps,
           'end_to_end_time_over_decode': decode_fps / e2e_fps,
           'target_tracker_fps': 30, 'target_met': len(timed) / track_s >= 30 and e2e_fps >= 30}
    text = json.dumps(res, indent=2)
    if a.json: Path(a.json).write_text(text + '\n')
    print(text)


if __name__ == '__main__':
    main()
