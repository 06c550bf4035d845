# The two commands of README.md. Everything the project needs is installed from here.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat setup.py settings.ini Makefile | md5sum | cut -c1-12)
export PATH := $(abspath $(VENV))/bin:$(PATH)
# Test notebooks' cells flagged `fluidsynth` too when FluidSynth and a SoundFont are installed.
NBDEV_FLAGS := $(shell ls /usr/share/sounds/sf2/*.sf2 >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q libfluidsynth && echo fluidsynth)

.PHONY: install reproduce reproduce-piano reproduce-emg reproduce-study test lint export sync docs data-export bench clean-venv

$(STAMP):
	test -x $(PY) || python3 -m venv $(VENV)
	# the CPU build of torch first: a bare `torch` requirement would pull a multi-GB CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	# the Myo armband reader: pyomyo's listed requirements (pygame, scikit-learn, xgboost) are unused
	$(PY) -m pip install --quiet --no-deps pyomyo==0.0.5 pyserial==3.5
	# SoundFont audio without FluidSynth: tinysoundfont's pyaudio requirement (PortAudio headers) serves only live playback
	$(PY) -m pip install --quiet --no-deps tinysoundfont==0.3.7
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

data-export: install
	# also puts the tree into DVC's cache (data.dvc changes only if music21 ships a different corpus)
	deep-symphony data export --corpus all --out data

# The main job: materialise the embedded corpus, then regenerate every result (the main pipeline, dvc.yaml).
reproduce: data-export
	deep-symphony params check params.yaml
	# `dvc repro`, with independent stages side by side (one per core, each with its share of the threads)
	deep-symphony repro dvc.yaml
	deep-symphony times reports
	@test -d data/piano || echo "note: no piano material in data/piano, so the Velocity Net was not trained: run 'deep-symphony data download piano-midi' (or put piano MIDI files in data/piano), then 'make reproduce-piano'"

# The piano pipeline (piano/dvc.yaml): the Velocity Net learns dynamics from the piano MIDI in data/piano, then the
# Refine chapter runs with it; the main pipeline's stages it needs run first if they are not up to date.
reproduce-piano: data-export
	@test -n "$$(find -L data/piano -iname '*.mid*' -print -quit 2>/dev/null)" || { echo "make reproduce-piano: no MIDI files in data/piano: run 'deep-symphony data download piano-midi' or copy a folder of piano MIDI there" >&2; exit 2; }
	deep-symphony params check params.yaml
	deep-symphony repro piano/dvc.yaml
	deep-symphony times piano/reports
	deep-symphony scorecard --out metrics/scorecard.json

# The EMG pipeline (emg/dvc.yaml): the Myo recordings in data/emg (sessions `<participant>-<session>/<gesture>.txt`)
# steer the trained DCRNN; the EMG chapter, then the one scorecard (over metrics/, piano/metrics, emg/metrics) again.
# The main stages it needs run first.
reproduce-emg: data-export
	@test -n "$$(find -L data/emg -name '*.txt' -print -quit 2>/dev/null)" || { echo "make reproduce-emg: no recordings in data/emg: link a folder of Myo sessions there (ln -s /path/to/myo_emg data/emg)" >&2; exit 2; }
	deep-symphony params check params.yaml
	deep-symphony repro emg/dvc.yaml
	deep-symphony times emg/reports
	deep-symphony scorecard --out metrics/scorecard.json

# The study profile (params-study.yaml: the study's sizes, every training at its full length): the three pipelines
# again in a worktree of this commit (.study/, its own DVC cache), so the CPU profile's results stay as they are; its
# metrics are copied to metrics/study/profile/, and metrics/scorecard.json judges every claim on both. Days on
# 2 CPU cores (README); run it where a GPU is. data/piano and data/emg are linked in when present.
STUDY ?= .study
reproduce-study: install
	deep-symphony params check params-study.yaml
	# the worktree at this commit (an earlier run's worktree is moved to it; its DVC outputs stay for `dvc repro`)
	test -d $(STUDY) || git worktree add --detach $(STUDY) HEAD
	git -C $(STUDY) checkout -q -f --detach $$(git rev-parse HEAD)
	cp params-study.yaml $(STUDY)/params.yaml
	mkdir -p $(STUDY)/data
	for d in piano emg; do if test -e data/$$d; then ln -sfn "$$(readlink -f data/$$d)" $(STUDY)/data/$$d; fi; done
	# the worktree's library first (PYTHONPATH), this virtual environment's packages
	PYTHONPATH=$(abspath $(STUDY)) $(MAKE) -C $(STUDY) reproduce VENV=$(abspath $(VENV))
	if test -e $(STUDY)/data/piano; then PYTHONPATH=$(abspath $(STUDY)) $(MAKE) -C $(STUDY) reproduce-piano VENV=$(abspath $(VENV)); fi
	if test -e $(STUDY)/data/emg; then PYTHONPATH=$(abspath $(STUDY)) $(MAKE) -C $(STUDY) reproduce-emg VENV=$(abspath $(VENV)); fi
	mkdir -p metrics/study/profile
	cp -r $(STUDY)/metrics/. metrics/study/profile/
	rm -rf metrics/study/profile/study    # the worktree's copy of this commit's metrics/study, not the study run's
	for d in piano emg; do if test -d $(STUDY)/$$d/metrics; then mkdir -p metrics/study/profile/$$d && cp -r $(STUDY)/$$d/metrics/. metrics/study/profile/$$d/; fi; done
	# each seed's replicates where the scorecard looks for them (seeds/s<k>/<metrics folder>/)
	for s in $(STUDY)/seeds/s*; do k=$$(basename $$s); for d in '' piano emg; do \
	  if test -d $$s/$$d/metrics; then mkdir -p seeds/$$k/metrics/study/profile/$$d && cp -r $$s/$$d/metrics/. seeds/$$k/metrics/study/profile/$$d/; fi; done; done
	deep-symphony scorecard --out metrics/scorecard.json

# The study as a website in _docs/ (open _docs/index.html): the chapters from the notebooks `make reproduce` executed
# (reports/), the scorecard, the module notebooks as API reference. nbconvert, no network.
docs: install
	deep-symphony docs --out _docs

# The library from the notebooks (nbdev_export, exactly what it writes), then nbdev_clean; the DVC graph from the code
# (`deep-symphony dvc sync`: each stage's modules, params and plots).
export: install
	nbdev_export
	nbdev_clean

sync: install
	deep-symphony dvc sync

# ruff over the library, the notebooks (ruff reads .ipynb itself), the tests, the benchmarks and the study runs: unused
# imports, import order, lines of at most 120 characters (ruff.toml).
lint: install
	ruff check deep_symphony nbs tests bench study

# Every test: lint, the notebooks and the integration tests (pytest). The notebooks `dvc repro` executes (listed from
# dvc.yaml) run in pytest, through papermill with FluidSynth switched off (tests/test_stage_notebooks.py); nbdev_test
# runs every other notebook.
test: install lint
	skip="$$(python tests/test_stage_notebooks.py)" && nbdev_test --n_workers 2 --skip_file_re "$$skip" $(if $(NBDEV_FLAGS),--flags $(NBDEV_FLAGS))
	pytest -q -n 2 tests

clean-venv:
	rm -rf $(VENV)
