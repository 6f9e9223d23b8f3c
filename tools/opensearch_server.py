"""A real single-node OpenSearch for development and tests, from Maven Central jars (no Docker, no tarball).

    python tools/opensearch_server.py fetch                 # jars into ~/.cache/jiyi/opensearch-<version>/ (once)
    python tools/opensearch_server.py start [--port 9200]   # in the background, loopback only
    python tools/opensearch_server.py stop

OpenSearch's tarball comes from opensearch.org, which this project's machines cannot
reach; its parts are on Maven Central. `org.opensearch:opensearch` is the whole server
(entry point `org.opensearch.bootstrap.OpenSearch`) but without HTTP: that is the module
transport-netty4 (`org.opensearch.plugin:transport-netty4-client`). So the install folder
is laid out the way the tarball lays it out, with only what Jiyi needs:

    opensearch-2.19.6/lib/                        the server and log4j-core (the tarball ships it; Maven does not)
    opensearch-2.19.6/modules/transport-netty4/   the module's jars, and the descriptor and security policy
                                                  the tarball's module zip carries (written here, see MODULE_*)
    opensearch-2.19.6/plugins/                    empty: the server wants the folder

Each node gets a folder of its own (config, data, logs): the tests start one in a temp folder.
No other module is installed (no painless, no analysis-common): Jiyi's documents arrive cut
into words and its mapping needs only the built-in whitespace tokenizer.

OpenSearch refuses to start as root. Where the tests run as root (containers, CI), the server
is started inside a user namespace (`unshare --user --map-user=1000`): in there it is an
ordinary user, outside it still owns its files. Needs Java 17 or 21 (2.19 uses the security
manager, which Java 24 removed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# java_servers.py sits beside this file; put its folder on the path however this file is
# loaded (run as a script, or by path from the tests).
sys.path.insert(0, str(Path(__file__).resolve().parent))
import java_servers  # noqa: E402
from java_servers import cache_root, fetch_jars, free_port, port_is_free, process_running, stop_process  # noqa: E402

OPENSEARCH_VERSION = os.environ.get("JIYI_OPENSEARCH_VERSION", "2.19.6")  # newest 2.x on Maven Central that runs on Java 17
LOG4J_VERSION = "2.25.4"  # the log4j-api version org.opensearch:opensearch 2.19.6 depends on; core must match it
ENTRY_POINT = "org.opensearch.bootstrap.OpenSearch"
HEAP = "512m"
NAMESPACE_UID = "1000"  # who the server is inside its user namespace when started by root: anyone but 0

SERVER_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>jiyi.tools</groupId>
  <artifactId>opensearch-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.opensearch</groupId><artifactId>opensearch</artifactId><version>{version}</version></dependency>
    <dependency><groupId>org.opensearch</groupId><artifactId>opensearch-plugin-classloader</artifactId><version>{version}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>{log4j}</version></dependency>
  </dependencies>
</project>
"""

MODULE_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>jiyi.tools</groupId>
  <artifactId>opensearch-netty-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.opensearch.plugin</groupId><artifactId>transport-netty4-client</artifactId><version>{version}</version></dependency>
  </dependencies>
