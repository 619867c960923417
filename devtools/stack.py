"""The production stack on this machine, for tests and benchmarks (not shipped):

- `Standby`: a streaming hot standby of the local PostgreSQL cluster, made with `pg_basebackup -R`
  on a free port (what docker-compose.yml's replica service does with its own volume);
- `Nginx`: Debian's nginx with the site configuration of docker-compose.yml, read from where compose
  reads it, only its upstream address, cache path and listen port substituted, on a free port.

Both are context managers: on exit (also on error or Ctrl-C) their processes are stopped and their
folders removed. Root is needed (pg_basebackup runs as `postgres`, nginx's workers write the cache)."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
PG_BIN = "/usr/lib/postgresql/15/bin"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# A standby must allow at least as much as its primary for these (PostgreSQL refuses to start otherwise).
COPIED_SETTINGS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
# Access log of the bench and tests: time, status, cache status ("-" when nginx did not cache), URI.
LOG_FORMAT = "'$msec $status $upstream_cache_status $request_time $request_method $request_uri'"
SERVED_FROM_CACHE = ("HIT", "STALE", "UPDATING")  # REVALIDATED asked the app (a 304)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port, host="127.0.0.1"):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def as_postgres(*command, timeout=120):
    """Run a PostgreSQL binary as the `postgres` system user (it owns the clusters' files).

    In a session of its own (Ctrl-C reaches us, and we stop what we started, in order); interrupted
    or timed out, its whole process group is ended (runuser and pg_basebackup under it)."""
    process = subprocess.Popen(
        ["runuser", "-u", "postgres", "--", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        raise
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command, out, err)
    return subprocess.CompletedProcess(command, 0, out, err)


class _Process:
    """`with` starts it (stopped again if starting fails half-way) and stops it, whatever happens."""

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()


class Standby(_Process):
    """A hot standby of the cluster holding `primary_url`, on a free port of 127.0.0.1.

    `url`: primary_url's user and database on the standby; `lag()`: what the primary's
    pg_stat_replication says of it (its application_name is `name`)."""

    def __init__(self, primary_url, shared_buffers="32MB", hot_standby_feedback=True):
        self.primary = urlsplit(primary_url)
        self.host, self.primary_port = self.primary.hostname or "127.0.0.1", self.primary.port or 5432
        self.shared_buffers = shared_buffers
        self.hot_standby_feedback = hot_standby_feedback
        self.port = self.root = None
        self.name = None

    @property
    def data(self):
        return os.path.join(self.root, "data")

    @property
    def url(self):
        return self.primary._replace(netloc=f"{self.primary.username}@127.0.0.1:{self.port}").geturl()

    def superuser_url(self, where="standby"):
        port = self.port if where == "standby" else self.primary_port
        host = "127.0.0.1" if where == "standby" else self.host
        return f"postgresql://postgres@{host}:{port}/postgres"

    def start(self):
        self.allow_replication()
        self.root = tempfile.mkdtemp(prefix="cc-standby-")
        self.port = free_port()
        self.name = f"cc_standby_{self.port}"
        shutil.chown(self.root, "postgres")
        as_postgres(
            f"{PG_BIN}/pg_basebackup",
            *("-h", self.host, "-p", str(self.primary_port), "-U", "postgres", "-D", self.data),
            *("-R", "-X", "stream", "--checkpoint=fast"),
            timeout=1200,
        )
        with psycopg.connect(self.superuser_url("primary"), autocommit=True) as conn:
            copied = conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", (list(COPIED_SETTINGS),)
            ).fetchall()
        settings = {
            "port": self.port,
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            "cluster_name": f"'{self.name}'",  # the walreceiver's application_name on the primary
            "hot_standby": "on",
            "hot_standby_feedback": "on" if self.hot_standby_feedback else "off",
            "shared_buffers": self.shared_buffers,
            "logging_collector": "off",
            **dict(copied),
        }
        with open(os.path.join(self.data, "postgresql.conf"), "w") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as hba:
            hba.write("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        open(os.path.join(self.data, "pg_ident.conf"), "w").close()
        subprocess.run(["chown", "-R", "postgres:postgres", self.root], check=True)
        log = os.path.join(self.root, "log")
        as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", log, "-w", "-t", "120", "start", timeout=150)

    def stop(self):
        """Stop the standby (immediate: it holds nothing of its own) and remove its folder."""
        if self.root is None:
            return
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            try:
                as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", timeout=60)
            except subprocess.SubprocessError:
                self._kill_postmaster()
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def _kill_postmaster(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as handle:
                os.kill(int(handle.readline()), signal.SIGQUIT)
        except (OSError, ValueError):
            pass

    def allow_replication(self):
        """The cluster is replica-capable (wal_level=replica, max_wal_senders); its pg_hba may lack a
        replication line for 127.0.0.1: it is added and the configuration reloaded (never a restart)."""
        sql = (
            "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND error IS NULL"
            " AND (address IS NULL OR address = '127.0.0.1')"
        )
        with psycopg.connect(self.superuser_url("primary"), autocommit=True) as conn:
            if conn.execute(sql).fetchone()[0]:
                return
            hba = conn.execute("SHOW hba_file").fetchone()[0]
            with open(hba, "a") as handle:
                handle.write(
                    "\n# Carte Commune tests and benchmarks: local standby (pg_basebackup)\n"
                    "host replication all 127.0.0.1/32 trust\n"
                )
            conn.execute("SELECT pg_reload_conf()")
        time.sleep(1)

    # --- while it runs ------------------------------------------------------------------------
    def lag(self, conn=None):
        """{"replay_lag_s", "replay_bytes", "state"} from the primary's pg_stat_replication, or None.
        replay_lag is NULL when the standby is idle and caught up: 0 then."""
        sql = (
            "SELECT coalesce(extract(epoch FROM replay_lag), 0)::float8,"
            " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, state"
            " FROM pg_stat_replication WHERE application_name = %s"
        )
        own = conn is None
        conn = conn or psycopg.connect(self.superuser_url("primary"), autocommit=True)
        try:
            row = conn.execute(sql, (self.name,)).fetchone()
        finally:
            if own:
                conn.close()
        if row is None:
            return None
        return {"replay_lag_s": round(row[0], 4), "replay_bytes": int(row[1] or 0), "state": row[2]}

    def wait_streaming(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lag = self.lag()
            if lag and lag["state"] == "streaming":
                return lag
            time.sleep(0.2)
        raise RuntimeError("le secours ne reçoit pas le flux de réplication")

    def wait_caught_up(self, timeout=60):
        """Wait until the standby has replayed everything the primary has written so far."""
        with psycopg.connect(self.superuser_url("primary"), autocommit=True) as primary:
            lsn = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
        with psycopg.connect(self.superuser_url("standby"), autocommit=True) as standby:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()[0]:
                    return
                time.sleep(0.05)
        raise RuntimeError("le secours n'a pas rattrapé le primaire à temps")


def site_configuration(upstream, cache_dir, listen, cache=True):
    """docker-compose.yml's nginx site (configs.nginx_conf), with only the upstream address, the cache
    path and the listen address substituted; cache=False: the same site with `proxy_cache off`."""
    site = yaml.safe_load(COMPOSE_FILE.read_text())["configs"]["nginx_conf"]["content"]
    substitutions = [
        ("$$", "$"),  # compose's escape of nginx variables
        ("server web:8000;", f"server {urlsplit(upstream).netloc};"),
        ("/var/cache/nginx/mapdata", str(cache_dir)),
        ("/var/cache/nginx/pages", f"{cache_dir}-pages"),
        ("listen 80;", f"listen {listen};"),
    ]
    if not cache:
        substitutions += [
            ("proxy_cache mapdata;", "proxy_cache off;"),
            ("proxy_cache pages;", "proxy_cache off;"),
        ]
    for old, new in substitutions:
        if old not in site:
            raise RuntimeError(f"docker-compose.yml : « {old} » absent de la configuration nginx")
        site = site.replace(old, new)
    return site


class Nginx(_Process):
    """Debian's nginx in front of `upstream` (http://host:port) with the compose site configuration.

    The main context is that of the nginx image (worker_processes auto, mime types, sendfile,
    keep-alive); the access log records `$upstream_cache_status` (read by `log_lines()`)."""

    def __init__(self, upstream, cache=True, worker_connections=4096):
        self.upstream, self.cache = upstream, cache
        self.worker_connections = worker_connections
        self.root = self.port = None
        self._log_offset = 0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self):
        return os.path.join(self.root, "access.log")

    def _command(self, *extra):
        return [NGINX, "-c", os.path.join(self.root, "nginx.conf"), "-p", self.root, *extra]

    def start(self):
        self.root = tempfile.mkdtemp(prefix="cc-nginx-")
        self.port = free_port()
        site = site_configuration(
            self.upstream, os.path.join(self.root, "cache"), f"127.0.0.1:{self.port}", cache=self.cache
        )
        temp = " ".join(
            f"{name}_temp_path {os.path.join(self.root, name)};" for name in ("client_body", "proxy")
        )
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers write the cache under root
        conf = (
            f"{user}daemon on; worker_processes auto; pid {self.root}/nginx.pid;\n"
            f"error_log {self.root}/error.log;\n"
            f"events {{ worker_connections {self.worker_connections}; }}\n"
            "http {\n include /etc/nginx/mime.types; default_type application/octet-stream;\n"
            " sendfile on; keepalive_timeout 65;\n"
            f" log_format cc {LOG_FORMAT};\n access_log {self.access_log} cc;\n {temp}\n{site}\n}}\n"
        )
        Path(self.root, "nginx.conf").write_text(conf)
        subprocess.run(self._command(), check=True, capture_output=True, timeout=30, start_new_session=True)
        deadline = time.monotonic() + 10
        while not port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("nginx n'écoute pas")
            time.sleep(0.05)

    def pid(self):
        try:
            return int(Path(self.root, "nginx.pid").read_text())
        except (OSError, ValueError, TypeError):
            return None

    def stop(self):
        if self.root is None:
            return
        pid = self.pid()
        if pid:
            subprocess.run(self._command("-s", "stop"), check=False, capture_output=True, timeout=30)
            deadline = time.monotonic() + 10
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def log_lines(self):
        """Access-log lines written since the previous call: [(status, cache status, method, uri)]."""
        with open(self.access_log, "rb") as handle:
            handle.seek(self._log_offset)
            data = handle.read()
        end = data.rfind(b"\n") + 1
        self._log_offset += end
        lines = []
        for raw in data[:end].decode("utf-8", "replace").splitlines():
            parts = raw.split(" ", 5)
            if len(parts) == 6:
                lines.append((parts[1], parts[2], parts[4], parts[5]))
        return lines


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def hit_ratio(statuses):
    """Share of the requests nginx looked up in its cache that it answered from the cache."""
    looked_up = sum(count for status, count in statuses.items() if status != "-")
    served = sum(statuses.get(status, 0) for status in SERVED_FROM_CACHE)
    return round(served / looked_up, 4) if looked_up else None
