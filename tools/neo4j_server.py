"""A real Neo4j Community server for development and tests, from Maven Central jars (no Docker).

    python tools/neo4j_server.py fetch           # jars into ~/.cache/jiyi/neo4j-<version>/lib (once)
    python tools/neo4j_server.py start [--port 7687] [--password …]   # in the background
    python tools/neo4j_server.py stop
    python tools/neo4j_server.py admin --home H -- database import full …   # neo4j-admin, on a stopped server

Neo4j publishes no server tarball on Maven Central, but the `org.neo4j:neo4j` artifact
brings the whole Community server with it (kernel, Cypher, Bolt, and the entry point
`org.neo4j.server.CommunityEntryPoint`). Maven copies it and its runtime dependencies
into one folder; the server then runs as `java -cp 'lib/*' org.neo4j.server.CommunityEntryPoint
--home-dir HOME --config-dir HOME/conf`. The initial password is set the way
`neo4j-admin dbms set-initial-password` does it — that command's class
(`org.neo4j.cli.AdminTool`) is among the same jars — so auth stays on, as in production.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# java_servers.py sits beside this file; put its folder on the path however this file is
# loaded (run as a script, or by path from the tests).
sys.path.insert(0, str(Path(__file__).resolve().parent))
import java_servers  # noqa: E402
from java_servers import cache_root, fetch_jars, free_port, port_is_free, process_running, stop_process  # noqa: E402

NEO4J_VERSION = os.environ.get("JIYI_NEO4J_VERSION", "5.26.30")  # newest 5.26 LTS on Maven Central (Nov 2026)
MAVEN_COORDINATES = "org.neo4j:neo4j"  # the Community server, Bolt included (org.neo4j:neo4j-bolt comes with it)
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
USER = "neo4j"  # the only user Community has
DEV_PASSWORD = "jiyi-dev-password"  # Neo4j wants at least 8 characters
HEAP = "512m"
PAGE_CACHE = "256m"

POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>jiyi.tools</groupId>
  <artifactId>neo4j-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId><version>{version}</version></dependency>
  </dependencies>
</project>
"""


class ServerError(RuntimeError):
    """Java or Maven missing, Maven failing, or the server not answering: the message says which and what to do."""


def version_dir(version: str = NEO4J_VERSION) -> Path:
    return cache_root() / f"neo4j-{version}"


def lib_dir(version: str = NEO4J_VERSION) -> Path:
    return version_dir(version) / "lib"


def java_executable() -> str:
    return java_servers.java_executable("Neo4j 5.26", ServerError)


def fetch(version: str = NEO4J_VERSION, *, quiet: bool = False) -> Path:
    """The folder of Neo4j's jars, downloaded with Maven the first time only."""
    java_executable()
    group, artifact = MAVEN_COORDINATES.split(":")
    return fetch_jars(POM.format(group=group, artifact=artifact, version=version), lib_dir(version),
                      what=f"{MAVEN_COORDINATES}:{version}", error=ServerError, maven_args=("-DincludeScope=runtime",),
                      quiet=quiet)


def write_config(home: Path, bolt_port: int) -> Path:
    conf = home / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "neo4j.conf").write_text("\n".join([
        "# Written by tools/neo4j_server.py: loopback only, Bolt only, small memory.",
        "server.default_listen_address=127.0.0.1",
        f"server.bolt.listen_address=127.0.0.1:{bolt_port}",
        f"server.bolt.advertised_address=127.0.0.1:{bolt_port}",
        "server.http.enabled=false",
        "server.https.enabled=false",
        "dbms.security.auth_enabled=true",
        f"server.memory.pagecache.size={PAGE_CACHE}",
        "dbms.usage_report.enabled=false",
        "db.logs.query.enabled=OFF",
        "",
    ]), encoding="utf-8")
    return conf


