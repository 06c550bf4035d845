"""No measured number is typed into a chapter's prose: every figure a chapter reports is printed by its code from what
it measured (or from its metrics), so prose and metrics cannot disagree (issue 30, item 7).

A number in a chapter's static Markdown must be one of: a small count (at most 16: "4 notes", "3 seeds"), a year, a
setting of `params.yaml` (a knob's value, or a base length of the profile's rule), a number of the study's row on the
scorecard (`Claim.study`), or a published or analytic figure listed below with its source. Anything else is a
measurement in prose: it fails here, naming the notebook and the line. Quoted study text (Markdown block quotes) is the
study's own words and is not checked."""
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / 'nbs').glob('5*_chapter.ipynb')) + [ROOT / 'nbs' / '24_gesture_play.ipynb',
                                                               ROOT / 'nbs' / '60_scorecard.ipynb']

# figures that are not ours: the study's, the papers' it cites, and arithmetic; each with where it comes from
PUBLISHED = {
    '50_charrnn_chapter': {512: "the study's 3 x 512 LSTM", 1024: 'Performance RNN, 3 x 1024 (Huang et al. 2018)',
                           1.969: 'Huang et al. 2018, Table 3, Performance RNN on the Piano-e-Competition test set',
                           388: 'the Performance RNN event vocabulary'},
    '51_seqae_chapter': {65536: '2^16 points of a 16-bit code'},
    '55_pix2pix_chapter': {512: "the study's longest crop (128, 256, 512 steps)"},
    '56_seqgan_chapter': {0.9210: 'Yu et al. 2017, BLEU-4 of MLE on Nottingham', 0.9406: 'Yu et al. 2017, SeqGAN',
                          9.038: 'Yu et al. 2017, Table 1, MLE', 8.736: 'Yu et al. 2017, Table 1, SeqGAN'},
    '57_wgan_abc_chapter': {1080: "the study's GPU (a GTX 1080)"},
    '58_refine_chapter': {62.5: 'rounding recovers a 4-step value when U(0.8, 1.2) stays within 1/8: 0.25 / 0.4',
                          15.6: 'the same for a 16-step value: 1/32 either side, 0.0625 / 0.4',
                          13.9: 'published velocity models on MAESTRO: Seq2Seq MAE', 0.34: 'its correlation',
                          11.5: 'U-Net MAE', 9.8: 'the best MAE', 0.72: 'its correlation',
                          12.7: 'a tenth of the velocity range 0..127'},
}


def _values(x):
    if isinstance(x, dict):
        for k, v in x.items(): yield from _values(k); yield from _values(v)
    elif isinstance(x, (list, tuple)):
        for v in x: yield from _values(v)
    elif isinstance(x, (int, float)) and not isinstance(x, bool): yield float(x)
    elif isinstance(x, str):
        for m in re.findall(r'\d+(?:\.\d+)?', x): yield float(m)


def _settings() -> set[float]:
    return set(_values(yaml.safe_load((ROOT / 'params.yaml').read_text())))


def _study_numbers() -> dict[str, set[float]]:
    from deep_symphony.evaluate.claims import CLAIMS
    out: dict[str, set[float]] = {}
    for c in CLAIMS:
        out.setdefault(c.chapter, set()).update(float(m.replace(',', ''))
                                                 for m in re.findall(r'\d[\d,]*(?:\.\d+)?', c.study))
    return out


NUMBER = re.compile(r'(?<![\w.\[`-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w\]`])')


def prose_numbers(nb_path: Path):
    "Every number of `nb_path`'s static Markdown outside block quotes and code spans: (number, line)."
    for c in json.loads(nb_path.read_text())['cells']:
        if c['cell_type'] != 'markdown': continue
        for line in ''.join(c['source']).split('\n'):
            if line.lstrip().startswith('>'): continue
            text = re.sub(r'`[^`]*`', '``', line)                  # code spans name knobs and files, not figures
            text = re.sub(r'\]\([^)]*\)', ']()', text)             # link targets
            for m in NUMBER.finditer(text):
                yield float(m.group(1).replace(',', '') + (m.group(2) or '')), line.strip()


def unexplained(nb_path: Path, settings: set[float], study: dict[str, set[float]]) -> list[str]:
    key = nb_path.stem; published = {float(k) for k in PUBLISHED.get(key, {})}
    bad = []
    for v, line in prose_numbers(nb_path):
        if (v.is_integer() and v <= 16) or 1900 < v < 2100: continue
        if v in settings or v in study.get(key, set()) or v in published: continue
        bad.append(f'{nb_path.name}: {v:g} in "{line[:160]}"')
    return bad


@pytest.mark.parametrize('nb', CHAPTERS, ids=lambda p: p.stem)
def test_no_measurement_in_prose(nb):
    assert nb.is_file(), nb
    bad = unexplained(nb, _settings(), _study_numbers())
    assert not bad, 'numbers in prose that are neither settings, the study\'s nor published (print them from ' \
                    'the metrics instead):\n' + '\n'.join(bad)


def test_the_check_can_fail(tmp_path):
    "A measured figure typed into prose is caught; the same figure in a block quote or a code cell is not."
    cells = [{'cell_type': 'markdown', 'metadata': {}, 'source': ['The conditional model scores 1.234 nats/event.']},
             {'cell_type': 'markdown', 'metadata': {}, 'source': ['> the study: 1.234']},
             {'cell_type': 'code', 'metadata': {}, 'source': ['x = 1.234'], 'outputs': [], 'execution_count': None}]
    p = tmp_path / '50_charrnn_chapter.ipynb'
    p.write_text(json.dumps({'cells': cells, 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}))
    bad = unexplained(p, _settings(), _study_numbers())
    assert len(bad) == 1 and '1.234' in bad[0]
    cells[0]['source'] = ['Three seeds of 4 notes each; the study\'s 3 x 512 model.']
    p.write_text(json.dumps({'cells': cells, 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}))
    assert unexplained(p, _settings(), _study_numbers()) == []


def test_published_figures_are_still_in_the_prose():
    "The list above holds no figure a chapter no longer states (it cannot quietly allow new ones)."
    for key, figs in PUBLISHED.items():
        stated = {v for v, _ in prose_numbers(ROOT / 'nbs' / f'{key}.ipynb')}
        assert {float(k) for k in figs} <= stated, (key, sorted({float(k) for k in figs} - stated))
