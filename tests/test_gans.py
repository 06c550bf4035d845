"""The piano-roll GANs: the gradient penalty against finite differences, bad params named, DCRNN's composed form, the
Pix2Pix facade and restoration contract, and a GAN resumed mid-run ending where an uninterrupted run ends."""
import numpy as np
import pytest
import torch
from conftest import run_cli

from deep_symphony.encoders import RollSpec
from deep_symphony.models.dcrnn import compose, form, train_dcrnn
from deep_symphony.models.gan import RollWindows, gradient_penalty
from deep_symphony.models.pix2pix import Pix2Pix, Pix2PixConfig, drop_notes, note_f1
from deep_symphony.models.rnngan import train_rnngan
from deep_symphony.prepare import prepare_tiny
from deep_symphony.train import load_model


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    return prepare_tiny(tmp_path_factory.mktemp('tiny'), ['notes'])


def test_gradient_penalty_matches_finite_differences():
    "A nonlinear critic: the penalty's gradient norms equal central differences at the same interpolates."
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).double()
    critic = lambda x: net(x)[:, 0]
    real, fake, eps = (torch.randn(4, 6, dtype=torch.float64), torch.randn(4, 6, dtype=torch.float64),
                       torch.rand(4, dtype=torch.float64))
    xh = eps[:, None] * real + (1 - eps[:, None]) * fake
    h = 1e-6
    grads = torch.stack([torch.stack([(critic(xh + h * e) - critic(xh - h * e)) / (2 * h)
                                      for e in torch.eye(6, dtype=torch.float64)], 1)])[0]
    expected = ((grads.norm(dim=1) - 1) ** 2).mean()
    got = gradient_penalty(critic, real, fake, eps)
    assert abs(got.detach().item() - expected.detach().item()) < 1e-6
    got.backward()                                        # differentiable for the critic's update
    assert net[0].weight.grad is not None and net[0].weight.grad.abs().sum() > 0


@pytest.mark.parametrize('block,key,value,needle', [
    ('dcrnn', 'model', {'noise_dim': 4}, 'dcrnn.model.noise_dim'),
    ('wgan', 'adversarial', {'loss': 'hinge'}, 'wgan.adversarial.loss'),
    ('pix2pix', 'model', {'drop': 1.5}, 'pix2pix.model.drop'),
])
def test_bad_gan_params_are_named(tmp_path, block, key, value, needle):
    import yaml
    from conftest import ROOT
    p = yaml.safe_load((ROOT / 'params.yaml').read_text())
    p[block][key] |= value
    (tmp_path / 'params.yaml').write_text(yaml.safe_dump(p))
    r = run_cli('params', 'check', tmp_path / 'params.yaml')
    assert r.returncode == 2 and needle in r.stderr and 'Traceback' not in r.stderr, r.stderr


def test_dcrnn_form_repeats_its_sections(tiny, tmp_path):
    """A B C A B: the two A sections (same noise, different RNNb state) resemble each other more than A resembles C
    (a 30-step model: probabilities, not notes)."""
    params = {'model': {'hidden_a': 16, 'hidden_b': 32, 'critic_hidden': 8}, 'adversarial': {'n_critic': 2},
              'data': {'frames': 48, 'eval_windows': 8},
              'train': {'steps': 30, 'batch_size': 16, 'lr': 0.002, 'warmup_steps': 2, 'eval_every': 15,
                        'checkpoint_every': 15}}
    train_dcrnn(tiny, tmp_path / 'm', params, progress=False)
    m = load_model(tmp_path / 'm' / 'last.pt', 'dcrnn')
    # correlation of two sections' probabilities once the form's mean section is removed
    def residual_corr(r, i, j):
        secs = r.reshape(5, 48, -1); mu = secs.mean(0)
        return float(np.corrcoef((secs[i] - mu).ravel(), (secs[j] - mu).ravel())[0, 1])
    aa, ac = [], []
    for s in range(10):
        r = compose(m, form('ABCAB', m.config.noise_dim, s))
        assert r.shape == (5 * 48, 64)
        aa.append(residual_corr(r, 0, 3)); ac.append(residual_corr(r, 0, 2))
    # the trained DVC model is measured in its chapter
    assert np.mean(aa) > np.mean(ac) + 0.1, (np.mean(aa), np.mean(ac))


def test_pix2pix_facade_and_restoration_contract(tiny):
    "Facades lose whole notes only (precision 1); the restoration keeps every facade cell."
    w = RollWindows(tiny, 'valid', 32, min_pitch=0, max_pitch=127)
    x = w.fixed(4)
    f = drop_notes(x, 0.5, torch.Generator().manual_seed(0))
    assert (f <= x).all() and f.sum() < x.sum()
    for a, b in zip(f.numpy(), x.numpy()): assert note_f1(a, b)['precision'] == 1.0
    m = Pix2Pix(Pix2PixConfig(channels=4, roll=RollSpec(32, 8.0, 0, 127))).eval()
    with torch.no_grad(): out = m.generator(f).numpy()
    assert ((out > 0.5) >= (f.numpy() > 0.5)).all()   # every facade cell survives (notes may merge with added cells)


def test_a_gan_resumed_mid_run_ends_where_an_uninterrupted_run_ends(tiny, tmp_path):
    params = {'model': {'noise_dim': 4, 'hidden': 8, 'critic_hidden': 4},
              'adversarial': {'loss': 'classic', 'n_critic': 1, 'label_flip': 0.1, 'history': 8},
              'data': {'frames': 16, 'eval_windows': 4},
              'train': {'steps': 12, 'batch_size': 4, 'lr': 0.002, 'warmup_steps': 2, 'eval_every': 6,
                        'checkpoint_every': 3}}
    torch.manual_seed(0); train_rnngan(tiny, tmp_path / 'a', params, progress=False)
    import deep_symphony.models.gan as G
    orig = G.RollWindows.batch
    def dying(self, g, size):
        if g.initial_seed() == 8: raise KeyboardInterrupt
        return orig(self, g, size)
    G.RollWindows.batch = dying
    try:
        with pytest.raises(KeyboardInterrupt): train_rnngan(tiny, tmp_path / 'b', params, progress=False)
    finally: G.RollWindows.batch = orig
    train_rnngan(tiny, tmp_path / 'b', params, progress=False)
    a = torch.load(tmp_path / 'a' / 'last.pt', weights_only=True)['model']
    b = torch.load(tmp_path / 'b' / 'last.pt', weights_only=True)['model']
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
