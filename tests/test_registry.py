"""The registry the CLI reads: every model trains and samples through `deep-symphony train/generate MODEL`, a new model
registers in a few lines and gets `params check`, `train` and `generate` without touching cli.py; bad input is one
line."""
import contextlib
import io
from dataclasses import dataclass

import pytest
import torch
import yaml
from conftest import ROOT, run_cli
from torch import nn

from deep_symphony.cli import main
from deep_symphony.core import knob, positive, tiny_params
from deep_symphony.encoders import RollSpec
from deep_symphony.music import Song, read_midi
from deep_symphony.prepare import prepare_tiny
from deep_symphony.train import MODELS, TrainConfig, Trainer, build, registered_models, train_config

MODEL_NAMES = sorted(registered_models())          # the registry the CLI reads: a new model is tested here too


@pytest.fixture(scope='module')
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp('registry')
    prepare_tiny(d, ['notes', 'events', 'abc'])
    return d


def test_models_lists_every_model():
    "The CLI lists the registry; every module under deep_symphony/models that registers a sampler is in it."
    import re
    r = run_cli('models')
    assert r.returncode == 0, r.stderr
    assert [l.split()[0] for l in r.stdout.splitlines()] == MODEL_NAMES
    registering = {f.stem for f in (ROOT / 'deep_symphony' / 'models').glob('*.py')
                   if re.search(r'^@register_model$', f.read_text(), re.M)}
    assert registering == {c.__module__.rsplit('.', 1)[1] for c in MODELS.values() if c.__module__ != __name__}
    assert len(MODEL_NAMES) >= 9 and all(hasattr(MODELS[n], 'sample_songs') for n in MODEL_NAMES)


@pytest.mark.parametrize('name', MODEL_NAMES)
def test_every_model_trains_and_generates_through_the_cli(name, corpus, tmp_path):
    cls = registered_models()[name]
    params = tiny_params(*cls.params_block, train={'steps': 4, 'eval_every': 4, 'checkpoint_every': 4, 'batch_size': 4})
    (tmp_path / 'params.yaml').write_text(yaml.safe_dump({name: params}))
    r = run_cli('train', name, '--prepared', corpus / 'prepared', '--out', tmp_path / 'm',
                '--params', tmp_path / 'params.yaml', '--no-progress')
    assert r.returncode == 0, r.stderr
    assert f'trained {name}' in r.stdout and 'to step 4' in r.stdout, r.stdout
    extra = []
    if name == 'pix2pix':                                     # a MIDI source: the first prepared song
        from deep_symphony.music import write_midi
        from deep_symphony.prepare import load_songs
        write_midi(load_songs(corpus / 'prepared', 'train')[0], tmp_path / 'src.mid')
        extra = ['--source', tmp_path / 'src.mid', '--crop', 32]
    r = run_cli('generate', name, '--checkpoint', tmp_path / 'm' / 'last.pt', '--n', 2, '--seed', 0,
                '--out', tmp_path / 'out', *extra)
    assert r.returncode == 0, r.stderr
    mids = sorted((tmp_path / 'out').glob(f'{name}_*.mid'))
    if name in ('charrnn', 'gru', 'seqae', 'pix2pix'): assert len(mids) == 2, r.stdout   # a 4-step GAN: maybe silent
    assert all(len(read_midi(m)) > 0 for m in mids)
    if name in ('seqgan', 'wgan_abc'):                         # the tunes as ABC text too, the header restored
        r = run_cli('generate', name, '--checkpoint', tmp_path / 'm' / 'last.pt', '--n', 2, '--seed', 0,
                    '--out', tmp_path / 'out2', '--abc-dir', tmp_path / 'abc',
                    *(('--temperature', 0.8) if name == 'seqgan' else ()))
        assert r.returncode == 0, r.stderr
        abc = sorted((tmp_path / 'abc').glob(f'{name}_*.abc'))
        assert len(abc) == 2 and all(a.read_text().startswith('X:1\nL:') for a in abc)


def test_bad_model_option_and_checkpoint_are_one_line(corpus, tmp_path):
    from test_cli_errors import one_line_error
    one_line_error(run_cli('train', 'transformer', '--out', tmp_path), 'transformer')
    one_line_error(run_cli('generate', 'wgan', '--out', tmp_path, '--frames', 'many'), '--frames', 'many')
    one_line_error(run_cli('generate', 'charrnn', '--out', tmp_path, '--row', 'vanilla'), '--row')
    torch.save({'format': 'deep_symphony.checkpoint/1', 'model_name': 'wgan', 'model_config': {}, 'model': {}},
               tmp_path / 'w.pt')
    one_line_error(run_cli('generate', 'dcrnn', '--checkpoint', tmp_path / 'w.pt', '--out', tmp_path),
                   "a 'wgan' checkpoint, not a 'dcrnn' one")
    from deep_symphony.models.pix2pix import Pix2Pix, Pix2PixConfig
    from deep_symphony.train import save_checkpoint
    save_checkpoint(tmp_path / 'p.pt', Pix2Pix(Pix2PixConfig(channels=4, roll=RollSpec(32, 8.0, 0, 127))))
    # no source given and no prepared corpus to take one from
    one_line_error(run_cli('generate', 'pix2pix', '--checkpoint', tmp_path / 'p.pt', '--out', tmp_path / 'o',
                           cwd=tmp_path), '--source', 'no prepared/notes/valid')
    one_line_error(run_cli('generate', 'pix2pix', '--checkpoint', tmp_path / 'p.pt', '--source', tmp_path / 'no.mid',
                           '--out', tmp_path / 'o'), '--source', 'no.mid')