@dataclass
class Neo4jServer:
    """One running server: where it lives, how to reach it, and its process."""

    home: Path
    bolt_port: int
    password: str
    process: subprocess.Popen | None = field(default=None, repr=False)
    pid: int | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def user(self) -> str:
        return USER

    def log_tail(self, lines: int = 30) -> str:
        tails = []
        for log in (self.home / "logs" / "console.log", self.home / "logs" / "neo4j.log"):
            if log.is_file():
                text = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                tails.append(f"--- {log} ---\n" + "\n".join(text))
        return "\n".join(tails) or f"(no logs in {self.home / 'logs'})"

    def running(self) -> bool:
        return process_running(self.process, self.pid)

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM lets Neo4j check-point and close its stores; SIGKILL only if it hangs."""
        stop_process(self.process, self.pid, timeout)
        pid_file(self.home).unlink(missing_ok=True)


def pid_file(home: Path) -> Path:
    return home / "run" / "jiyi-neo4j.pid"


def start(lib: Path, home: Path, *, password: str = DEV_PASSWORD, bolt_port: int | None = None,
          timeout: float = 180, detach: bool = False) -> Neo4jServer:
    """Start Neo4j in HOME (its conf, data and logs) and return once Bolt answers.

    The password is set before the first start; on a HOME that has already run, the
    password it was first given stays (Neo4j's own rule).
    """
    java = java_executable()
    already = running_server(home, password)
    if already is not None:
        raise ServerError(f"a Neo4j is already running from {home} (pid {already.pid}, {already.uri}): "
                          "stop it first (`python tools/neo4j_server.py stop`), or pass another --home")
    bolt_port = bolt_port or free_port()
    if not port_is_free(bolt_port):
        raise ServerError(f"port {bolt_port} on 127.0.0.1 is taken: is a Neo4j already running? "
                          "stop it (`python tools/neo4j_server.py stop`) or pass --port")
    home.mkdir(parents=True, exist_ok=True)
    conf = write_config(home, bolt_port)
    (home / "logs").mkdir(exist_ok=True)
    (home / "run").mkdir(exist_ok=True)
    classpath = f"{lib}/*"
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(conf)}
    if not (home / "data" / "databases").exists():
        set_initial_password(java, classpath, env, password)
    command = [java, f"-Xms{HEAP}", f"-Xmx{HEAP}", "-XX:+UseG1GC", "-XX:ActiveProcessorCount=1",
               "-cp", classpath, ENTRY_POINT, f"--home-dir={home}", f"--config-dir={conf}"]
    with open(home / "logs" / "console.log", "ab") as console:
        process = subprocess.Popen(command, env=env, stdout=console, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=detach)
    server = Neo4jServer(home, bolt_port, password, process, process.pid)
    try:
        wait_for_bolt(server, timeout)
    except BaseException:
        server.stop()
        raise
    pid_file(home).write_text(f"{process.pid} {bolt_port}\n", encoding="utf-8")  # only for a server that answered
    return server


def set_initial_password(java: str, classpath: str, env: dict[str, str], password: str) -> None:
    admin = subprocess.run([java, "-Xmx256m", "-cp", classpath, ADMIN_TOOL, "dbms", "set-initial-password", password],
                           env=env, capture_output=True, text=True)
    if admin.returncode != 0:
        raise ServerError(f"neo4j-admin set-initial-password failed (exit {admin.returncode}):\n"
                          f"{admin.stdout}{admin.stderr}")


def admin_import(lib: Path, home: Path, arguments: list[str], *, password: str = DEV_PASSWORD,
                 heap: str = "1g") -> subprocess.CompletedProcess:
    """Run `neo4j-admin ARGUMENTS` (`database import full …`) on HOME's database; Neo4j must not be running there.

    The arguments are those after `neo4j-admin` in the command `jiyi neo4j bulk-files` prints.
    On a new HOME the password is set first: start() sets it only when HOME has no
    database yet, and after an import it has one.
    """
    java = java_executable()
    already = running_server(home, password)
    if already is not None:
        raise ServerError(f"a Neo4j is running from {home} (pid {already.pid}): stop it before importing "
                          "(`python tools/neo4j_server.py stop`)")
    home.mkdir(parents=True, exist_ok=True)
    conf = home / "conf" if (home / "conf" / "neo4j.conf").is_file() else write_config(home, free_port())
    classpath = f"{lib}/*"
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(conf)}
    if not (home / "data" / "dbms" / "auth.ini").exists():
        set_initial_password(java, classpath, env, password)
    # In HOME, so that files the tool leaves in its working folder (the importer's import.report) stay there.
    done = subprocess.run([java, f"-Xmx{heap}", "-cp", classpath, ADMIN_TOOL, *arguments],
                          env=env, capture_output=True, text=True, cwd=home)
    if done.returncode != 0:
        raise ServerError(f"neo4j-admin {' '.join(arguments[:3])} failed (exit {done.returncode}):\n"
                          f"{done.stdout[-4000:]}{done.stderr[-4000:]}")
    return done


def wait_for_bolt(server: Neo4jServer, timeout: float) -> None:
    import neo4j
    from neo4j.exceptions import AuthError, ServiceUnavailable

    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not server.running():
            raise ServerError(f"Neo4j exited while starting (exit {server.process.returncode if server.process else '?'}):\n"
                              + server.log_tail())
        try:
            with neo4j.GraphDatabase.driver(server.uri, auth=(USER, server.password), connection_timeout=2) as driver:
                driver.verify_connectivity()
            return
        except AuthError as error:
            raise ServerError(f"Neo4j at {server.uri} refused the password: {error}. A home that has run before keeps "
                              f"its first password; delete {server.home} to start afresh") from error
        except (ServiceUnavailable, OSError) as error:
            last_error = error
            time.sleep(0.5)
    raise ServerError(f"Neo4j did not answer on {server.uri} within {timeout:.0f} s ({last_error}):\n" + server.log_tail())


def running_server(home: Path, password: str = DEV_PASSWORD) -> Neo4jServer | None:
    """The server started in the background in HOME, from its pid file."""
    if not pid_file(home).is_file():
        return None
    pid, port = pid_file(home).read_text(encoding="utf-8").split()
    server = Neo4jServer(home, int(port), password, pid=int(pid))
    return server if server.running() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local Neo4j Community server from Maven Central, for Jiyi's "
                                     "development and tests.")
    parser.add_argument("action", choices=["fetch", "start", "stop", "admin"])
    parser.add_argument("--version", default=NEO4J_VERSION, help=f"Neo4j version (default {NEO4J_VERSION}).")
    parser.add_argument("--home", type=Path, help="Server home: conf, data, logs (default: beside the jars, kept).")
    parser.add_argument("--port", type=int, default=7687, help="Bolt port on 127.0.0.1 (default 7687).")
    parser.add_argument("--password", default=os.environ.get("NEO4J_PASSWORD", DEV_PASSWORD),
                        help="Password of user neo4j, set on the first start (default: $NEO4J_PASSWORD or "
                        f"{DEV_PASSWORD}).")
    # admin: neo4j-admin's own arguments follow `--`, e.g. `admin --home H -- database import full --nodes=…`
    # (the command `jiyi neo4j bulk-files` prints, without `neo4j-admin`); on a new --home the password is set first.
    argv = list(sys.argv[1:] if argv is None else argv)
    admin_arguments = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    home = args.home or version_dir(args.version) / "home"
    try:
        if args.action == "fetch":
            print(fetch(args.version))
        elif args.action == "admin":
            if not admin_arguments:
                parser.error("admin needs neo4j-admin's arguments after --, e.g. admin --home H -- database import full …")
            done = admin_import(fetch(args.version), home, admin_arguments, password=args.password)
            print(done.stdout[-2000:], end="")
        elif args.action == "start":
            server = start(fetch(args.version), home, password=args.password, bolt_port=args.port, detach=True)
            print(f"Neo4j {args.version} at {server.uri} (user {USER}); data and logs in {home}")
        else:
            server = running_server(home, args.password)
            if server is None:
                print(f"no server running from {home}", file=sys.stderr)
                return 1
            server.stop()
            print(f"stopped Neo4j in {home}")
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
