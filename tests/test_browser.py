"""The gesture widget in a real browser (issue 15): Voilà serves `demos/gesture.ipynb` on 127.0.0.1, Playwright drives
Debian's Chromium: move the hand-height slider, press Generate, wait for an audio source and a drawn piano roll, move
it again and see both replaced; a screenshot is saved. Skipped where Chromium, Playwright or Voilà is missing (`.ci/run`
installs Chromium; Playwright and Voilà are dev requirements)."""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
pytest.importorskip('voila')
sync_api = pytest.importorskip('playwright.sync_api')
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason='no Chromium (apt-get install chromium)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


@pytest.fixture
def voila(tmp_path, request):
    "Voilà serving a demo (`demos/<param>.ipynb`; an untrained small model: no checkpoint) on a free local port."
    port, demo = free_port(), getattr(request, 'param', 'gesture')
    env = os.environ | {'DEEP_SYMPHONY_CHECKPOINT': str(tmp_path / 'none.pt'), 'DEEP_SYMPHONY_NO_FLUIDSYNTH': '1'}
    log = open(tmp_path / 'voila.log', 'w')
    proc = subprocess.Popen([sys.executable, '-m', 'voila', str(ROOT / 'demos' / f'{demo}.ipynb'), '--no-browser',
                             f'--port={port}', '--Voila.ip=127.0.0.1'], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}/'
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(url, timeout=2): break
            except OSError: time.sleep(0.5)
            if proc.poll() is not None: pytest.fail(f'voila exited: {(tmp_path / "voila.log").read_text()[-2000:]}')
        yield url
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill()
        log.close()


@contextlib.contextmanager
def widget_page(url):
    "A headless Chromium page on a Voilà demo, once its Generate button is there."
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--headless'])
        try:
            page = browser.new_page(viewport={'width': 1100, 'height': 950})
            page.goto(url, timeout=180_000)
            page.wait_for_selector('button:has-text("Generate")', timeout=180_000)
            yield page
        finally:
            browser.close()


def test_the_gesture_widget_plays_in_chromium_under_voila(voila, tmp_path):
    with widget_page(voila) as page:
        height = page.locator('.widget-slider').filter(has_text='hand height')
        height.locator('.noUi-handle').focus(); page.keyboard.press('End')      # the hand to the top
        sync_api.expect(height.locator('.widget-readout')).to_have_text('1.00')
        page.click('button:has-text("Generate")')
        page.wait_for_function("() => { const a = document.querySelector('audio'); return a && a.src; }",
                               timeout=120_000)
        page.wait_for_function("() => { const i = document.querySelector('.widget-image'); "
                               "return i && i.src && i.naturalWidth > 100; }", timeout=120_000)
        sync_api.expect(page.locator('text=generation 1')).to_be_visible()
        first_audio = page.eval_on_selector('audio', 'a => a.src')
        first_roll = page.eval_on_selector('.widget-image', 'i => i.src')
        height.locator('.noUi-handle').focus(); page.keyboard.press('Home')     # and to the bottom
        page.click('button:has-text("Generate")')
        sync_api.expect(page.locator('text=generation 2')).to_be_visible(timeout=120_000)
        page.wait_for_function('([a, i]) => document.querySelector("audio").src !== a && '
                               'document.querySelector(".widget-image").src !== i', arg=[first_audio, first_roll],
                               timeout=60_000)
        shot = tmp_path / 'gesture_widget.png'
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        if out := os.environ.get('DEEP_SYMPHONY_SCREENSHOTS'):
            Path(out).mkdir(parents=True, exist_ok=True); shutil.copy(shot, out)


@pytest.mark.parametrize('voila', ['emg'], indirect=True)
def test_the_emg_widget_plays_in_chromium_under_voila(voila, tmp_path):
    with widget_page(voila) as page:
        page.locator('.noUi-handle').first.focus(); page.keyboard.press('End')     # channel 1 fully active
        page.click('button:has-text("Generate")')
        sync_api.expect(page.locator('text=generation 1')).to_be_visible(timeout=120_000)
        sync_api.expect(page.locator('text=channels 1.00 0.50')).to_be_visible()
        page.wait_for_function("() => { const a = document.querySelector('audio'); return a && a.src; }",
                               timeout=60_000)
        page.click('.widget-toggle-button:has-text("replay")')                      # a replay, no folder
        page.click('button:has-text("Generate")')
        sync_api.expect(page.locator('text=replay: give a folder')).to_be_visible(timeout=60_000)
        assert page.eval_on_selector('.widget-image', 'i => i.naturalWidth') > 100  # the piece is still shown
        page.screenshot(path=str(tmp_path / 'emg_widget.png'), full_page=True)
