"""Downloaders against a local HTTP server on 127.0.0.1 serving archives the test makes."""
import hashlib
import io
import tarfile
import zipfile

import pytest
from conftest import run_cli

from deep_symphony.core import ChecksumError, DownloadError
from deep_symphony.download import RangeHandler, download, fetch_dataset, serve_directory
from deep_symphony.prepare import prepare


@pytest.fixture
def server(tmp_path):
    (tmp_path / 'srv').mkdir()
    class Handler(RangeHandler): cut_after = None
    srv, url = serve_directory(tmp_path / 'srv', Handler)
    yield tmp_path / 'srv', url, Handler
    srv.shutdown()


def maestro_like_zip(path):
    "A tiny archive laid out like MAESTRO: year folders of MIDI files and the metadata CSV with splits."
    from deep_symphony.music import Song, to_pretty_midi
    buf = io.BytesIO()
    with zipfile.ZipFile(path, 'w') as z:
        rows = ['canonical_composer,canonical_title,split,year,midi_filename,audio_filename,duration']
        for i, split in enumerate(['train', 'train', 'validation', 'test']):
            b = io.BytesIO(); to_pretty_midi(Song.from_notes([(60 + i, 0, 0.5, 80), (64 + i, 0.5, 1, 90)])).write(b)
            name = f'2018/piece{i}.midi'
            z.writestr(f'maestro-v3.0.0/{name}', b.getvalue())
            rows.append(f'Composer,Piece {i},{split},2018,{name},{name[:-5]}.wav,1.0')
        z.writestr('maestro-v3.0.0/maestro-v3.0.0.csv', '\n'.join(rows) + '\n')
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_maestro_resumes_verifies_and_keeps_official_splits(server, tmp_path):
    srv_dir, url, Handler = server
    digest = maestro_like_zip(srv_dir / 'maestro.zip')
    Handler.cut_after = 500                          # the first attempt is cut short
    with pytest.raises(DownloadError, match='resume'):
        fetch_dataset('maestro', tmp_path / 'raw', url=f'{url}/maestro.zip', sha256=digest)
    assert (tmp_path / 'raw' / 'maestro-v3.0.0-midi.zip.part').stat().st_size == 500
    Handler.cut_after = None
    folder = fetch_dataset('maestro', tmp_path / 'raw', url=f'{url}/maestro.zip', sha256=digest)
    root = folder / 'maestro-v3.0.0'
    assert (root / 'maestro-v3.0.0.csv').is_file()
    rep = prepare(root, tmp_path / 'prepared', workers=1)
    assert {k: v['songs'] for k, v in rep['splits'].items()} == {'train': 2, 'valid': 1, 'test': 1}
    assert rep['skipped'] == []


def test_checksum_mismatch_removes_the_partial_file(server, tmp_path):
    srv_dir, url, _ = server
    (srv_dir / 'x.zip').write_bytes(b'PK' + b'0' * 1000)
    with pytest.raises(ChecksumError):
        download(f'{url}/x.zip', tmp_path / 'x.zip', sha256='f' * 64)
    assert not (tmp_path / 'x.zip').exists() and not (tmp_path / 'x.zip.part').exists()


def test_cli_download_nottingham_tarball(server, tmp_path):
    srv_dir, url, _ = server
    with tarfile.open(srv_dir / 'nott.tar.gz', 'w:gz') as t:
        data = b'X:1\nT:Tune\nK:G\nGABc|d2d2|]\n'
        info = tarfile.TarInfo('nottingham-dataset-master/ABC_cleaned/jigs.abc'); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    digest = hashlib.sha256((srv_dir / 'nott.tar.gz').read_bytes()).hexdigest()
    r = run_cli('data', 'download', 'nottingham', '--out', tmp_path / 'raw', '--url', f'{url}/nott.tar.gz',
                '--sha256', digest)
    assert r.returncode == 0, r.stderr
    jigs = tmp_path / 'raw' / 'nottingham' / 'nottingham-dataset-master' / 'ABC_cleaned' / 'jigs.abc'
    assert jigs.read_bytes() == data
    r = run_cli('data', 'download', 'nottingham', '--out', tmp_path / 'raw2', '--url', f'{url}/nott.tar.gz',
                '--sha256', '0' * 64)
    assert r.returncode == 2 and 'SHA-256' in r.stderr and 'Traceback' not in r.stderr
    r = run_cli('data', 'download', 'nottingham', '--out', tmp_path / 'raw3', '--url', f'{url}/missing.zip')
    assert r.returncode == 2 and '404' in r.stderr


def test_cli_download_piano_midi_into_data_piano(server, tmp_path):
    "`data download piano-midi` lands in data/piano (archive hidden), resumes, and prepares as a piano corpus."
    from deep_symphony.music import Song, to_pretty_midi
    srv_dir, url, Handler = server
    with zipfile.ZipFile(srv_dir / 'piano.zip', 'w') as z:
        z.writestr('ClassicalPianoMIDI-dataset-main/metadata.csv', 'composer,title,year,midi,duration\n')
        for i in range(3):
            b = io.BytesIO()
            to_pretty_midi(Song.from_notes([(60 + i, 0, 0.5, 40 + 10 * i), (67, 0.5, 1, 100)])).write(b)
            z.writestr(f'ClassicalPianoMIDI-dataset-main/midis/Bach/piece{i}.mid', b.getvalue())
    digest = hashlib.sha256((srv_dir / 'piano.zip').read_bytes()).hexdigest()
    Handler.cut_after = 300
    r = run_cli('data', 'download', 'piano-midi', '--url', f'{url}/piano.zip', '--sha256', digest, cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].startswith('deep-symphony: error:')
    assert 'run again to resume' in r.stderr
    Handler.cut_after = None
    r = run_cli('data', 'download', 'piano-midi', '--url', f'{url}/piano.zip', '--sha256', digest, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    piano = tmp_path / 'data' / 'piano'
    assert (piano / '.downloads' / 'ClassicalPianoMIDI-dataset.zip').is_file()
    rep = prepare(piano, tmp_path / 'prepared_piano', encodings='notes', workers=1)
    assert rep['files_read'] == 3 and sum(v['songs'] for v in rep['splits'].values()) == 3
