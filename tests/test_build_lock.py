"""One build of a workspace at a time: a second is refused (exit 3) and touches nothing; a killed build frees the lock."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from jiyi.build import build_lock
from jiyi.workspace import Workspace

from helpers import DEMO_SOURCE

JIYI = str(Path(sys.executable).parent / "jiyi")


def jiyi(*args):
    return subprocess.run([JIYI, *args], capture_output=True, text=True, timeout=600)


def test_a_second_build_is_refused_while_one_holds_the_workspace(tmp_path):
    assert jiyi("init", str(tmp_path / "ws")).returncode == 0
    ws = Workspace(tmp_path / "ws")
    with build_lock(ws):
        for command in (["build"], ["ingest"], ["search", "--build", "--list"]):
            refused = jiyi(*command, "--workspace", str(ws.root))
            assert refused.returncode == 3, (command, refused.stderr)
            assert "E040" in refused.stderr and f"process {os.getpid()}" in refused.stderr
            assert "Traceback" not in refused.stderr
        assert not ws.records_file.exists()  # nothing was built by the refused runs
    assert jiyi("build", "--workspace", str(ws.root), "--quiet").returncode in (0, 1)  # free again once released
    assert ws.records_file.is_file()


def test_a_build_killed_midway_leaves_no_lock_behind(tmp_path):
    root = tmp_path / "demo"
    shutil.copytree(DEMO_SOURCE, root)
    ws = Workspace(root)
    first = subprocess.Popen([JIYI, "build", "--workspace", str(root), "--quiet"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = ws.build / ".lock"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and f"process {first.pid}" not in (lock.read_text() if lock.exists() else ""):
        time.sleep(0.05)
    assert f"process {first.pid}" in lock.read_text(), "the build never took the lock"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    again = jiyi("build", "--workspace", str(root), "--quiet")
    assert again.returncode == 0, again.stderr
