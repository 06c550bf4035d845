"""The study as a website (issue 16): the chapters executed at their small defaults (a tiny reproduction, as papermill
runs them for `dvc repro`), the site built from them, every page opened in headless Chromium (Debian's, driven by
Playwright) with the network blocked: no request leaves the site, no console error, figures and playable audio on the
chapter pages, ABC tunes engraved as notation (abcjs) and MIDI samples in piano-roll players (html-midi-player, both
from the site's own vendor/), a scorecard row per claim, no broken link. Screenshots of the index and a chapter are
kept (`DEEP_SYMPHONY_SCREENSHOTS`)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from deep_symphony.evaluate.claims import CLAIMS
from deep_symphony.evaluate.scorecard import CARD_PENDING
from deep_symphony.site import broken_links, build_site, chapters

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
NO_FIGURE = {'59_evaluation_chapter', '60_scorecard'}     # a leaderboard and a table: rows, maybe no figure


def execute(nb:Path, out:Path):
    "Run a chapter at its small defaults, as the stage-notebook test does (no FluidSynth; figures inline)."
    env = {k: v for k, v in os.environ.items() if k != 'MPLBACKEND'} | {'DEEP_SYMPHONY_NO_FLUIDSYNTH': '1'}
    r = subprocess.run([sys.executable, '-m', 'papermill', '--no-progress-bar', '-k', 'python3', '--cwd',
                        str(ROOT / 'nbs'), str(nb), str(out)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, f'{nb.name}: {r.stderr[-2000:]}'


@pytest.fixture(scope='module')
def site(tmp_path_factory, executed_notebooks):
    """A project whose reports/ holds every chapter executed at its small defaults (those the stage-notebook test
    already ran in this session are reused; this file runs after it), and its site."""
    d = tmp_path_factory.mktemp('tiny')
    (d / 'nbs').symlink_to(ROOT / 'nbs'); (d / 'reports').mkdir()
    todo = []
    for nb in chapters(ROOT / 'nbs'):
        done = executed_notebooks / nb.name
        if done.exists(): shutil.copy(done, d / 'reports' / nb.name)
        else: todo.append(nb)
    for nb in todo: execute(nb, d / 'reports' / nb.name)
    r = build_site(d, d / '_docs')
    assert r['not_run'] == [] and len(r['executed']) == len(chapters(ROOT / 'nbs')) >= 12
    return d / '_docs', r


def test_every_page_is_there_and_every_link_resolves(site):
    docs, r = site
    assert (docs / 'index.html').exists() and broken_links(docs) == []
    index = (docs / 'index.html').read_text()
    for page in r['pages'][1:]: assert f'href="{page}"' in index, page        # every page reachable from the index
    assert '(not yet run)' not in index


@pytest.mark.skipif(CHROMIUM is None, reason='no Chromium (apt-get install chromium)')
def test_every_page_in_chromium(site, tmp_path):
    sync_api = pytest.importorskip('playwright.sync_api')
    docs, r = site
    shots = Path(os.environ.get('DEEP_SYMPHONY_SCREENSHOTS', tmp_path))
    playing, engraved = 0, {'tunes': 0, 'rolls': 0, 'pages': set()}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--headless'])
        try:
            for name in r['pages']:
                page, errors, outside = browser.new_page(viewport={'width': 1100, 'height': 900}), [], []
                page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
                page.on('pageerror', lambda e: errors.append(str(e)))
                page.on('requestfailed', lambda q: errors.append(f'request failed: {q.url[:80]}'))
                # the network is blocked: any request that leaves the site's folder is refused and counted
                page.route('**/*', lambda route: route.continue_() if route.request.url.startswith('file:')
                           else (outside.append(route.request.url), route.abort()))
                page.goto((docs / name).as_uri(), wait_until='load')
                assert outside == [], (name, outside)
                # every ABC tune engraved as staff notation (abcjs's SVG), every piano roll holding its notes
                tunes = page.locator('.abc-notation').count()
                if tunes:
                    page.wait_for_function('n => document.querySelectorAll(".abc-notation svg").length >= n', arg=tunes)
                    engraved['tunes'] += tunes; engraved['pages'].add(name)
                    assert page.locator('.abc-notation svg path').count() > 5 * tunes, name
                rolls = page.locator('midi-player').count()
                if rolls:
                    page.wait_for_function('''n => [...document.querySelectorAll('midi-player')].filter(
                        p => p.noteSequence && p.noteSequence.notes.length > 0).length >= n''', arg=rolls)
                    engraved['rolls'] += rolls
                page.wait_for_timeout(200)
                assert errors == [] and outside == [], (name, errors, outside)
                stem = name[:-len('.html')]
                if stem in r['executed']:
                    assert page.locator('img').count() + page.locator('table').count() >= 1, name
                    if stem not in NO_FIGURE: assert page.locator('img').count() >= 1, f'{name}: no figure'
                    # every player plays (a tiny GAN's samples may all be silent: then its chapter has none)
                    durations = page.eval_on_selector_all('audio', """els => Promise.all(els.slice(0, 3).map(a =>
                        new Promise(ok => { if (a.readyState >= 1) ok(a.duration);
                          else { a.addEventListener('loadedmetadata', () => ok(a.duration));
                                 a.addEventListener('error', () => ok(-1)); a.load(); } })))""")
                    assert all(t > 0 for t in durations), (name, durations)
                    playing += bool(durations)
                    # a chapter that judges claims opens with its scorecard card (filled in) and ends with a verdict
                    claims = [c for c in CLAIMS if c.chapter == stem]
                    text = page.inner_text('body')
                    assert CARD_PENDING.strip('*')[:40] not in text, f'{name}: the card was never filled in'
                    for c in claims:
                        assert text.count(c.claim[1:40]) >= 2, f'{name}: {c.key} not in its card and its verdict'
                    if claims: assert 'Verdict' in text and page.locator('table').count() >= 1, name
                if stem == '60_scorecard':
                    rows = page.locator('table').first.locator('tbody tr').count()
                    assert rows == len(CLAIMS), f'scorecard: {rows} rows'
                if name in ('index.html', '50_charrnn_chapter.html'):
                    shots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shots / f'site_{stem}.png'), full_page=name == 'index.html')
                page.close()
        finally:
            browser.close()
    assert playing >= 7, f'only {playing} chapter pages with a playable audio player'
    # the ABC chapters show their tunes (a real opening and the samples) as notation; MIDI samples have piano rolls
    assert {'56_seqgan_chapter.html', '57_wgan_abc_chapter.html'} <= engraved['pages'], engraved
    assert engraved['rolls'] >= 7, engraved
    assert (shots / 'site_index.png').stat().st_size > 10_000