def test_controlled_noise_and_sampling_options(tmp_path):
    "DCRNN: 8 controlled entries of a longer noise, the rest per seed; the Char-RNN's sampling knobs checked by name."
    from test_cli_errors import one_line_error

    from deep_symphony.models.charrnn import CharRNN, CharRNNConfig
    from deep_symphony.models.dcrnn import DCRNN, DCRNNConfig
    from deep_symphony.train import save_checkpoint
    save_checkpoint(tmp_path / 'd.pt', DCRNN(DCRNNConfig(hidden_a=8, hidden_b=8, critic_hidden=4)))
    r = run_cli('generate', 'dcrnn', '--checkpoint', tmp_path / 'd.pt', '--noise', '1,0,0,0,0,0,0,-1', '--seed', 1,
                '--n', 2, '--out', tmp_path / 'o')
    assert r.returncode == 0, r.stderr
    one_line_error(run_cli('generate', 'dcrnn', '--checkpoint', tmp_path / 'd.pt', '--noise', '1,2,3',
                           '--out', tmp_path / 'o'), '--noise', 'give 8 values')
    save_checkpoint(tmp_path / 'c.pt', CharRNN(CharRNNConfig(embed_dim=8, hidden=16, layers=1)))
    one_line_error(run_cli('generate', 'charrnn', '--checkpoint', tmp_path / 'c.pt', '--top-p', 0,
                           '--out', tmp_path / 'o'), '--top-p', 'must lie in (0, 1]')
    r = run_cli('generate', 'charrnn', '--checkpoint', tmp_path / 'c.pt', '--steps', 300, '--max-note', 0.5,
                '--temperature', 1.5, '--n', 2, '--seed', 0, '--out', tmp_path / 'c')
    assert r.returncode == 0, r.stderr
    for m in (tmp_path / 'c').glob('*.mid'):
        s = read_midi(m)
        assert (s.end - s.start).max() <= 0.5 + 0.02                  # every held note released after 0.5 s

# --- a new model in a few lines ------------------------------------------------------------------------------------

@dataclass
class ToyConfig:
    "A drone: one learnt pitch."
    width: int = knob(8, positive, 'hidden units', tiny=4)

@dataclass
class ToyData:
    notes: int = knob(16, positive, 'notes per training song', 'data', tiny=8)


class Toy(nn.Module):
    "A toy model: learns the mean pitch of the corpus and plays it."
    name, Config, params_block = 'toy', ToyConfig, (ToyConfig, ToyData, TrainConfig)
    train_options = {}
    generate_options = {'--length': dict(type=int, default=4, help='notes per sample')}
    def __init__(self, config):
        super().__init__(); self.config = config
        self.net = nn.Sequential(nn.Linear(1, config.width), nn.Linear(config.width, 1))
    def forward(self, x, y): out = self.net(x)[:, 0]; return out, ((out - y) ** 2).mean()
    @classmethod
    def fit(cls, prepared, out_dir, params, metrics_path=None, progress=True):
        from deep_symphony.core import check_params, config_from
        from deep_symphony.prepare import load_songs
        p = check_params(params, cls.params_block, 'toy', required=False)
        mean = float(sum(s.pitch.mean() for s in load_songs(prepared, 'train'))
                     / len(load_songs(prepared, 'train'))) / 127
        batches = lambda g, n: {'x': torch.ones(n, 1), 'y': torch.full((n,), mean)}
        return Trainer(build(cls, config_from(ToyConfig, p), train_config(p).seed), batches, train_config(p), out_dir,
                       lambda m: float(m(torch.ones(1, 1), torch.full((1,), mean))[1].detach()), metrics_path,
                       progress).fit()
    @staticmethod
    def checkpoint(**_): return 'models/toy/best.pt'
    def sample_songs(self, n, seed=None, length=4):
        pitch = int(round(float(self.net(torch.ones(1, 1))[0, 0].detach()) * 127))
        return [Song.from_notes([(pitch, i * 0.5, i * 0.5 + 0.4, 80) for i in range(length)], name=f'toy {k}')
                for k in range(n)]


def cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def test_a_new_model_gets_params_check_train_and_generate(corpus, tmp_path):
    from deep_symphony.train import register_model
    register_model(Toy)
    try:
        assert 'toy' in registered_models()
        params = yaml.safe_load((ROOT / 'params.yaml').read_text()) | {
            'toy': tiny_params(*Toy.params_block, complete=True, train={'steps': 30, 'lr': 0.05})}
        (tmp_path / 'p.yaml').write_text(yaml.safe_dump(params))
        code, out, err = cli('params', 'check', tmp_path / 'p.yaml')
        assert code == 0, err
        params['toy']['data']['notes'] = 0
        (tmp_path / 'bad.yaml').write_text(yaml.safe_dump(params))
        code, _, err = cli('params', 'check', tmp_path / 'bad.yaml')
        assert code == 2 and 'bad.yaml: toy.data.notes: must be positive' in err, err
        code, out, err = cli('train', 'toy', '--prepared', corpus / 'prepared', '--out', tmp_path / 'm',
                             '--params', tmp_path / 'p.yaml', '--no-progress')
        assert code == 0 and 'trained toy to step 30' in out, err
        code, out, err = cli('generate', 'toy', '--checkpoint', tmp_path / 'm' / 'best.pt', '--n', 2, '--length', 3,
                             '--out', tmp_path / 'o')
        assert code == 0, err
        songs = [read_midi(p) for p in sorted((tmp_path / 'o').glob('toy_*.mid'))]
        assert len(songs) == 2 and all(len(s) == 3 for s in songs)
        code, _, err = cli('generate', 'toy', '--checkpoint', tmp_path / 'm' / 'best.pt', '--length', 'x',
                           '--out', tmp_path / 'o')
        assert code == 2 and '--length' in err
    finally: MODELS.pop('toy', None)
