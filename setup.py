"""Package definition read from nbdev's settings.ini (the single source of metadata)."""
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']
requirements = cfg.get('requirements', '').split()
dev_requirements = cfg.get('dev_requirements', '').split()

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    author=cfg['author'],
    license=cfg['license'],
    python_requires='>=' + cfg['min_python'],
    packages=setuptools.find_packages(include=['deep_symphony', 'deep_symphony.*']),
    install_requires=requirements,
    extras_require={'dev': dev_requirements},
    include_package_data=True,
    zip_safe=False,
    entry_points={
        'console_scripts': cfg.get('console_scripts', '').split(),
        'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"],
    },
)
