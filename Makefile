# The two commands of README.md. Everything the project needs is installed from here.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat setup.py settings.ini | md5sum | cut -c1-12)
export PATH := $(abspath $(VENV))/bin:$(PATH)
# Test notebooks' cells flagged `fluidsynth` too when FluidSynth and a SoundFont are installed.
NBDEV_FLAGS := $(shell ls /usr/share/sounds/sf2/*.sf2 >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q libfluidsynth && echo fluidsynth)

.PHONY: install reproduce test data-export bench clean-venv

$(STAMP):
	test -x $(PY) || python3 -m venv $(VENV)
	# the CPU build of torch first: a bare `torch` requirement would pull a multi-GB CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

data-export: install
	# also puts the tree into DVC's cache (data.dvc changes only if music21 ships a different corpus)
	deep-symphony data export --corpus all --out data

# The main job: materialise the embedded corpus, then regenerate every result.
reproduce: data-export
	deep-symphony params check params.yaml
	dvc repro

# The notebooks `dvc repro` executes. pytest runs them (tests/test_stage_notebooks.py) with papermill, every cell, as
# DVC does, and with FluidSynth switched off; nbdev_test runs every other notebook.
STAGE_NOTEBOOKS := nbs/04_prepare.ipynb nbs/03_encoders.ipynb nbs/05_render.ipynb nbs/09_charrnn.ipynb \
	nbs/50_charrnn_chapter.ipynb nbs/59_evaluation_chapter.ipynb nbs/12_seqae.ipynb nbs/51_seqae_chapter.ipynb \
	nbs/15_rnngan.ipynb nbs/16_wgan.ipynb nbs/17_dcrnn.ipynb nbs/18_pix2pix.ipynb nbs/52_rnngan_chapter.ipynb \
	nbs/53_wgan_chapter.ipynb nbs/54_dcrnn_chapter.ipynb nbs/55_pix2pix_chapter.ipynb
empty :=
space := $(empty) $(empty)
STAGE_RE := ^[_.]|^($(subst $(space),|,$(strip $(basename $(notdir $(STAGE_NOTEBOOKS))))))\.ipynb$$

# Every test: lint (ruff on the notebooks and the tests), the notebooks (nbdev_test, papermill) and the integration
# tests (pytest).
test: install
	ruff check nbs tests
	nbdev_test --n_workers 2 --skip_file_re '$(STAGE_RE)' $(if $(NBDEV_FLAGS),--flags $(NBDEV_FLAGS))
	pytest -q -n 2 tests

clean-venv:
	rm -rf $(VENV)
