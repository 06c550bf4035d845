"""The embedded corpus is exported byte-identically (data.dvc matches), and rendering writes real audio and pictures."""
import shutil
import subprocess

import numpy as np
import pytest
from conftest import ROOT, run_cli

from deep_symphony.corpora import embedded_files
from deep_symphony.render import find_soundfont, fluidsynth_available, read_wav


def test_export_matches_committed_data_dvc(tmp_path):
    "A fresh export gives exactly the tree whose hash data.dvc records: `dvc status` is clean."
    dvc = shutil.which('dvc')
    if dvc is None: pytest.skip('dvc is not installed')
    shutil.copyfile(ROOT / 'data.dvc', tmp_path / 'data.dvc')
    subprocess.run([dvc, 'init', '--no-scm', '-q'], cwd=tmp_path, check=True)
    subprocess.run([dvc, 'config', 'core.analytics', 'false'], cwd=tmp_path, check=True)
    r = run_cli('data', 'export', '--corpus', 'all', '--out', 'data', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'data.dvc matches' in r.stdout, r.stdout
    assert (tmp_path / 'data.dvc').read_text() == (ROOT / 'data.dvc').read_text()
    status = subprocess.run([dvc, 'status', '--json', 'data.dvc'], cwd=tmp_path, capture_output=True, text=True)
    assert status.returncode == 0 and status.stdout.strip() in ('{}', ''), status.stdout + status.stderr
    # and a second export changes nothing
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / 'data').rglob('*') if p.is_file()}
    assert run_cli('data', 'export', '--corpus', 'all', '--out', 'data', cwd=tmp_path).returncode == 0
    assert before == {p: p.stat().st_mtime_ns for p in (tmp_path / 'data').rglob('*') if p.is_file()}


def test_export_is_byte_identical(tmp_path):
    r = run_cli('data', 'export', '--corpus', 'folk', '--out', tmp_path)
    assert r.returncode == 0, r.stderr
    for src, rel in embedded_files('folk'):
        assert (tmp_path / rel).read_bytes() == src.read_bytes()
    assert not (tmp_path / 'chorales').exists()


def test_render_cli_writes_wav_and_png(tmp_path):
    from deep_symphony.music import Song, write_midi
    write_midi(Song.from_notes([(69, 0, 1, 100), (76, 1, 2, 100)]), tmp_path / 'a.mid')
    r = run_cli('render', tmp_path / 'a.mid', '--wav', '--png')
    assert r.returncode == 0, r.stderr
    audio, sr = read_wav(tmp_path / 'a.wav')
    assert 2.0 <= len(audio) / sr <= 4.5
    assert np.abs(audio).max() > 0.5
    # A4 = 440 Hz sounds in the first second
    spec = np.abs(np.fft.rfft(audio[int(0.1 * sr):int(0.9 * sr)]))
    freqs = np.fft.rfftfreq(int(0.9 * sr) - int(0.1 * sr), 1 / sr)
    assert abs(freqs[np.argmax(spec)] - 440) < 5 or abs(freqs[np.argmax(spec)] - 880) < 10
    assert (tmp_path / 'a.png').read_bytes()[:4] == b'\x89PNG'


def test_fluidsynth_is_used_when_installed(tmp_path):
    if find_soundfont() is None or not fluidsynth_available(): pytest.skip('FluidSynth or a SoundFont is not installed')
    from deep_symphony.music import Song
    from deep_symphony.render import synthesize
    audio, used = synthesize(Song.from_notes([(60, 0, 1, 100)]))
    assert used == f'fluidsynth:{find_soundfont().name}' and np.abs(audio).max() > 0.5


def test_saving_pictures_leaves_the_notebooks_backend_alone(tmp_path):
    """Writing piano rolls and alignments must not switch pyplot's backend: in a notebook (inline backend) a switch to
    Agg made every later `plt.show()` draw nothing, so executed chapters lost their figures."""
    code = f"""
import matplotlib; matplotlib.use('svg'); import matplotlib.pyplot as plt
from deep_symphony.music import Song
from deep_symphony.render import save_piano_roll
from deep_symphony.interactive.widgets import png_bytes
song = Song.from_notes([(60, 0.0, 0.5, 80), (64, 0.5, 1.0, 90)])
save_piano_roll(song, {str(tmp_path / 'roll.png')!r}); png = png_bytes(song)
assert matplotlib.get_backend() == 'svg', matplotlib.get_backend()
assert png[:4] == b'\\x89PNG'
print('ok')
"""
    import subprocess
    import sys
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == 'ok', r.stderr[-1500:]
    assert (tmp_path / 'roll.png').stat().st_size > 1000
