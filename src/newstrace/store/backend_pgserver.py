"""A throw-away PostgreSQL server for tests and benchmarks: Debian's ``postgresql`` binaries
(``/usr/lib/postgresql/<version>/bin``), ``initdb`` into a temporary folder and ``pg_ctl start`` listening on a
private socket folder only (no TCP port), as user ``postgres`` (``runuser -u postgres --``) when run as root.

    with TempServer(tmp_path) as srv:
        Store(srv.url("news"))          # postgresql:///news?host=/tmp/.../sock&port=5432&user=postgres

Never a mock: the same server and client library a user runs.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def find_bin(version: str | None = None) -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (``NEWSTRACE_PG_BIN``, else Debian's, newest first)."""
    env = os.environ.get("NEWSTRACE_PG_BIN")
    cands = [env] if env else sorted(glob.glob(f"/usr/lib/postgresql/{version or '*'}/bin"), reverse=True)
    for c in cands:
        if c and os.access(os.path.join(c, "initdb"), os.X_OK) and os.access(os.path.join(c, "pg_ctl"), os.X_OK):
            return Path(c)
    return None


class TempServer:
    """initdb + pg_ctl start in ``base`` (a new temporary folder when None); ``stop()`` removes it."""

    def __init__(self, base: str | os.PathLike | None = None, version: str | None = "15"):
        self.bin = find_bin(version) or find_bin(None)
        if self.bin is None:
            raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin; "
                                    "install Debian's `postgresql` package or set NEWSTRACE_PG_BIN")
        self._own = base is None
        self.base = Path(tempfile.mkdtemp(prefix="newstrace-pg-") if base is None else base).resolve()
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.port = 5432      # only names the socket file (.s.PGSQL.5432) in our private folder: no TCP
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else os.environ.get("USER") or "postgres"
        self.started = False

    def _run(self, *cmd: str, **kw) -> subprocess.CompletedProcess:
        full = (["runuser", "-u", "postgres", "--"] if self.as_root else []) + list(cmd)
        return subprocess.run(full, check=True, capture_output=True, text=True, **kw)

    def start(self) -> "TempServer":
        self.base.mkdir(parents=True, exist_ok=True)
        self.sock.mkdir(exist_ok=True)
        if self.as_root:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.sock, "postgres")
            os.chmod(self.base, 0o755)
            p = self.base
            while p != p.parent:          # the postgres user must reach the folder
                p = p.parent
                if p.stat().st_mode & 0o001 == 0 and str(p).startswith(tempfile.gettempdir()):
                    os.chmod(p, p.stat().st_mode | 0o001)
        if not (self.data / "PG_VERSION").exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust",
                      "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        opts = (f"-c listen_addresses='' -c unix_socket_directories='{self.sock}' -p {self.port} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
                "-c shared_buffers=64MB")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "server.log"),
                  "-o", opts, "-w", "-t", "60", "start")
        self.started = True
        return self

    def createdb(self, name: str) -> str:
        """A new empty database; returns its URL."""
        import psycopg
        with psycopg.connect(self.url("postgres"), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, db: str) -> str:
        return f"postgresql:///{db}?host={self.sock}&port={self.port}&user={self.user}"

    def stop(self) -> None:
        if self.started:
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except subprocess.CalledProcessError:
                pass
            self.started = False
        if self._own:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> "TempServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_for(url: str, seconds: float = 30.0) -> None:
    import psycopg
    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg.connect(url).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
