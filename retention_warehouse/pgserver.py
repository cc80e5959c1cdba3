"""A throwaway PostgreSQL server on 127.0.0.1 for tests, benchmarks and CI (about 2 s to start).

Uses the server binaries of the machine (Debian's postgresql package: /usr/lib/postgresql/<v>/bin). PostgreSQL
refuses to run as root, so when we are root the cluster is created and started as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def server_bin_dir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    data_dir: Path
    port: int
    user: str = "postgres"
    database: str = "retention"

    @property
    def env(self) -> dict[str, str]:
        """The environment variables profiles.yml reads for the postgres target."""
        return {
            "RETENTION_PG_HOST": "127.0.0.1",
            "RETENTION_PG_PORT": str(self.port),
            "RETENTION_PG_USER": self.user,
            "RETENTION_PG_PASSWORD": "",
            "RETENTION_PG_DATABASE": self.database,
        }

    def dsn(self, database: str | None = None, user: str | None = None) -> str:
        return f"host=127.0.0.1 port={self.port} user={user or self.user} dbname={database or self.database}"

    def stop(self) -> None:
        _run_as_owner([str(server_bin_dir() / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop"],
                      check=False)


def _run_as_owner(command: list[str], check: bool = True) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=check, capture_output=True, text=True)


def start(base_dir: str | Path, port: int | None = None) -> PostgresServer:
    bin_dir = server_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install -y postgresql")
    base_dir = Path(base_dir)
    data_dir = base_dir / "pgdata"
    socket_dir = base_dir / "pgsocket"
    for folder in (base_dir, socket_dir):
        folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(base_dir, "postgres")
        shutil.chown(socket_dir, "postgres")
        parent = base_dir
        while parent != parent.parent:  # the postgres user must be able to reach its directory
            parent = parent.parent
            os.chmod(parent, os.stat(parent).st_mode | 0o011)
    port = port or free_port()
    _run_as_owner([str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                   "--no-locale", "--no-sync"])
    options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={socket_dir} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c timezone=UTC "
               "-c max_connections=50 -c shared_buffers=256MB -c work_mem=64MB")
    _run_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-o", options, "-l", str(base_dir / "server.log"),
                   "-w", "start"])
    server = PostgresServer(data_dir=data_dir, port=port)
    import psycopg2

    deadline = time.time() + 30
    while True:
        try:
            con = psycopg2.connect(server.dsn("postgres"))
            con.autocommit = True
            try:
                with con.cursor() as cur:
                    cur.execute(f"create database {server.database}")
            finally:
                con.close()
            break
        except psycopg2.OperationalError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    return server
