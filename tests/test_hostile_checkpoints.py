"""Hostile checkpoints: a pickled payload that would run code, another model's checkpoint, a truncated or hand-edited
one. Each is refused with a one-line error naming the file, and nothing in it runs."""
import os

import pytest
import torch
from conftest import run_cli

from deep_symphony.core import DeepSymphonyError, tiny_params
from deep_symphony.models.refine import DurationNet, _refine_parts
from deep_symphony.music import Song, make_notes, write_midi
from deep_symphony.train import CHECKPOINT_FORMAT, build, load_model, save_checkpoint


class Payload:
    "Unpickling this creates `marker`: proof that code in a checkpoint ran."
    def __init__(self, marker): self.marker = marker
    def __reduce__(self): return (os.makedirs, (self.marker,))


@pytest.fixture
def checkpoints(tmp_path):
    "A real Duration Net checkpoint and its hostile variants, by name."
    cfg, _, _ = _refine_parts(tiny_params(*DurationNet.params_block), DurationNet, 'duration_net')
    good = save_checkpoint(tmp_path / 'good.pt', build(DurationNet, cfg, 0))
    ck = torch.load(good, weights_only=True)
    marker = tmp_path / 'PAYLOAD_RAN'
    out = {'good': good, 'marker': marker}
    torch.save(ck | {'model': Payload(str(marker))}, tmp_path / 'payload.pt')          # code in the weights
    torch.save({'format': CHECKPOINT_FORMAT, 'model_name': 'duration_net', 'model_config': ck['model_config'],
                'model': ck['model'], 'extra': Payload(str(marker))}, tmp_path / 'payload_extra.pt')
    data = good.read_bytes(); (tmp_path / 'truncated.pt').write_bytes(data[:len(data) // 2])
    torch.save(ck | {'model_config': dict(ck['model_config'], hidden=64)}, tmp_path / 'edited.pt')
    torch.save({k: v for k, v in ck.items() if k != 'model_config'}, tmp_path / 'incomplete.pt')
    for name in ('payload', 'payload_extra', 'truncated', 'edited', 'incomplete'): out[name] = tmp_path / f'{name}.pt'
    return out


@pytest.mark.parametrize('name, needle', [('payload', 'not a readable checkpoint'),
                                          ('payload_extra', 'not a readable checkpoint'),
                                          ('truncated', 'not a readable checkpoint'),
                                          ('edited', 'weights do not fit'),
                                          ('incomplete', "'model_config' is missing")])
def test_hostile_checkpoint_is_refused_and_nothing_runs(checkpoints, name, needle):
    assert load_model(checkpoints['good'], 'duration_net') is not None
    with pytest.raises(DeepSymphonyError, match=needle) as e:
        load_model(checkpoints[name], 'duration_net')
    assert str(checkpoints[name]) in str(e.value) and '\n' not in str(e.value)
    assert not checkpoints['marker'].exists()


def test_cli_refuses_hostile_checkpoints_in_one_line(checkpoints, tmp_path):
    src = tmp_path / 'in.mid'; write_midi(Song(make_notes([60, 64, 67], [0, 0.5, 1.0], [0.5, 1.0, 1.5])), src)
    for name in ('payload', 'payload_extra', 'truncated', 'edited', 'incomplete'):
        r = run_cli('refine', src, '-o', tmp_path / 'o.mid', '--duration-only', '--duration-net', checkpoints[name])
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (name, r.stderr)
        assert f'{name}.pt' in r.stderr
    r = run_cli('refine', src, '-o', tmp_path / 'o.mid', '--velocity-only', '--velocity-net', checkpoints['good'])
    assert r.returncode == 2 and "a 'duration_net' checkpoint, not a 'velocity_net' one" in r.stderr
    assert not checkpoints['marker'].exists() and not (tmp_path / 'o.mid').exists()
