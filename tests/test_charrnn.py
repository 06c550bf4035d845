"""Char-RNN end to end through the CLI: training that survives SIGKILL, torchrun/DDP, generation, bad checkpoints."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
import yaml
from conftest import CLI, run_cli

from deep_symphony.core import tiny_params
from deep_symphony.models.charrnn import CharRNN
from deep_symphony.music import read_midi
from deep_symphony.prepare import prepare_tiny
from deep_symphony.train import load_checkpoint

TINY = tiny_params(*CharRNN.params_block, data={'window': 48, 'control_window': 16, 'eval_songs': 6},
                   train={'steps': 60, 'lr': 0.01, 'warmup_steps': 5, 'eval_every': 20, 'checkpoint_every': 5,
                          'seed': 3, 'device': 'cpu'})


@pytest.fixture(scope='module')
def corpus(tmp_path_factory):
    "A small prepared corpus (two embedded folk files) and a params file with a tiny Char-RNN."
    d = tmp_path_factory.mktemp('charrnn')
    prepare_tiny(d, ['notes', 'events'])
    (d / 'params.yaml').write_text(yaml.safe_dump({'charrnn': TINY}))
    return d


def train_cmd(corpus, out, *extra):
    return [*CLI, 'train', 'charrnn', '--prepared', corpus / 'prepared', '--out', out,
            '--params', corpus / 'params.yaml', '--no-progress', *extra]


def losses(out):
    return [h['loss'] for h in json.loads((out / 'history.json').read_text())]


def test_sigkill_then_resume_ends_where_an_uninterrupted_run_ends(corpus, tmp_path):
    full = subprocess.run(list(map(str, train_cmd(corpus, tmp_path / 'full', '--metrics', tmp_path / 'full.json'))),
                          capture_output=True, text=True)
    assert full.returncode == 0, full.stderr
    proc = subprocess.Popen(list(map(str, train_cmd(corpus, tmp_path / 'killed'))),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last, seen = tmp_path / 'killed' / 'last.pt', []
    deadline = time.time() + 120
    while time.time() < deadline:
        if last.exists():
            seen.append(load_checkpoint(last)['step'])          # never half-written: it always loads
            if seen[-1] >= 25: break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL); proc.wait()
    assert seen and 25 <= seen[-1] < 60, seen
    step_at_kill = load_checkpoint(last)['step']
    resume_cmd = train_cmd(corpus, tmp_path / 'killed', '--metrics', tmp_path / 'resumed.json')
    again = subprocess.run(list(map(str, resume_cmd)), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    a, b = json.loads((tmp_path / 'full.json').read_text()), json.loads((tmp_path / 'resumed.json').read_text())
    assert b['steps'] == a['steps'] == 60
    assert b['train_loss'] == a['train_loss'] and b['val_loss'] == a['val_loss']
    assert losses(tmp_path / 'killed') == losses(tmp_path / 'full')
    assert not list((tmp_path / 'killed').glob('.*.tmp'))
    full_w, res_w = load_checkpoint(tmp_path / 'full' / 'last.pt')['model'], load_checkpoint(last)['model']
    assert all(torch.equal(full_w[k], res_w[k]) for k in full_w)
    assert step_at_kill < 60


def test_torchrun_two_processes_match_one(corpus, tmp_path):
    one = subprocess.run(list(map(str, train_cmd(corpus, tmp_path / 'one', '--steps', 30))),
                         capture_output=True, text=True)
    assert one.returncode == 0, one.stderr
    env = dict(os.environ, OMP_NUM_THREADS='1')
    two = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '-m',
                          'deep_symphony.cli', *map(str, train_cmd(corpus, tmp_path / 'two', '--steps', 30)[3:])],
                         capture_output=True, text=True, env=env, timeout=600)
    assert two.returncode == 0, two.stderr[-3000:]
    assert 'on 2 process(es)' in two.stdout
    l1, l2 = np.array(losses(tmp_path / 'one')), np.array(losses(tmp_path / 'two'))
    assert len(l1) == len(l2) == 30
    np.testing.assert_allclose(l2, l1, rtol=2e-4, atol=2e-4)


@pytest.fixture(scope='module')
def checkpoints(corpus):
    outs = {}
    for variant in ('vanilla', 'conditional'):
        out = corpus / f'models_{variant}'
        extra = ['--conditional'] if variant == 'conditional' else []
        r = run_cli(*train_cmd(corpus, out, '--steps', 20, *extra)[3:])
        assert r.returncode == 0, r.stderr
        outs[variant] = out / 'best.pt'
    return outs


def test_generate_writes_playable_samples(checkpoints, tmp_path):
    r = run_cli('generate', 'charrnn', '--checkpoint', checkpoints['vanilla'], '--n', 3, '--steps', 300,
                '--temperature', 1.0, '--out', tmp_path, '--wav', '--png', '--seed', 1)
    assert r.returncode == 0, r.stderr
    mids = sorted(tmp_path.glob('*.mid'))
    assert len(mids) == 3 and len(list(tmp_path.glob('*.wav'))) == 3 and len(list(tmp_path.glob('*.png'))) == 3
    songs = [read_midi(m) for m in mids]
    assert all(len(s) > 0 for s in songs)
    r = run_cli('generate', 'charrnn', '--checkpoint', checkpoints['conditional'], '--n', 2, '--steps', 200,
                '--condition', 'high>low', '--out', tmp_path / 'cond', '--top-k', 20)
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / 'cond').glob('*.mid'))) == 2


def test_generate_primed_from_a_midi_file(checkpoints, tmp_path):
    src = tmp_path / 'prime.mid'
    from deep_symphony.music import Song, write_midi
    write_midi(Song.from_notes([(60 + i, i * 0.25, i * 0.25 + 0.2, 90) for i in range(12)]), src)
    r = run_cli('generate', 'charrnn', '--checkpoint', checkpoints['vanilla'], '--n', 1, '--steps', 100, '--prime', src,
                '--prime-seconds', 2, '--out', tmp_path / 'out')
    assert r.returncode == 0, r.stderr
    song = read_midi(tmp_path / 'out' / 'charrnn_00.mid')
    assert song.pitch[:8].tolist() == list(range(60, 68))         # the sample begins with the prime


def test_generate_bad_checkpoints_and_conditions(checkpoints, tmp_path):
    def err(*args):
        r = run_cli('generate', 'charrnn', *args, '--out', tmp_path, '--steps', 10)
        assert r.returncode == 2 and 'Traceback' not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        return r.stderr
    assert 'no such checkpoint' in err('--checkpoint', tmp_path / 'missing.pt')
    torch.save({'format': 'deep_symphony.checkpoint/1', 'model_name': 'seqae', 'model_config': {}, 'model': {}},
               tmp_path / 'other.pt')
    assert "a 'seqae' checkpoint, not a 'charrnn' one" in err('--checkpoint', tmp_path / 'other.pt')
    (tmp_path / 'junk.pt').write_bytes(b'not a checkpoint')
    assert 'not a readable checkpoint' in err('--checkpoint', tmp_path / 'junk.pt')
    assert 'not conditional' in err('--checkpoint', checkpoints['vanilla'], '--condition', 'C-major')
    assert 'conditional' in err('--checkpoint', checkpoints['conditional'])
    assert "unknown condition 'loud'" in err('--checkpoint', checkpoints['conditional'], '--condition', 'loud')
    assert '--temperature' in err('--checkpoint', checkpoints['vanilla'], '--temperature', '-1')


def test_train_bad_params_name_the_key(corpus, tmp_path):
    (tmp_path / 'p.yaml').write_text(yaml.safe_dump({'charrnn': {'train': {'stesp': 3}}}))
    r = run_cli('train', 'charrnn', '--prepared', corpus / 'prepared', '--out', tmp_path / 'o',
                '--params', tmp_path / 'p.yaml')
    assert r.returncode == 2 and 'p.yaml: charrnn.train.stesp: unknown key' in r.stderr and 'Traceback' not in r.stderr