</project>
"""

# What the tarball's modules/transport-netty4/ holds beside the jars (the jar itself does not carry them).
# The plugin class is the one in transport-netty4-client-<version>.jar.
MODULE_DESCRIPTOR = """description=Netty 4 based transport implementation (HTTP and transport)
version={version}
name=transport-netty4
classname=org.opensearch.transport.Netty4Plugin
java.version=11
opensearch.version={version}
extended.plugins=
has.native.controller=false
"""
# OpenSearch runs under a security manager; without these grants (from the module's own
# plugin-security.policy in the OpenSearch sources) Netty may not accept an HTTP connection.
MODULE_POLICY = """grant codeBase "${codebase.netty-common}" {
   permission java.io.FilePermission "/proc/sys/net/core/somaxconn", "read";
   permission java.net.SocketPermission "*", "accept,connect";
   permission java.lang.RuntimePermission "*", "setContextClassLoader";
};
grant codeBase "${codebase.netty-transport}" {
   permission java.util.PropertyPermission "sun.nio.ch.bugLevel", "write";
};
"""

LOG_CONFIG = """status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] %marker%m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
"""


class ServerError(RuntimeError):
    """Java or Maven missing, Maven failing, or the server not answering: the message says which and what to do."""


def install_dir(version: str = OPENSEARCH_VERSION) -> Path:
    return cache_root() / f"opensearch-{version}"


def java_executable() -> str:
    return java_servers.java_executable("OpenSearch 2.19", ServerError)


def fetch(version: str = OPENSEARCH_VERSION, *, quiet: bool = False) -> Path:
    """The install folder (lib, modules, plugins), downloaded with Maven the first time only."""
    java_executable()
    root = install_dir(version)
    fetch_jars(SERVER_POM.format(version=version, log4j=LOG4J_VERSION), root / "lib",
               what=f"org.opensearch:opensearch:{version}", error=ServerError,
               maven_args=("-DincludeScope=runtime",), quiet=quiet)
    module = root / "modules" / "transport-netty4"
    fetch_jars(MODULE_POM.format(version=version), module,
               what=f"org.opensearch.plugin:transport-netty4-client:{version}", error=ServerError,
               maven_args=("-DincludeScope=runtime",), quiet=quiet)
    (module / "plugin-descriptor.properties").write_text(MODULE_DESCRIPTOR.format(version=version), encoding="utf-8")
    (module / "plugin-security.policy").write_text(MODULE_POLICY, encoding="utf-8")
    (root / "plugins").mkdir(exist_ok=True)
    return root


def write_config(node: Path, http_port: int, transport_port: int) -> Path:
    config = node / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "opensearch.yml").write_text("\n".join([
        "# Written by tools/opensearch_server.py: one node, loopback only, data and logs in this folder.",
        "cluster.name: jiyi",
        "node.name: jiyi-node",
        "discovery.type: single-node",
        "network.host: 127.0.0.1",
        f"http.port: {http_port}",
        f"transport.port: {transport_port}",
        f"path.data: {node / 'data'}",
        f"path.logs: {node / 'logs'}",
        # A nearly full disk would otherwise turn the test indexes read-only half-way through a build.
        "cluster.routing.allocation.disk.threshold_enabled: false",
        "",
    ]), encoding="utf-8")
    (config / "log4j2.properties").write_text(LOG_CONFIG, encoding="utf-8")
    return config


@dataclass
class OpenSearchServer:
    """One running node: its folder, its HTTP port, and its process."""

    node: Path
    http_port: int
    process: subprocess.Popen | None = field(default=None, repr=False)
    pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def log_tail(self, lines: int = 30) -> str:
        log = self.node / "logs" / "console.log"
        if not log.is_file():
            return f"(no log at {log})"
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()
        # Java stack frames fill a tail with little to read: keep the messages.
        return f"--- {log} ---\n" + "\n".join([line for line in text if not line.startswith("\tat ")][-lines:])

    def running(self) -> bool:
        return process_running(self.process, self.pid)

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM lets OpenSearch close its shards; SIGKILL only if it hangs."""
        stop_process(self.process, self.pid, timeout)
        pid_file(self.node).unlink(missing_ok=True)


def pid_file(node: Path) -> Path:
    return node / "run" / "jiyi-opensearch.pid"


