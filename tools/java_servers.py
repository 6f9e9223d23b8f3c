"""What the Neo4j and Fuseki tools share: jars from Maven Central into Jiyi's cache, and loopback ports.

Plain standard library, like the tools: they run before the virtual environment exists.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMPLETE = ".complete"  # written last by fetch_jars: a lib folder without it is a half-done fetch


def cache_root() -> Path:
    return Path(os.environ.get("JIYI_CACHE") or Path.home() / ".cache" / "jiyi")


def fetch_jars(pom: str, lib: Path, *, what: str, error: type[Exception], maven_args: tuple[str, ...] = (),
               quiet: bool = True) -> Path:
    """`lib` filled with the dependencies `pom` declares, by Maven, the first time only.

    Maven copies into lib.partial, renamed to lib once complete, so an interrupted fetch
    never looks done. `what` names the artifact in messages; `error` is the tool's own.
    """
    if (lib / COMPLETE).is_file():
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise error(f"mvn not found: fetching {what} from Maven Central needs Maven (Debian: `apt-get install maven`)")
    lib.parent.mkdir(parents=True, exist_ok=True)
    partial = lib.parent / "lib.partial"
    shutil.rmtree(partial, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="jiyi-pom-") as work:
        (Path(work) / "pom.xml").write_text(pom, encoding="utf-8")
        if not quiet:
            print(f"fetching {what} and its runtime dependencies with Maven …", file=sys.stderr)
        done = subprocess.run([mvn, "-B", "-q", "dependency:copy-dependencies", *maven_args, f"-DoutputDirectory={partial}"],
                              cwd=work, capture_output=True, text=True)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()
        raise error(f"Maven could not fetch {what} (exit {done.returncode}):\n  " + "\n  ".join(output[-25:]))
    shutil.rmtree(lib, ignore_errors=True)
    partial.rename(lib)
    (lib / COMPLETE).write_text(what + "\n", encoding="utf-8")
    return lib


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int, *, reuse_address: bool = False) -> bool:
    """True when nothing listens on `port`; with reuse_address, connections closing on it do not count."""
    with socket.socket() as probe:
        if reuse_address:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def process_running(process: subprocess.Popen | None, pid: int | None) -> bool:
    """Whether a server runs: the child this process started, or the pid a pid file named."""
    if process is not None:
        return process.poll() is None
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def stop_process(process: subprocess.Popen | None, pid: int | None, timeout: float = 60) -> None:
    """SIGTERM lets a Java server close its stores; SIGKILL only if it hangs past `timeout`."""
    if not process_running(process, pid):
        return
    pid = process.pid if process is not None else pid
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while process_running(process, pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if process_running(process, pid):
        os.kill(pid, signal.SIGKILL)
    if process is not None:
        process.wait(timeout=10)


def java_executable(what: str, error: type[Exception]) -> str:
    """The java of $JAVA_HOME, else the one on PATH; `error` (the tool's own) names `what` needs it."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        raise error(f"java not found: {what} needs Java 17 or 21 "
                    "(Debian: `apt-get install openjdk-17-jdk-headless`, or set JAVA_HOME)")
    return java
