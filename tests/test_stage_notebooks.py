"Every DVC stage's notebook, run by papermill as `dvc repro` runs it, with its small defaults and without FluidSynth."
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from test_pipeline import expand_stages

NO_FLUIDSYNTH = 'DEEP_SYMPHONY_NO_FLUIDSYNTH'   # the environment switch render.fluidsynth_available() honours


def stage_notebooks() -> list[str]:
    "The notebooks `dvc repro` executes, each once, in dvc.yaml's order (a CLI stage runs none)."
    stages = expand_stages(yaml.safe_load((ROOT / 'dvc.yaml').read_text())['stages'])
    return list(dict.fromkeys(m.group(1) for st in stages.values() if (m := re.search(r'(nbs/\S+\.ipynb)', st['cmd']))))


def skip_regex() -> str:
    "The `nbdev_test --skip_file_re` of `make test`: its default (names starting with _ or .) and the stage notebooks."
    return '^[_.]|^(' + '|'.join(re.escape(Path(nb).stem) for nb in stage_notebooks()) + r')\.ipynb$'


def test_nbdev_test_skips_exactly_the_stage_notebooks():
    "`make test` runs the stage notebooks here (every cell, as papermill does) and every other one through nbdev_test."
    skipped = {p.name for p in (ROOT / 'nbs').glob('*.ipynb') if re.search(skip_regex(), p.name)}
    assert skipped == {Path(nb).name for nb in stage_notebooks()}
    assert 'nbs/18_pix2pix.ipynb' in stage_notebooks() and '00_core.ipynb' not in skipped


def test_no_notebook_exports_the_library_when_run():
    "A run of a notebook (papermill in `dvc repro`) must not rewrite deep_symphony/ under the stages that depend on it."
    import json
    for nb in sorted((ROOT / 'nbs').glob('*.ipynb')):
        code = ''.join(''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code')
        assert 'nbdev_export(' not in code, f'{nb.name}: calls nbdev_export (use `make export`)'


def test_fluidsynth_switch(monkeypatch):
    from deep_symphony.music import Song
    from deep_symphony.render import fluidsynth_available, synthesize
    monkeypatch.setenv(NO_FLUIDSYNTH, '1')
    assert not fluidsynth_available()
    song = Song.from_notes([(60, 0.0, 0.5, 80)])
    audio, used = synthesize(song)                 # a SoundFont still sounds, through tinysoundfont
    assert used.startswith('tinysoundfont:') and audio.size > 0
    from deep_symphony.core import DeepSymphonyError
    with pytest.raises(DeepSymphonyError, match='FluidSynth'): synthesize(song, backend='fluidsynth')
    monkeypatch.setenv('DEEP_SYMPHONY_NO_TINYSOUNDFONT', '1')      # neither: the plain synthesiser, said so
    assert synthesize(song)[1] == 'plain'
    with pytest.raises(DeepSymphonyError, match='tinysoundfont'): synthesize(song, backend='tinysoundfont')


def test_papermill_reads_every_parameter():
    "Each name a stage notebook's `parameters` cell declares is one papermill can set (a quote in a comment hides it)."
    import json
    papermill = pytest.importorskip('papermill')
    piano = expand_stages(yaml.safe_load((ROOT / 'piano' / 'dvc.yaml').read_text())['stages'])
    for nb in dict.fromkeys(stage_notebooks() + [re.search(r'(nbs/\S+\.ipynb)', st['cmd']).group(1)
                                                  for st in piano.values()]):
        cell = next((c for c in json.loads((ROOT / nb).read_text())['cells']
                     if 'parameters' in c['metadata'].get('tags', [])), None)
        assert cell is not None, f'{nb}: no cell tagged `parameters` (papermill would override nothing)'
        declared = {m.group(1) for m in re.finditer(r'^(\w+)\s*=', ''.join(cell['source']), re.M)}
        assert declared <= set(papermill.inspect_notebook(str(ROOT / nb))), (nb, declared)


@pytest.mark.parametrize('nb', stage_notebooks())
def test_stage_notebook_runs_without_fluidsynth(nb, tmp_path, monkeypatch, executed_notebooks):
    papermill = pytest.importorskip('papermill')
    monkeypatch.setenv(NO_FLUIDSYNTH, '1')
    monkeypatch.delenv('MPLBACKEND', raising=False)   # the kernel's inline backend: the figures stay in the notebook
    out = tmp_path / os.path.basename(nb)
    papermill.execute_notebook(str(ROOT / nb), str(out), cwd=str(ROOT / 'nbs'), kernel_name='python3',
                               progress_bar=False, log_output=False)
    assert out.is_file()
    # no FluidSynth, yet every player's audio comes from a SoundFont (tinysoundfont), never the plain synthesiser
    import json
    shown = ''.join(''.join(o.get('data', {}).get('text/html', '')) for c in json.loads(out.read_text())['cells']
                    for o in c.get('outputs', []))                     # what the notebook displayed, not its code
    made = re.findall(r'audio: ([^<]+)<', shown)
    assert all(m.startswith('tinysoundfont:') for m in made), (nb, sorted(set(made)))
    if '<audio' in shown: assert made, f'{nb}: a player without its caption'
    shutil.copy(out, executed_notebooks / f'.{out.name}.part'); os.replace(executed_notebooks / f'.{out.name}.part',
                                                                           executed_notebooks / out.name)


if __name__ == '__main__': print(skip_regex())    # for the Makefile
