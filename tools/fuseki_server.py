"""A throwaway Apache Jena Fuseki for testing the push to a user's SPARQL store.

    python tools/fuseki_server.py fetch          # download Fuseki 5.6.0 with Maven (once)
    python tools/fuseki_server.py start [PORT]   # in-memory, updatable dataset at /ds on loopback
    python tools/fuseki_server.py stop

Fuseki comes from Maven Central as the jena-fuseki-main artifact and its dependencies,
so the only tools needed are Java 17 and Maven. The jars land in
$JIYI_CACHE/fuseki-5.6.0/lib (default ~/.cache/jiyi/fuseki-5.6.0/lib).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# java_servers.py sits beside this file; put its folder on the path however this file is
# loaded (run as a script, or by path from the tests).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from java_servers import cache_root, fetch_jars, free_port, port_is_free  # noqa: E402

VERSION = "5.6.0"
# jena-fuseki-main declares its logging back end optional; without it Fuseki will not start.
LOG4J_VERSION = "2.25.2"  # the version Jena 5.6.0's parent pom pins
MAIN_CLASS = "org.apache.jena.fuseki.main.cmds.FusekiMainCmd"
DATASET = "ds"

POM = f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>jiyi.tools</groupId>
  <artifactId>fuseki-fetch</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.jena</groupId><artifactId>jena-fuseki-main</artifactId><version>{VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>{LOG4J_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>{LOG4J_VERSION}</version>
    </dependency>
  </dependencies>
</project>
"""


class FusekiError(RuntimeError):
    """Fuseki could not be fetched or started; the message says why and what to do."""


def cache_dir() -> Path:
    return cache_root() / f"fuseki-{VERSION}"


def lib_dir() -> Path:
    return cache_dir() / "lib"


def fetch() -> Path:
    """Download Fuseki's jars into the cache, unless a previous fetch completed."""
    if shutil.which("java") is None:
        raise FusekiError("`java` is not on PATH: install Java 17 (apt-get install openjdk-17-jre-headless)")
    return fetch_jars(POM, lib_dir(), what=f"jena-fuseki-main {VERSION}", error=FusekiError)


@dataclass
class Fuseki:
    """A running Fuseki: its process, port and the URLs of its one dataset."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/{DATASET}"

    @property
    def query_endpoint(self) -> str:
        return f"{self.base}/query"

    @property
    def update_endpoint(self) -> str:
        return f"{self.base}/update"

    @property
    def graph_store_endpoint(self) -> str:
        return f"{self.base}/data"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def command(port: int, passwd_file: Path | None = None) -> list[str]:
    """The java command line: an in-memory dataset /ds that accepts updates, on loopback only."""
    # A small heap: the tests push a few thousand triples, and the machine is shared.
    cmd = ["java", "-Xmx512m", "-cp", f"{lib_dir()}/*", MAIN_CLASS, "--mem", "--update", "--localhost", "--ping",
           f"--port={port}"]
    if passwd_file is not None:  # every request then needs HTTP basic auth
        cmd += ["--auth=basic", f"--passwd={passwd_file}"]
    return cmd + [f"/{DATASET}"]


def start(port: int = 0, *, passwd_file: Path | None = None, log: Path | None = None, wait: float = 60.0) -> Fuseki:
    """Start Fuseki (fetching it first if needed) and return once /$/ping answers."""
    fetch()
    port = port or free_port()
    # Bound as Jetty binds (SO_REUSEADDR: closing connections do not count); a port in use would
    # make the wait below take another server's answer for ours.
    if _pings(port) or not port_is_free(port, reuse_address=True):
        raise FusekiError(f"port {port} is already in use: stop what listens there, or choose another port")
    log = log or cache_dir() / f"fuseki-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command(port, passwd_file), stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = Fuseki(process, port, log)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise FusekiError(f"Fuseki exited with code {process.returncode} at start; its log ({log}) ends:\n{_log_tail(log)}")
        if _pings(port):
            return server
        time.sleep(0.25)
    server.stop()
    raise FusekiError(f"Fuseki did not answer on port {port} within {wait:.0f}s; its log ({log}) ends:\n{_log_tail(log)}")


def _pings(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/$/ping", timeout=2) as response:
            return response.status == 200
    except urllib.error.HTTPError as exc:  # with --passwd even the ping wants a login: it answered, so it is up
        return exc.code == 401
    except (urllib.error.URLError, OSError):
        return False


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _log_tail(log: Path) -> str:
    return _tail(log.read_text(encoding="utf-8", errors="replace")) if log.is_file() else "(no log written)"


def _pid_file() -> Path:
    return cache_dir() / "fuseki.pid"


def main(argv: list[str]) -> int:
    action = argv[0] if argv else ""
    try:
        if action == "fetch":
            print(f"Fuseki {VERSION} in {fetch()}")
        elif action == "start":
            if _pid_file().is_file():
                print(f"a Fuseki started by this tool may still run (pid {_pid_file().read_text().strip()}): "
                      "python tools/fuseki_server.py stop", file=sys.stderr)
                return 1
            server = start(int(argv[1]) if len(argv) > 1 else 0)
            _pid_file().write_text(f"{server.process.pid}\n", encoding="utf-8")
            print(f"Fuseki {VERSION} running (pid {server.process.pid}, log {server.log})\n"
                  f"  query:        {server.query_endpoint}\n  update:       {server.update_endpoint}\n"
                  f"  graph store:  {server.graph_store_endpoint}\nstop it with: python tools/fuseki_server.py stop")
        elif action == "stop":
            if not _pid_file().is_file():
                print("no Fuseki started by this tool is running")
                return 0
            pid = int(_pid_file().read_text(encoding="utf-8"))
            try:
                os.kill(pid, signal.SIGTERM)
                print(f"stopped Fuseki (pid {pid})")
            except ProcessLookupError:
                print(f"Fuseki (pid {pid}) had already stopped")
            _pid_file().unlink()
        else:
            print(__doc__.strip(), file=sys.stderr)
            return 2
    except FusekiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
