"""SIGKILL at random points of a training, then a restart: it ends where an uninterrupted run ends, bit for bit, and
no checkpoint is ever half-written. One kill point per model in `make test`;
`DEEP_SYMPHONY_KILL_POINTS=10 pytest tests/test_kill_resume.py` kills each model at 10 points
(the Char-RNN's DDP and metrics checks are in test_charrnn.py)."""
import json
import os
import random
import signal
import subprocess
import time

import pytest
import torch
import yaml
from conftest import CLI

from deep_symphony.core import tiny_params
from deep_symphony.prepare import prepare_tiny
from deep_symphony.train import load_checkpoint, registered_models

STEPS = 60
POINTS = int(os.environ.get('DEEP_SYMPHONY_KILL_POINTS', '1'))
CASES = [('wgan_abc', ('--row', 'gumbel')),      # Gumbel noise: the random state must resume too
         ('rnngan', ()), ('seqae', ()), ('charrnn', ())]


@pytest.fixture(scope='module')
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp('kill')
    prepare_tiny(d, ['notes', 'events', 'abc'])
    return d


def train(corpus, name, out, extra, params, wait=True):
    cmd = [*CLI, 'train', name, '--prepared', corpus / 'prepared', '--out', out, '--params', params,
           '--no-progress', *extra]
    # bit-identical needs the same arithmetic: one thread (MKL would otherwise pick its threads by the machine's load)
    env = os.environ | {'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}
    if wait: return subprocess.run(list(map(str, cmd)), capture_output=True, text=True, timeout=600, env=env)
    return subprocess.Popen(list(map(str, cmd)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
@pytest.mark.parametrize('name,extra', CASES, ids=[c[0] for c in CASES])
def test_sigkill_then_resume_is_bit_identical(corpus, tmp_path, name, extra, precision):
    "Under either precision (bf16: autocast, where the processor has it natively or not)."
    cls = registered_models()[name]
    p = tiny_params(*cls.params_block, train={'steps': STEPS, 'eval_every': 20, 'checkpoint_every': 3,
                                              'precision': precision,
                                              'batch_size': 4, 'seed': 1})
    (tmp_path / 'params.yaml').write_text(yaml.safe_dump({name: p}))
    full = train(corpus, name, tmp_path / 'full', extra, tmp_path / 'params.yaml')
    assert full.returncode == 0, full.stderr
    hist = lambda o: [{k: v for k, v in h.items() if 'per_s' not in k and k != 'time'}
                      for h in json.loads((o / 'history.json').read_text())]
    a = load_checkpoint(tmp_path / 'full' / 'last.pt')
    assert a['precision'] == precision and a['hardware'], (a.get('precision'), a.get('hardware'))
    for i, kill_at in enumerate(random.Random(name).sample(range(6, STEPS - 6), POINTS)):
        out = tmp_path / f'killed{i}'
        proc = train(corpus, name, out, extra, tmp_path / 'params.yaml', wait=False)
        last, seen, deadline = out / 'last.pt', [], time.time() + 300
        while time.time() < deadline and proc.poll() is None:
            if last.exists():
                seen.append(load_checkpoint(last)['step'])          # never half-written: it always loads
                if seen[-1] >= kill_at: break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL); proc.wait()
        assert seen and kill_at <= seen[-1] < STEPS, (kill_at, seen[-3:])
        again = train(corpus, name, out, extra, tmp_path / 'params.yaml')
        assert again.returncode == 0, again.stderr
        assert hist(out) == hist(tmp_path / 'full'), kill_at
        b = load_checkpoint(last)
        assert a['step'] == b['step'] == STEPS
        assert all(torch.equal(a['model'][k], b['model'][k]) for k in a['model']), kill_at
        assert not list(out.glob('.*.tmp'))
