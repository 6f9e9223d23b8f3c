"""A normal (non-editable) install carries every package and the demo, inside one jiyi namespace."""

import os
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from helpers import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    str(REPO), "-w", str(out)], check=True, cwd=out, timeout=300)
    (path,) = out.glob("jiyi-*.whl")
    return path


def test_the_wheel_maps_top_level_folders_into_jiyi(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("jiyi/model.py", "jiyi/graph/__init__.py", "jiyi/extract/pipeline.py", "jiyi/ingest/catalogue.py",
                     "jiyi/iiif/manifests.py", "jiyi/exhibits/loader.py", "jiyi/apps/main.py",
                     "jiyi/extract/dictionaries/archives.txt", "jiyi/demo/jiyi.toml",
                     "jiyi/demo/sources/red_archives.csv", "jiyi/demo/exhibits/long-march/exhibit.yaml",
                     "jiyi/template/jiyi.toml"):
        assert expected in names
    top_level = {name.split("/")[0] for name in names}
    assert top_level <= {"jiyi", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}


def test_the_installed_wheel_builds_the_demo(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, timeout=300)
    # -S skips site-packages' .pth files, among them the editable install's import hook,
    # so jiyi comes from the wheel; the dependencies still come from site-packages.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]])}
    where = subprocess.run([sys.executable, "-S", "-c", "import jiyi.graph; print(jiyi.graph.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert not where.stderr, where.stderr
    where = where.stdout
    assert where.startswith(str(target))
    result = subprocess.run([sys.executable, "-S", "-m", "jiyi.cli", "demo", "--workspace", str(tmp_path / "demo"), "-q"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "demo" / "build" / "public" / "exhibits" / "long-march.json").is_file()