def as_non_root() -> list[str]:
    """The command prefix that keeps OpenSearch from seeing uid 0 ("can not run opensearch as root")."""
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        raise ServerError("OpenSearch refuses to run as root, and `unshare` (util-linux) is not here to start it "
                          "in a user namespace: run the tests as an ordinary user, or install util-linux")
    probe = subprocess.run([unshare, "--user", f"--map-user={NAMESPACE_UID}", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise ServerError("OpenSearch refuses to run as root, and this machine does not allow user namespaces "
                          f"(`unshare --user` said: {probe.stderr.strip()}): run the tests as an ordinary user")
    return [unshare, "--user", f"--map-user={NAMESPACE_UID}", f"--map-group={NAMESPACE_UID}"]


def start(root: Path, node: Path, *, http_port: int | None = None, timeout: float = 180,
          detach: bool = False) -> OpenSearchServer:
    """Start a node from the install folder ROOT with its config, data and logs in NODE; return once it is ready."""
    java = java_executable()
    already = running_server(node)
    if already is not None:
        raise ServerError(f"an OpenSearch is already running from {node} (pid {already.pid}, {already.url}): "
                          "stop it first (`python tools/opensearch_server.py stop`), or pass another --home")
    http_port = http_port or free_port()
    if not port_is_free(http_port):
        raise ServerError(f"port {http_port} on 127.0.0.1 is taken: is an OpenSearch already running? "
                          "stop it (`python tools/opensearch_server.py stop`) or pass --port")
    config = write_config(node, http_port, free_port())
    for name in ("data", "logs", "run", "tmp"):
        (node / name).mkdir(parents=True, exist_ok=True)
    command = [*as_non_root(), java, f"-Xms{HEAP}", f"-Xmx{HEAP}", "-XX:+UseG1GC",
               # What the tarball's bin/opensearch passes: where home and config are, and that no JDK is bundled.
               f"-Dopensearch.path.home={root}", f"-Dopensearch.path.conf={config}",
               "-Dopensearch.distribution.type=tar", "-Dopensearch.bundled_jdk=false",
               f"-Djava.io.tmpdir={node / 'tmp'}", "-Dlog4j2.disable.jmx=true", "-Dlog4j.shutdownHookEnabled=false",
               # From the tarball's jvm.options: Netty without its unsafe tricks, as OpenSearch runs it.
               "-Dio.netty.noUnsafe=true", "-Dio.netty.noKeySetOptimization=true",
               "-Dio.netty.recycler.maxCapacityPerThread=0",
               "-cp", f"{root / 'lib'}/*", ENTRY_POINT]
    with open(node / "logs" / "console.log", "ab") as console:
        process = subprocess.Popen(command, cwd=node, stdout=console, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=detach)
    # unshare replaces itself with java (exec), so this pid is the server's own.
    server = OpenSearchServer(node, http_port, process, process.pid)
    try:
        wait_until_ready(server, timeout)
    except BaseException:
        server.stop()
        raise
    pid_file(node).write_text(f"{process.pid} {http_port}\n", encoding="utf-8")  # only for a server that answered
    return server


def wait_until_ready(server: OpenSearchServer, timeout: float) -> None:
    """Until the cluster health is yellow or green: HTTP answers a little before the node can create an index."""
    deadline = time.monotonic() + timeout
    last_error: Exception | str | None = None
    while time.monotonic() < deadline:
        if not server.running():
            code = server.process.returncode if server.process else "?"
            raise ServerError(f"OpenSearch exited while starting (exit {code}):\n" + server.log_tail())
        try:
            with urllib.request.urlopen(f"{server.url}/_cluster/health?wait_for_status=yellow&timeout=2s", timeout=5) as answer:
                status = json.load(answer).get("status")
            if status in ("yellow", "green"):
                return
            last_error = f"cluster health {status}"
        except (urllib.error.URLError, OSError, ValueError) as error:
            last_error = error
        time.sleep(0.5)
    raise ServerError(f"OpenSearch did not answer on {server.url} within {timeout:.0f} s ({last_error}):\n"
                      + server.log_tail())


def running_server(node: Path) -> OpenSearchServer | None:
    """The server started in the background from NODE, from its pid file."""
    if not pid_file(node).is_file():
        return None
    pid, port = pid_file(node).read_text(encoding="utf-8").split()
    server = OpenSearchServer(node, int(port), pid=int(pid))
    return server if server.running() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local single-node OpenSearch from Maven Central, for Jiyi's "
                                     "development and tests.")
    parser.add_argument("action", choices=["fetch", "start", "stop"])
    parser.add_argument("--version", default=OPENSEARCH_VERSION, help=f"OpenSearch version (default {OPENSEARCH_VERSION}).")
    parser.add_argument("--home", type=Path, help="The node's folder: config, data, logs (default: beside the jars, kept).")
    parser.add_argument("--port", type=int, default=9200, help="HTTP port on 127.0.0.1 (default 9200).")
    args = parser.parse_args(argv)
    node = args.home or install_dir(args.version) / "node"
    try:
        if args.action == "fetch":
            print(fetch(args.version))
        elif args.action == "start":
            server = start(fetch(args.version), node, http_port=args.port, detach=True)
            print(f"OpenSearch {args.version} at {server.url}; data and logs in {node}")
        else:
            server = running_server(node)
            if server is None:
                print(f"no server running from {node}", file=sys.stderr)
                return 1
            server.stop()
            print(f"stopped OpenSearch in {node}")
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
