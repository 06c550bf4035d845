"""SeqGAN through the CLI: an adversarial run killed with SIGKILL resumes to the bit; bad params, a foreign
checkpoint and a bad sampling option are one line; `--mle` samples the pre-trained generator."""
import json
import signal
import subprocess
import time

import pytest
import torch
import yaml
from conftest import CLI, run_cli
from test_cli_errors import one_line_error

from deep_symphony.core import tiny_params
from deep_symphony.models.seqgan import SeqGAN
from deep_symphony.prepare import prepare_tiny
from deep_symphony.train import load_checkpoint

PRE = 5                                            # 4 MLE steps + 1 discriminator step, then adversarial rounds
TINY = tiny_params(*SeqGAN.params_block, adversarial={'pretrain_steps': 4, 'd_pretrain_steps': 1},
                   train={'steps': 24, 'eval_every': 10, 'checkpoint_every': 3, 'schedule': 'constant',
                          'warmup_steps': 0, 'seed': 2, 'device': 'cpu'})


@pytest.fixture(scope='module')
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp('seqgan')
    prepare_tiny(d, ['notes', 'abc'])
    (d / 'params.yaml').write_text(yaml.safe_dump({'seqgan': TINY}))
    return d


def train_cmd(corpus, out, *extra):
    return [*CLI, 'train', 'seqgan', '--prepared', corpus / 'prepared', '--out', out,
            '--params', corpus / 'params.yaml', '--no-progress', *extra]


@pytest.fixture(scope='module')
def full(corpus, tmp_path_factory):
    "An uninterrupted run."
    out = tmp_path_factory.mktemp('full')
    r = subprocess.run(list(map(str, train_cmd(corpus, out))), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def test_sigkill_in_the_adversarial_phase_then_resume_ends_bit_identical(corpus, full, tmp_path):
    proc = subprocess.Popen(list(map(str, train_cmd(corpus, tmp_path / 'killed'))),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last, seen, deadline = tmp_path / 'killed' / 'last.pt', [], time.time() + 180
    while time.time() < deadline:
        if last.exists():
            seen.append(load_checkpoint(last)['step'])
            if seen[-1] >= PRE + 6: break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL); proc.wait()
    assert seen and PRE < seen[-1] < 24, seen                    # killed between adversarial checkpoints
    again = subprocess.run(list(map(str, train_cmd(corpus, tmp_path / 'killed'))), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    a, b = (load_checkpoint(d / 'last.pt')['model'] for d in (full, tmp_path / 'killed'))
    assert all(torch.equal(a[k], b[k]) for k in a)
    ha, hb = (json.loads((d / 'history.json').read_text()) for d in (full, tmp_path / 'killed'))
    assert ha == hb and 'reward' in ha[-1]
    assert load_checkpoint(tmp_path / 'killed' / 'mle.pt')['step'] == 4


def test_bad_input_is_one_line(corpus, tmp_path):
    bad = tmp_path / 'bad.yaml'
    bad.write_text(yaml.safe_dump({'seqgan': TINY | {'adversarial': {'rollouts': 0}}}))
    one_line_error(run_cli('train', 'seqgan', '--prepared', corpus / 'prepared', '--out', tmp_path / 'm',
                           '--params', bad), 'seqgan.adversarial.rollouts')
    one_line_error(run_cli('train', 'seqgan', '--prepared', corpus / 'prepared', '--out', tmp_path / 'm',
                           '--params', corpus / 'params.yaml', '--steps', 3), 'seqgan.train.steps')
    torch.save({'format': 'deep_symphony.checkpoint/1', 'model_name': 'wgan', 'model_config': {}, 'model': {}},
               tmp_path / 'w.pt')
    one_line_error(run_cli('generate', 'seqgan', '--checkpoint', tmp_path / 'w.pt', '--out', tmp_path / 'o'),
                   "a 'wgan' checkpoint, not a 'seqgan' one")


def test_generate_the_pretrained_and_the_adversarial_generator(full, tmp_path):
    for extra in ((), ('--mle',)):
        ck = full / ('mle.pt' if extra else 'last.pt')
        r = run_cli('generate', 'seqgan', '--checkpoint', ck, '--n', 3, '--seed', 1, '--out', tmp_path / 'o',
                    '--abc-dir', tmp_path / 'abc', *extra)
        assert r.returncode == 0, r.stderr
        assert len(list((tmp_path / 'abc').glob('seqgan_*.abc'))) == 3
    one_line_error(run_cli('generate', 'seqgan', '--checkpoint', full / 'last.pt', '--out', tmp_path / 'o',
                           '--temperature', 0), '--temperature')
