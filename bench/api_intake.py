"""Benchmark: registering matters over the REST API against a running server, side by side with
django-helpdesk creating tickets through its own API (issue 6; not a test, runs outside CI).

    .venv/bin/python bench/api_intake.py [--workers 2] [--concurrency 16] [--duration 20] [--rounds 2]
                                         [--warmup 5] [--rate 50] [--demo-matters 300] [--profile 200]

Both servers run under gunicorn with the same number of sync workers (default 2), each on its own
database on the same PostgreSQL server (BENCH_PG_URL's, default 127.0.0.1:5432):

- ours: `config.settings.prod` (DEBUG off; the environment gives DJANGO_SECRET_KEY,
  DJANGO_ALLOWED_HOSTS and XINFANG_SSL_REDIRECT=0: plain HTTP on the loopback), database
  `xinfang_bench_api` created fresh and seeded as `make run` seeds it (migrate, calendar_seed,
  demo_district, demo_powerlist, demo_matters so that the duplicate check has data), a knox token for
  the demo `clerk` of the district bureau (`api_token_create`);
- django-helpdesk: installed from PyPI into its own virtualenv (var/bench/helpdesk-venv, made here
  when missing), the minimal project bench/helpdesk_site/ (REST API on, DRF token authentication),
  database `helpdesk_bench` created fresh, one queue, one staff user with a token.

The load is real citizen messages from ../shared/data/messages_unlabeled.csv (read from there,
never copied), one message per operation, cycled: title -> title, detail -> the request (ours) or the
description (helpdesk), cut to our field limits; ours also names a village of the district as the
place. Four targets:

- `xinfang register`: POST /api/v1/matters/ with a fresh Idempotency-Key, as a system registering
  over the API should (the counter form's checks, the duplicate check with its `repeat_candidates`,
  the clocks, the audit event, the matter in the answer);
- `xinfang suggest+register`: the routing suggestion first (POST /api/v1/matter-types/suggest/ with
  the text and the place: matter types and the competent organisations), then the registration; one
  operation, timed from the first send to the second answer;
- `xinfang register, no key`: the registration without Idempotency-Key (what the key costs);
- `helpdesk ticket`: POST /api/tickets/ (queue, title, description, submitter_email, priority).

Three modes, from one asyncio process (aiohttp, one connection pool): saturation (C closed-loop
clients: throughput, p50/p95/p99), open (a fixed arrival rate, operations sent on a timetable whatever
the answers, latency measured from the scheduled time, so that a slow server cannot hide its queue:
no coordinated omission; a server more than BEHIND_S seconds of operations behind is overloaded and
the timetable stops, the operations not sent counted as errors) and open-half (the same at half the
target's own saturation throughput: its latency when not overloaded). Both servers are up together
and only one is under load at a time: each mode's D seconds are measured in R runs per target (each
after its warm-up) interleaved across the targets, so that all see the shared machine alike. Every
non-2xx is an error (the first bodies are printed). Also recorded: the CPU time of the server (gunicorn
master and workers) and of its PostgreSQL backends per operation (read from /proc: what an operation
costs whatever else the shared machine runs), the backends waiting for a lock (sampled), the load
average, the rows in the database.

`--profile N` then registers N more messages in process (Django's test client, the same database and
settings, the servers stopped): queries per registration and their time, each part of the request
timed in place (wall and CPU time, queries), how long the counter row and the audit lock are held,
and cProfile's view; all in the JSON.

Targets: saturation throughput at least 2x django-helpdesk's; p95 under 50 ms at 50 requests/s.
Prints a table and writes bench/results/api_intake.json. Both servers are stopped at the end (also on
Ctrl-C or an error); the two databases are dropped unless --keep-databases.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime
import itertools
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _support import pg_admin  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "api_intake.json"
DATA = ROOT.parent / "shared" / "data" / "messages_unlabeled.csv"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/xinfang_bench_api"
HELPDESK_DB = "helpdesk_bench"
HELPDESK_VENV = ROOT / "var" / "bench" / "helpdesk-venv"
HELPDESK_SITE = ROOT / "bench" / "helpdesk_site"
# The comparison's pins (its Django is whatever pip resolves for this release: 5.2 LTS).
HELPDESK_PACKAGES = [
    "django-helpdesk==2.6.1",
    "djangorestframework==3.18.3",
    "gunicorn==27.0.1",
    "psycopg[binary]==3.3.9",
]
TARGET_RATIO = 2.0  # our saturation throughput / helpdesk's
TARGET_P95_MS = 50.0  # at the open-loop rate
TITLE_MAX = 120  # Matter.title
SUGGEST_TEXT_MAX = 10_000  # powerlist.apis.MAX_SUGGEST_TEXT
DETAIL_MAX = 8_000  # a generous cap on one message (the longest in the file is ~9,000 characters)
ERROR_BODIES = 3  # printed per target and mode
REQUEST_TIMEOUT_S = 30  # an answer later than this is an error (status 599 in the figures)
BEHIND_S = 5  # open loop: a server this many seconds of operations behind is overloaded (the run stops)
TICKS = os.sysconf("SC_CLK_TCK")


# --- messages ---------------------------------------------------------------------------------------

_SPACES = re.compile(r"[ \t\u3000\xa0]+")


def _clean(text: str) -> str:
    """The file's artefacts out: Excel's _x000D_, carriage returns, runs of (full-width) spaces, blank lines."""
    text = text.replace("_x000D_", "\n").replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Message:
    user: str
    title: str
    detail: str


def load_messages(path: Path) -> list[Message]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    messages = []
    for row in rows:
        title = _clean(row.get("title") or "").replace("\n", " ")[:TITLE_MAX]
        detail = _clean(row.get("detail") or "")[:DETAIL_MAX]
        if title and detail:
            messages.append(Message(user=(row.get("user") or "").strip() or "匿名用户", title=title, detail=detail))
    return messages


# --- servers ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(cmd: list[str], *, env: dict[str, str], cwd: Path, log: Path, what: str) -> str:
    """Run a setup command; its output goes to `log`, and on failure its tail is shown."""
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603
    with log.open("a") as handle:
        handle.write(f"$ {' '.join(cmd)}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
    print(f"  {what}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return done.stdout


@dataclass
class Server:
    """A gunicorn started here (its own process group), stopped by `stop()`."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    cwd: Path
    log: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, probe: str, token: str) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            self.cmd, env=self.env, cwd=self.cwd, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        deadline = time.monotonic() + 90
        import urllib.error
        import urllib.request

        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log.read_text()[-3000:]}")
            try:
                request = urllib.request.Request(  # noqa: S310 (our own loopback server)
                    self.base + probe, headers={"Authorization": f"Token {token}", "Accept": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not answer {probe} within 90 s:\n{self.log.read_text()[-3000:]}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        if self.process is None or self.process.poll() is not None:
            return []
        master = self.process.pid
        found = [master]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                    found.append(int(entry.name))
        return found

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)  # gunicorn: graceful stop of master and workers
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        print(f"  stopped {self.name}", file=sys.stderr)


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """utime + stime of each live process, in seconds."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return out


class Database:
    """A database of ours on the PostgreSQL server: row counts and its backends' processes."""

    def __init__(self, url: str) -> None:
        from dj_database_url import parse

        cfg = parse(url)
        self.name = cfg["NAME"]
        self.params = {
            "host": cfg["HOST"] or None,
            "port": cfg["PORT"] or None,
            "user": cfg["USER"] or None,
            "password": cfg["PASSWORD"] or None,
        }
        # The backends' CPU time is read from /proc: only for a server on this machine.
        self.local = str(cfg["HOST"] or "localhost") in ("localhost", "127.0.0.1", "::1")

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(**self.params, dbname=self.name, autocommit=True, connect_timeout=5) as conn:
            return list(conn.execute(sql, args).fetchall())

    def backend_pids(self) -> list[int]:
        if not self.local:
            return []
        rows = self.query("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", self.name)
        return [int(r[0]) for r in rows]

    def count(self, table: str) -> int:
        return int(self.query(f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608 (a table name of ours)


# --- the two systems -----------------------------------------------------------------------------------


@dataclass
class Target:
    """One system under load: its server, how to send operation i, and how to count what it stored."""

    key: str
    label: str
    server: Server
    database: Database
    table: str
    operation: Callable[[Any, int], Awaitable[tuple[int, str]]] = field(repr=False)
    requests_per_operation: int = 1
    # Every operation takes the next message; each target starts at the first.
    counter: Any = field(default_factory=itertools.count, repr=False)


def _ours_env(database_url: str, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "XINFANG_SSL_REDIRECT": "0",  # plain HTTP on the loopback (production has a TLS proxy in front)
        "XINFANG_VAR_DIR": str(var_dir),  # media, static root: a temporary folder, var/ untouched
    }


def setup_ours(args: argparse.Namespace, tmp: Path, log: Path) -> tuple[Server, str, Database]:
    print(f"xinfang: database {Database(args.pg_url).name}", file=sys.stderr)
    pg_admin(args.pg_url, "DROP DATABASE IF EXISTS {}")
    pg_admin(args.pg_url, "CREATE DATABASE {}")
    env = _ours_env(args.pg_url, tmp / "xinfang-var")
    manage = [sys.executable, str(ROOT / "manage.py")]
    _run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, log=log, what="migrate")
    for command in ("calendar_seed", "demo_district", "demo_powerlist"):
        _run([*manage, command], env=env, cwd=ROOT, log=log, what=command)
    if args.demo_matters:
        _run(
            [*manage, "demo_matters", "--count", str(args.demo_matters)],
            env=env,
            cwd=ROOT,
            log=log,
            what="demo_matters",
        )
    token = _run([*manage, "api_token_create", "clerk"], env=env, cwd=ROOT, log=log, what="token").strip()
    port = _free_port()
    cmd = [sys.executable, "-m", "gunicorn", "config.wsgi:application", *_gunicorn_options(args, port, tmp, "xinfang")]
    server = Server("xinfang", cmd, env, ROOT, tmp / "xinfang-gunicorn.log", port)
    return server, token, Database(args.pg_url)


def _gunicorn_options(args: argparse.Namespace, port: int, tmp: Path, name: str) -> list[str]:
    return [
        "--workers",
        str(args.workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--no-control-socket",  # gunicorn 27's default socket (~/.gunicorn/gunicorn.ctl) is shared by all
        "--pid",
        str(tmp / f"{name}.pid"),
    ]


def _helpdesk_python() -> Path:
    return HELPDESK_VENV / "bin" / "python"


def _helpdesk_env(url: str, tmp: Path) -> dict[str, str]:
    from dj_database_url import parse

    cfg = parse(url)
    return {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "VIRTUAL_ENV")},
        "DJANGO_SETTINGS_MODULE": "helpdesk_site.settings",
        "PYTHONPATH": str(HELPDESK_SITE.parent),
        "HELPDESK_BENCH_SECRET_KEY": secrets.token_urlsafe(50),
        "HELPDESK_BENCH_DB_NAME": cfg["NAME"],
        "HELPDESK_BENCH_DB_HOST": str(cfg["HOST"] or "127.0.0.1"),
        "HELPDESK_BENCH_DB_PORT": str(cfg["PORT"] or 5432),
        "HELPDESK_BENCH_DB_USER": str(cfg["USER"] or "postgres"),
        "HELPDESK_BENCH_MEDIA_ROOT": str(tmp / "helpdesk-media"),
    }


def helpdesk_versions() -> dict[str, str]:
    """Python and package versions of the helpdesk virtualenv (a package not installed: "")."""
    script = (
        "import importlib.metadata as m, json, platform\n"
        "def v(p):\n    try:\n        return m.version(p)\n    except m.PackageNotFoundError:\n        return ''\n"
        "print(json.dumps({'python': platform.python_version(), **{p: v(p) for p in "
        "('django-helpdesk', 'Django', 'djangorestframework', 'gunicorn', 'psycopg')}}))"
    )
    done = subprocess.run(  # noqa: S603 (the virtualenv's own interpreter)
        [str(_helpdesk_python()), "-c", script], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


def ensure_helpdesk_venv(log: Path) -> None:
    """var/bench/helpdesk-venv with the pinned django-helpdesk (made, or brought to the pins, here)."""
    wanted = {spec.split("[")[0].split("==")[0]: spec.split("==")[1] for spec in HELPDESK_PACKAGES}
    if _helpdesk_python().exists():
        try:
            installed = helpdesk_versions()
        except subprocess.CalledProcessError:
            installed = {}
        if all(installed.get(name) == version for name, version in wanted.items()):
            return
    else:
        python3 = shutil.which("python3") or sys.executable
        HELPDESK_VENV.parent.mkdir(parents=True, exist_ok=True)
        _run([python3, "-m", "venv", str(HELPDESK_VENV)], env=dict(os.environ), cwd=ROOT, log=log, what="helpdesk venv")
    pip = [str(_helpdesk_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run([*pip, *HELPDESK_PACKAGES], env=dict(os.environ), cwd=ROOT, log=log, what="pip install django-helpdesk")


HELPDESK_SETUP = """
import json
import django
django.setup()
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from helpdesk.models import Queue
queue = Queue.objects.create(title="信访事项", slug="xinfang")
staff = get_user_model().objects.create_user("benchstaff", "staff@example.com", None, is_staff=True)
print(json.dumps({"queue": queue.pk, "token": Token.objects.create(user=staff).key}))
"""


def setup_helpdesk(args: argparse.Namespace, tmp: Path, log: Path) -> tuple[Server, str, int, Database]:
    url = args.pg_url.rsplit("/", 1)[0] + "/" + HELPDESK_DB
    print(f"django-helpdesk: database {HELPDESK_DB}, virtualenv {HELPDESK_VENV.relative_to(ROOT)}", file=sys.stderr)
    ensure_helpdesk_venv(log)
    pg_admin(url, "DROP DATABASE IF EXISTS {}")
    pg_admin(url, "CREATE DATABASE {}")
    env = _helpdesk_env(url, tmp)
    python = str(_helpdesk_python())
    _run(
        [python, "-m", "django", "migrate", "--noinput", "-v0"],
        env=env,
        cwd=HELPDESK_SITE.parent,
        log=log,
        what="helpdesk migrate",
    )
    made = json.loads(
        _run(
            [python, "-c", HELPDESK_SETUP],
            env=env,
            cwd=HELPDESK_SITE.parent,
            log=log,
            what="helpdesk queue, staff, token",
        )
    )
    port = _free_port()
    cmd = [python, "-m", "gunicorn", "helpdesk_site.wsgi:application", *_gunicorn_options(args, port, tmp, "helpdesk")]
    server = Server("django-helpdesk", cmd, env, HELPDESK_SITE.parent, tmp / "helpdesk-gunicorn.log", port)
    return server, str(made["token"]), int(made["queue"]), Database(url)


# --- the requests -------------------------------------------------------------------------------------


def _received_at() -> str:
    return (datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(minutes=1)).isoformat(timespec="seconds")


async def _post(session: Any, url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, str]:
    """(status, body text when not 2xx)."""
    async with session.post(url, data=json.dumps(body, ensure_ascii=False).encode(), headers=headers) as answer:
        raw = await answer.read()
        return answer.status, "" if 200 <= answer.status < 300 else raw.decode("utf-8", "replace")[:800]


def ours_register_body(message: Message, place: int | None) -> dict[str, Any]:
    """A message of the board as an online petition registered by the bureau's clerk."""
    return {
        "channel": "online",
        "source": "leader_mailbox",  # a government message board
        "received_at": _received_at(),
        "petitioner_name": message.user,
        "petitioner_address": "A市",  # the file de-identifies places
        "title": message.title,
        "request": message.detail,
        "facts": "见诉求。",  # the message holds facts and request in one text
        "reasons": "见诉求。",
        "place_org": place,
    }


Operation = Callable[[Any, int], Awaitable[tuple[int, str]]]

# Our targets: key -> (label, HTTP requests per operation).
OURS = {
    "xinfang_register": ("xinfang register", 1),
    "xinfang_suggest_register": ("xinfang suggest+register", 2),
    "xinfang_register_nokey": ("xinfang register, no key", 1),
}


def ours_operations(base: str, token: str, messages: list[Message], places: list[int]) -> dict[str, Operation]:
    """Our operations by target key. A registration carries a fresh Idempotency-Key, as a system
    registering over the API should (docs/api.md), except in "xinfang_register_nokey"."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}

    def place(i: int) -> int | None:
        return places[i % len(places)] if places else None

    def registering(key: bool) -> Operation:
        async def register(session: Any, i: int) -> tuple[int, str]:
            body = ours_register_body(messages[i % len(messages)], place(i))
            sent = {**headers, "Idempotency-Key": uuid.uuid4().hex} if key else headers
            return await _post(session, f"{base}/api/v1/matters/", body, sent)

        return register

    register = registering(True)

    async def suggest_register(session: Any, i: int) -> tuple[int, str]:
        message = messages[i % len(messages)]
        text = f"{message.title}\n{message.detail}"[:SUGGEST_TEXT_MAX]
        status, body = await _post(
            session, f"{base}/api/v1/matter-types/suggest/", {"text": text, "place": place(i)}, headers
        )
        if not 200 <= status < 300:
            return status, "suggest: " + body
        return await register(session, i)

    return {
        "xinfang_register": register,
        "xinfang_suggest_register": suggest_register,
        "xinfang_register_nokey": registering(False),
    }


def helpdesk_operation(
    base: str, token: str, queue: int, messages: list[Message]
) -> Callable[[Any, int], Awaitable[tuple[int, str]]]:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}

    async def create(session: Any, i: int) -> tuple[int, str]:
        message = messages[i % len(messages)]
        body = {
            "queue": queue,
            "title": message.title,
            "description": message.detail,
            "submitter_email": f"{message.user.lower() or 'anonymous'}@example.com",
            "priority": 3,  # normal (required by helpdesk's serializer)
        }
        return await _post(session, f"{base}/api/tickets/", body, headers)

    return create


async def _places(base: str, token: str) -> list[int]:
    """Villages and communities of the district (where matters arose), read once before the load."""
    import aiohttp

    found: list[int] = []
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    async with aiohttp.ClientSession() as session:
        for kind in ("village", "community"):
            url = f"{base}/api/v1/organisations/?kind={kind}&page_size=500"
            async with session.get(url, headers=headers) as answer:
                answer.raise_for_status()
                found += [row["id"] for row in (await answer.json())["results"]]
    return found


# --- the load generator --------------------------------------------------------------------------------


def _percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


@dataclass
class Record:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    ok: int = 0
    bodies: list[str] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)  # open loop: actual send - scheduled send
    overloaded: dict[str, float] = field(default_factory=dict)  # open loop: stopped, the server too far behind

    def add(self, latency_s: float, status: int, body: str) -> None:
        self.latencies_ms.append(latency_s * 1000)
        self.statuses[str(status)] += 1
        if 200 <= status < 300:
            self.ok += 1
        else:
            self.errors += 1
            if len(self.bodies) < ERROR_BODIES:
                self.bodies.append(f"{status}: {body}")

    def summary(self) -> dict[str, Any]:
        ms = sorted(self.latencies_ms)
        out: dict[str, Any] = {
            "completed": len(ms),
            "ok": self.ok,
            "errors": self.errors,
            "statuses": dict(self.statuses),
        }
        if ms:
            out.update(
                {
                    "p50_ms": round(_percentile(ms, 50), 1),
                    "p95_ms": round(_percentile(ms, 95), 1),
                    "p99_ms": round(_percentile(ms, 99), 1),
                    "max_ms": round(ms[-1], 1),
                    "mean_ms": round(statistics.fmean(ms), 1),
                }
            )
        if self.lag_ms:
            lag = sorted(self.lag_ms)
            out["generator_lag_ms"] = {"p99": round(_percentile(lag, 99), 2), "max": round(lag[-1], 2)}
        if self.bodies:
            out["first_error_bodies"] = self.bodies
        if self.overloaded:
            out["overloaded"] = self.overloaded
        return out


async def _call(op: Callable[[Any, int], Awaitable[tuple[int, str]]], session: Any, i: int) -> tuple[int, str]:
    try:
        return await op(session, i)
    except Exception as exc:  # a refused or dropped connection, a timeout: an error like a 5xx
        return 599, f"{type(exc).__name__}: {exc}"


async def saturation(
    op: Callable[[Any, int], Awaitable[tuple[int, str]]], counter: Any, *, clients: int, warmup: float, duration: float
) -> Record:
    """`clients` closed-loop clients; operations completed inside [warm-up end, end] are recorded."""
    import aiohttp

    record = Record()
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=clients, keepalive_timeout=30)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        begin = loop.time() + warmup
        end = begin + duration

        async def client() -> None:
            while loop.time() < end:
                sent = loop.time()
                status, body = await _call(op, session, next(counter))
                done = loop.time()
                if begin <= done <= end:
                    record.add(done - sent, status, body)

        await asyncio.gather(*(client() for _ in range(clients)))
    return record


async def open_loop(
    op: Callable[[Any, int], Awaitable[tuple[int, str]]], counter: Any, *, rate: float, warmup: float, duration: float
) -> Record:
    """Operations sent at `rate` per second on a fixed timetable (not when answers come back); the
    latency of each runs from its scheduled time. The warm-up's operations are not recorded. A
    server that falls more than BEHIND_S behind (that many seconds of operations unanswered) is
    overloaded: the timetable stops there and the operations not sent count as errors."""
    import aiohttp

    record = Record()
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=30)  # never hold a send back
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = loop.time() + 0.05
        skip = int(warmup * rate)
        total = skip + int(duration * rate)

        in_flight = 0
        limit = max(int(rate * BEHIND_S), 20)

        async def fire(k: int, scheduled: float) -> None:
            nonlocal in_flight
            in_flight += 1
            lag = loop.time() - scheduled
            try:
                status, body = await _call(op, session, next(counter))
            finally:
                in_flight -= 1
            if k >= skip:
                record.lag_ms.append(lag * 1000)
                record.add(loop.time() - scheduled, status, body)

        tasks = []
        for k in range(total):
            scheduled = start + k / rate
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if in_flight > limit:
                unsent = total - max(k, skip)
                record.overloaded = {"stopped_after_s": round(loop.time() - start, 1), "unsent": unsent}
                record.errors += unsent
                record.statuses["not sent"] += unsent
                break
            tasks.append(asyncio.create_task(fire(k, scheduled)))
        await asyncio.gather(*tasks)
    return record


class LockSampler(threading.Thread):
    """Samples the target database's backends every 0.2 s while a run goes on: how many are working,
    how many wait for a lock (a row lock, the audit chain's advisory lock …), by wait event, and the
    CPU time of every backend seen (so that one replaced during the run is still counted)."""

    def __init__(self, database: Database) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.halt = threading.Event()
        self.samples = 0
        self.active = 0
        self.waits: Counter[str] = Counter()
        self.cpu_seen: dict[int, float] = {}  # backend pid -> its CPU seconds when last seen

    def run(self) -> None:
        import psycopg

        sql = (
            "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()"
        )
        params = self.database.params
        with psycopg.connect(**params, dbname=self.database.name, autocommit=True, connect_timeout=5) as conn:
            while not self.halt.wait(0.2):
                self.samples += 1
                rows = conn.execute(sql, (self.database.name,)).fetchall()
                if self.database.local:
                    self.cpu_seen.update(_cpu_seconds([int(row[0]) for row in rows]))
                for _pid, state, wait_type, wait_event in rows:
                    if state == "active":
                        self.active += 1
                        if wait_type == "Lock":
                            self.waits[str(wait_event)] += 1

    def summary(self) -> dict[str, Any]:
        n = max(self.samples, 1)
        return {
            "samples": self.samples,
            "active_backends_mean": round(self.active / n, 2),
            "waiting_for_lock_mean": round(sum(self.waits.values()) / n, 2),
            "lock_waits_by_event": {k: round(v / n, 2) for k, v in self.waits.most_common()},
        }


def _settle(server: Server, limit_s: float = 240) -> float:
    """Wait until the server's processes are idle (a backlog left by timed-out requests is still
    worked off by the workers): at most `limit_s`; returns the seconds waited."""
    started = time.perf_counter()
    quiet = 0
    before = sum(_cpu_seconds(server.pids()).values())
    while time.perf_counter() - started < limit_s and quiet < 2:
        time.sleep(0.5)
        now = sum(_cpu_seconds(server.pids()).values())
        quiet = quiet + 1 if now - before < 0.05 else 0
        before = now
    return round(time.perf_counter() - started, 1)


@dataclass
class Run:
    """One measured run of one target in one mode (one round)."""

    record: Record
    wall_s: float
    settle_s: float
    server_cpu_s: float
    db_cpu_s: float
    rows_before: int
    rows_after: int
    generator_cpu_s: float
    load: tuple[float, float]
    backends: LockSampler


def run_once(target: Target, mode: str, rate: float, args: argparse.Namespace, seconds: float) -> Run:
    """One run: the load, then a wait until the server is idle again; the CPU time the server's
    processes and their database backends spent meanwhile, and the rows written."""
    load_before = os.getloadavg()[0]
    rows_before = target.database.count(target.table)
    server_pids, db_pids = target.server.pids(), target.database.backend_pids()
    cpu_server, cpu_db = _cpu_seconds(server_pids), _cpu_seconds(db_pids)
    sampler = LockSampler(target.database)
    sampler.start()
    generator_cpu = time.process_time()
    started = time.perf_counter()
    try:
        if mode == "saturation":
            work = saturation(
                target.operation, target.counter, clients=args.concurrency, warmup=args.warmup, duration=seconds
            )
        else:
            work = open_loop(target.operation, target.counter, rate=rate, warmup=args.warmup, duration=seconds)
        record = asyncio.run(work)
    finally:
        sampler.halt.set()
    wall = time.perf_counter() - started
    generator_cpu = time.process_time() - generator_cpu
    sampler.join(timeout=5)
    settled = _settle(target.server)
    after_server = _cpu_seconds(target.server.pids())
    # A backend that ended during the run counts with its last reading; one born during it from zero.
    after_db = {**sampler.cpu_seen, **_cpu_seconds(list(set(db_pids) | set(target.database.backend_pids())))}
    run = Run(
        record=record,
        wall_s=wall,
        settle_s=settled,
        server_cpu_s=sum(v - cpu_server.get(pid, 0.0) for pid, v in after_server.items()),
        db_cpu_s=sum(v - cpu_db.get(pid, 0.0) for pid, v in after_db.items()),
        rows_before=rows_before,
        rows_after=target.database.count(target.table),
        generator_cpu_s=generator_cpu,
        load=(round(load_before, 2), round(os.getloadavg()[0], 2)),
        backends=sampler,
    )
    ok_per_s = record.ok / seconds
    p95 = _percentile(sorted(record.latencies_ms), 95) if record.latencies_ms else float("nan")
    print(
        f"  {target.label}, {mode}{'' if mode == 'saturation' else f' {rate:g}/s'}: {ok_per_s:.1f} ops/s, "
        f"p95 {p95:.1f} ms, {record.errors} errors, load {run.load[0]}..{run.load[1]}",
        file=sys.stderr,
    )
    return run


def combine(target: Target, mode: str, rate: float, runs: list[Run], seconds: float) -> dict[str, Any]:
    """The rounds of one target and mode as one result (latencies pooled; throughput over all the
    measured seconds), with each round's own throughput and p95."""
    pooled = Record()
    for run in runs:
        pooled.latencies_ms += run.record.latencies_ms
        pooled.lag_ms += run.record.lag_ms
        pooled.statuses.update(run.record.statuses)
        pooled.errors += run.record.errors
        pooled.ok += run.record.ok
        pooled.bodies += run.record.bodies[: max(ERROR_BODIES - len(pooled.bodies), 0)]
        pooled.overloaded = pooled.overloaded or run.record.overloaded
    # The CPU figures cover everything a run made the server do (warm-up, answers after the window,
    # a backlog worked off after it): per row written, i.e. per operation.
    operations = max(sum(run.rows_after - run.rows_before for run in runs), 1)
    samples = max(sum(run.backends.samples for run in runs), 1)
    waits: Counter[str] = Counter()
    for run in runs:
        waits.update(run.backends.waits)
    result = pooled.summary()
    result["ops_per_s"] = round(pooled.ok / (seconds * len(runs)), 1)  # answered with 2xx in the windows
    result.update(
        {
            "rate": None if mode == "saturation" else round(rate, 1),
            "requests_per_operation": target.requests_per_operation,
            "rounds": [
                {
                    "ops_per_s": round(run.record.ok / seconds, 1),
                    "p95_ms": round(_percentile(sorted(run.record.latencies_ms), 95), 1)
                    if run.record.latencies_ms
                    else None,
                    "errors": run.record.errors,
                    "load_average": list(run.load),
                    "settle_s": run.settle_s,
                }
                for run in runs
            ],
            "rows_after": runs[-1].rows_after,
            "cpu_ms_per_operation": {
                "server": round(sum(run.server_cpu_s for run in runs) / operations * 1000, 1),
                "database": round(sum(run.db_cpu_s for run in runs) / operations * 1000, 1),
            },
            "database_backends": {
                "active_mean": round(sum(run.backends.active for run in runs) / samples, 2),
                "waiting_for_lock_mean": round(sum(waits.values()) / samples, 2),
                "lock_waits_by_event": {k: round(v / samples, 2) for k, v in waits.most_common()},
            },
            "generator_cpu_share": round(sum(run.generator_cpu_s for run in runs) / sum(run.wall_s for run in runs), 3),
        }
    )
    for body in pooled.bodies:
        print(f"  error ({target.label}, {mode}): {body[:500]}", file=sys.stderr)
    return result


def measure(targets: list[Target], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Every mode, in rounds: each round runs every target once (in a rotating order), so that all
    targets see the shared machine in the same state; "open-half" runs each target at half the
    throughput it sustained at saturation. A target overloaded at the fixed rate is not sent it again."""
    seconds = args.duration / args.rounds
    out: dict[str, dict[str, Any]] = {t.key: {"label": t.label, "modes": {}} for t in targets}
    for mode in args.modes:
        rates: dict[str, float] = {}
        for target in targets:
            if mode == "open-half":
                saturated = out[target.key]["modes"].get("saturation", {}).get("ops_per_s")
                if saturated:
                    rates[target.key] = saturated / 2
            else:
                rates[target.key] = args.rate
        runs: dict[str, list[Run]] = {key: [] for key in rates}
        for round_no in range(args.rounds):
            order = targets[round_no % len(targets) :] + targets[: round_no % len(targets)]
            for target in order:
                if target.key not in rates:
                    continue
                if mode == "open" and any(run.record.overloaded for run in runs[target.key]):
                    continue
                runs[target.key].append(run_once(target, mode, rates[target.key], args, seconds))
        for target in targets:
            if runs.get(target.key):
                result = combine(target, mode, rates[target.key], runs[target.key], seconds)
                if mode == "saturation":
                    result["clients"] = args.concurrency
                out[target.key]["modes"][mode] = result
    return out


# --- profile (in process) ------------------------------------------------------------------------------


def _sql_shape(sql: str) -> str:
    """A statement with its literals taken out, to group the same query made with other values."""
    shape = re.sub(r"\s+", " ", sql)
    shape = re.sub(r"'(?:[^']|'')*'", "?", shape)
    shape = re.sub(r"\b\d+(\.\d+)?\b", "?", shape)
    return re.sub(r"\(\?(, \?)+\)", "(…)", shape)[:160]


# The parts of a registration named in the report: (label, pattern on "file:line(function)").
PROFILE_PARTS = {
    "whole request (test client post)": r"rest_framework/test\.py:\d+\(post\)",
    "knox TokenAuthentication.authenticate": r"knox/auth\.py:\d+\(authenticate\)",
    "idempotency (the decorator)": r"core/api/idempotency\.py:\d+\(wrapper\)",
    "MatterApi.create": r"petitions/apis\.py:\d+\(create\)",
    "MatterIntakeForm.is_valid": r"django/forms/forms\.py:\d+\(is_valid\)",
    "duplicate check (_repeats_context)": r"petitions/views/intake\.py:\d+\(_repeats_context\)",
    "  repeat_candidates": r"petitions/services/repeats\.py:\d+\(repeat_candidates\)",
    "  _text_corpus": r"petitions/services/repeats\.py:\d+\(_text_corpus\)",
    "  similar_texts": r":\d+\(similar_texts\)",
    "matter_register": r"petitions/services/intake\.py:\d+\(matter_register\)",
    "  matter_number_next": r":\d+\(matter_number_next\)",
    "  matter_clock_start": r":\d+\(matter_clock_start\)",
    "  audit_record": r"audit/services\.py:\d+\(audit_record\)",
    "matter_detail (the answer's re-read)": r"petitions/selectors\.py:\d+\(matter_detail\)",
    "serializer .data (the answer)": r"rest_framework/serializers\.py:\d+\(data\)",
    "JSON rendering": r"rest_framework/renderers\.py:\d+\(render\)",
    "SQL: cursor execute (all)": r"django/db/backends/utils\.py:\d+\(execute\)",
    "commit": r"django/db/backends/base/base\.py:\d+\(commit\)",
}


# Functions timed in place during the instrumented pass (wall time and queries of each call; nested
# ones are inside their parents): (module, attribute path) -> label.
INSTRUMENTED = {
    ("knox.auth", "TokenAuthentication.authenticate"): "knox token authentication",
    ("xinfang.core.api.idempotency", "_claim"): "idempotency: claim the key (own transaction)",
    ("xinfang.petitions.apis", "_organisations_or_403"): "the caller's offices (403 check)",
    ("xinfang.petitions.apis", "MatterRegisterSerializer.is_valid"): "body serializer is_valid",
    ("xinfang.petitions.apis", "MatterIntakeForm.is_valid"): "counter form is_valid",
    ("xinfang.petitions.apis", "_repeats_context"): "duplicate check (_repeats_context)",
    ("xinfang.petitions.views.intake", "repeat_candidates"): "  repeat_candidates",
    ("xinfang.petitions.services.repeats", "_text_corpus"): "    _text_corpus (window read + normalise)",
    ("xinfang.petitions.services.repeats", "similar_texts"): "    similar_texts (rapidfuzz)",
    ("xinfang.petitions.services.repeats", "_petitioner_matches"): "    _petitioner_matches",
    ("xinfang.petitions.services.repeats", "candidate_label"): "    candidate_label",
    ("xinfang.petitions.apis", "matter_register"): "matter_register (service)",
    ("xinfang.petitions.services.intake", "_validate"): "  _validate",
    ("xinfang.petitions.models", "Matter.full_clean"): "  Matter.full_clean",
    ("xinfang.petitions.services.intake", "matter_number_next"): "  matter_number_next (locks the counter row)",
    ("xinfang.petitions.services.intake", "_petitioner_for"): "  _petitioner_for",
    ("xinfang.petitions.services.intake", "audit_record"): "  audit_record (advisory lock, chain)",
    ("xinfang.petitions.services.intake", "matter_clock_start"): "  matter_clock_start (x2: D1, D2)",
    ("xinfang.petitions.services.intake", "link_hotline_order"): "  link_hotline_order",
    ("xinfang.petitions.apis", "matter_detail"): "matter_detail (re-read for the answer)",
    ("xinfang.petitions.apis", "MatterCreatedSerializer.to_representation"): "answer serializer (MatterCreated)",
    ("xinfang.petitions.apis", "MatterSerializer.get_participants"): "  participants",
    ("xinfang.petitions.apis", "MatterSerializer.get_clocks"): "  clocks",
    ("xinfang.petitions.apis", "MatterSerializer.get_routings"): "  routings",
    ("xinfang.petitions.apis", "MatterSerializer.get_notices"): "  notices",
    ("xinfang.petitions.apis", "MatterSerializer.get_attachments"): "  attachments",
    ("xinfang.petitions.apis", "MatterSerializer.get_documents"): "  documents",
    ("xinfang.petitions.apis", "MatterSerializer.get_links"): "  links",
    ("xinfang.petitions.apis", "RepeatCandidateSerializer.to_representation"): "  repeat_candidates (each)",
    ("xinfang.petitions.apis", "with_etag"): "with_etag",
    ("xinfang.core.api.idempotency", "IdempotencyKey.save"): "idempotency: store the answer",
}


def _instrument(timings: dict[str, list[float]]) -> Callable[[], None]:
    """Wrap each INSTRUMENTED function (in this child process only) to add up its wall time, its CPU
    time (this thread's: the Python work, whatever else the machine runs) and its queries into
    `timings[label]` = [calls, seconds, cpu seconds, queries]; returns what puts them back."""
    import functools
    import importlib

    from django.db import connection

    originals: list[tuple[Any, str, Any]] = []
    for (module_name, path), label in INSTRUMENTED.items():
        owner: Any = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        original = getattr(owner, name)
        timings[label] = [0, 0.0, 0.0, 0]

        def wrapped(*a: Any, __original: Any = original, __label: str = label, **kw: Any) -> Any:
            queries = len(connection.queries_log)
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return __original(*a, **kw)
            finally:
                row = timings[__label]
                row[0] += 1
                row[1] += time.perf_counter() - started
                row[2] += time.thread_time() - cpu
                row[3] += len(connection.queries_log) - queries

        # A class's own attribute is put back; an inherited one is removed again.
        originals.append((owner, name, owner.__dict__.get(name) if isinstance(owner, type) else original))
        setattr(owner, name, functools.wraps(original)(wrapped))

    def restore() -> None:
        for owner, name, original in reversed(originals):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)

    return restore


def run_profile_child(spec_path: str) -> dict[str, Any]:
    """In a child process with the server's settings and database: registrations through Django's test
    client (the whole DRF stack, no HTTP or gunicorn), timed with their queries, then under cProfile."""
    import cProfile
    import pstats
    from collections import defaultdict

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from xinfang.petitions.models import Matter

    spec = json.loads(Path(spec_path).read_text())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + spec["token"])
    bodies, suggestions, n = spec["bodies"], spec["suggest"], spec["n"]

    def register(i: int, *, key: bool = True) -> None:
        headers = {"HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex} if key else {}
        body = {**bodies[i % len(bodies)], "received_at": _received_at()}
        answer = client.post("/api/v1/matters/", body, format="json", **headers)
        assert answer.status_code == 201, (answer.status_code, answer.content[:500])

    def suggest(i: int) -> None:
        answer = client.post("/api/v1/matter-types/suggest/", suggestions[i % len(suggestions)], format="json")
        assert answer.status_code == 200, (answer.status_code, answer.content[:500])

    for i in range(5):  # connections, caches, the duplicate check's text cache
        register(i)
        suggest(i)
    out: dict[str, Any] = {"n": n, "matters_at_start": Matter.objects.count()}
    walls, cpus, counts, sql_ms = [], [], [], []
    groups: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for i in range(n):
        connection.queries_log.clear()  # a bounded deque: a full one would capture nothing
        with CaptureQueriesContext(connection) as captured:
            started, cpu = time.perf_counter(), time.thread_time()
            register(1000 + i)
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.thread_time() - cpu) * 1000)
        counts.append(len(captured))
        total = 0.0
        for query in captured.captured_queries:
            ms = float(query["time"]) * 1000
            total += ms
            group = groups[_sql_shape(query["sql"])]
            group[0] += 1
            group[1] += ms
        sql_ms.append(total)
    walls.sort()
    out["register_ms"] = {
        "p50": round(walls[len(walls) // 2], 1),
        "mean": round(statistics.fmean(walls), 1),
        "cpu_mean": round(statistics.fmean(cpus), 1),  # this process's Python work, without PostgreSQL's
    }
    out["queries_per_register"] = {"min": min(counts), "max": max(counts), "mean": round(statistics.fmean(counts), 1)}
    out["sql_ms_per_register"] = round(statistics.fmean(sql_ms), 1)
    out["top_queries"] = sorted(
        (
            {"sql": sql, "per_request": round(c / n, 2), "ms_per_request": round(ms / n, 2)}
            for sql, (c, ms) in groups.items()
        ),
        key=lambda row: -row["ms_per_request"],
    )[:15]

    # Instrumented pass: each part's wall time and queries, and how long the registration holds
    # the counter row and the audit lock (from matter_number_next to the commit).
    timings: dict[str, list[float]] = {}
    restore = _instrument(timings)
    held: dict[str, list[float]] = {"with_key": [], "without_key": []}
    bucket = held["with_key"]
    from django.db import transaction

    from xinfang.petitions.services import intake

    numbered = intake.matter_number_next

    def number_and_clock(**kwargs: Any) -> str:
        taken = time.perf_counter()
        into = bucket
        transaction.on_commit(lambda: into.append(time.perf_counter() - taken))
        return numbered(**kwargs)

    intake.matter_number_next = number_and_clock  # type: ignore[assignment]
    started, cpu = time.perf_counter(), time.thread_time()
    connection.force_debug_cursor = True
    for i in range(n):
        connection.queries_log.clear()  # a bounded deque: the parts count differences within one request
        register(3000 + i)
    connection.force_debug_cursor = False
    whole, whole_cpu = (time.perf_counter() - started) / n * 1000, (time.thread_time() - cpu) / n * 1000
    measured = {label: list(row) for label, row in timings.items()}  # before the pass without keys
    bucket = held["without_key"]
    for i in range(min(n, 50)):
        register(4000 + i, key=False)
    intake.matter_number_next = numbered
    restore()
    out["instrumented"] = {
        "whole_request_ms": round(whole, 2),
        "whole_request_cpu_ms": round(whole_cpu, 2),
        "parts": [
            {
                "part": label,
                "calls_per_request": round(row[0] / n, 2),
                "ms_per_request": round(row[1] / n * 1000, 2),
                "cpu_ms_per_request": round(row[2] / n * 1000, 2),
                "queries_per_request": round(row[3] / n, 2),
            }
            for label, row in measured.items()
        ],
        "counter_row_and_audit_lock_held_ms": {
            name: {
                "mean": round(statistics.fmean(values) * 1000, 2),
                "p95": round(_percentile(sorted(values), 95) * 1000, 2),
            }
            for name, values in held.items()
            if values
        },
    }

    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n):
        register(5000 + i)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, name), (_cc, calls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename.split("site-packages/")[-1].split(str(ROOT) + "/")[-1]
        rows.append(
            {
                "function": f"{where}:{line}({name})",
                "cumulative_ms_per_request": round(cumulative / n * 1000, 2),
                "own_ms_per_request": round(own / n * 1000, 2),
                "calls_per_request": round(calls / n, 1),
            }
        )

    def pick(pattern: str) -> dict[str, Any] | None:
        found = [row for row in rows if re.search(pattern, row["function"])]
        return max(found, key=lambda row: row["cumulative_ms_per_request"]) if found else None

    out["profiled_ms_per_register"] = round(stats.total_tt / n * 1000, 1)  # type: ignore[attr-defined]
    out["parts"] = {label: pick(pattern) for label, pattern in PROFILE_PARTS.items()}
    out["top_cumulative"] = sorted(rows, key=lambda row: -row["cumulative_ms_per_request"])[:50]
    out["top_own"] = sorted(rows, key=lambda row: -row["own_ms_per_request"])[:30]

    started, cpu = time.perf_counter(), time.thread_time()
    for i in range(n):
        register(9000 + i, key=False)
    out["register_without_idempotency_key_ms_mean"] = round((time.perf_counter() - started) / n * 1000, 1)
    out["register_without_idempotency_key_cpu_ms_mean"] = round((time.thread_time() - cpu) / n * 1000, 1)
    started, cpu = time.perf_counter(), time.thread_time()
    for i in range(n):
        suggest(i)
    out["suggest_ms_mean"] = round((time.perf_counter() - started) / n * 1000, 1)
    out["suggest_cpu_ms_mean"] = round((time.thread_time() - cpu) / n * 1000, 1)
    out["matters_at_end"] = Matter.objects.count()
    return out


def profile_ours(
    args: argparse.Namespace, token: str, messages: list[Message], places: list[int], tmp: Path
) -> dict[str, Any]:
    """Registration in process, with the server stopped: cProfile, queries per request and their time."""
    env = _ours_env(args.pg_url, tmp / "xinfang-var")
    env["DJANGO_ALLOWED_HOSTS"] += ",testserver"  # Django's test client
    spec = {
        "token": token,
        "n": args.profile,
        "bodies": [ours_register_body(m, places[i % len(places)] if places else None) for i, m in enumerate(messages)],
        "suggest": [
            {"text": f"{m.title}\n{m.detail}"[:SUGGEST_TEXT_MAX], "place": places[i % len(places)] if places else None}
            for i, m in enumerate(messages)
        ],
    }
    spec_file, out_file = tmp / "profile-spec.json", tmp / "profile-out.json"
    spec_file.write_text(json.dumps(spec, ensure_ascii=False))
    cmd = [sys.executable, __file__, "--profile-child", str(spec_file), "--profile-out", str(out_file)]
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"profile failed:\n{done.stderr[-3000:]}")
    print(f"  profile: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return dict(json.loads(out_file.read_text()))


# --- report --------------------------------------------------------------------------------------------


def _fmt(value: Any, spec: str = ">8.1f") -> str:
    return format(value, spec) if isinstance(value, int | float) else format(str(value), ">8")


def table(results: dict[str, Any]) -> str:
    cfg = results["config"]
    lines = [
        f"API intake: gunicorn, {cfg['workers']} sync workers per server, PostgreSQL "
        f"{results['versions'].get('postgresql', '?')} on the same machine ({results['cpus']} CPUs, load average "
        f"{results['load_average']['before']} before, {results['load_average']['after']} after)",
        f"each target and mode measured {cfg['duration_s']:g} s in {cfg['rounds']} runs interleaved with the other "
        f"targets', each after {cfg['warmup_s']:g} s of warm-up; saturation: {cfg['concurrency']} closed-loop clients; "
        f"open: {cfg['rate']:g} operations/s on a timetable, latency from the scheduled send; times in ms",
        f"{'target':<26}{'mode':<18}{'ops/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'errors':>8}"
        f"{'cpu app':>9}{'cpu db':>8}{'rows':>8}",
    ]
    for target in results["targets"].values():
        for mode, m in target["modes"].items():
            cpu = m["cpu_ms_per_operation"]
            name = mode if mode == "saturation" else f"{mode} {m['rate']:g}/s"
            lines.append(
                f"{target['label']:<26}{name:<18}{m['ops_per_s']:>8.1f}{_fmt(m.get('p50_ms', '-'))}"
                f"{_fmt(m.get('p95_ms', '-'))}{_fmt(m.get('p99_ms', '-'))}{_fmt(m.get('max_ms', '-'))}"
                f"{m['errors']:>8}{cpu['server']:>9.1f}{cpu['database']:>8.1f}{m['rows_after']:>8}"
            )
    lines.append(
        "cpu app / cpu db: CPU ms per operation of the gunicorn processes / of their PostgreSQL backends "
        "(warm-up included); rows: rows in the database after the mode"
    )
    for target in results["targets"].values():
        for mode, m in target["modes"].items():
            if "overloaded" in m:
                lines.append(
                    f"{target['label']} {mode} at {m['rate']}/s: overloaded, {BEHIND_S} s of operations unanswered "
                    f"after {m['overloaded']['stopped_after_s']} s; stopped, {m['overloaded']['unsent']} not sent "
                    "(counted as errors)"
                )
    for key, verdict in results.get("verdicts", {}).items():
        lines.append(f"{key}: {verdict['text']}")
    return "\n".join(lines)


def verdicts(results: dict[str, Any]) -> dict[str, Any]:
    targets = results["targets"]
    out: dict[str, Any] = {}
    helpdesk = targets.get("helpdesk", {}).get("modes", {})
    for key in OURS:
        ours = targets.get(key, {}).get("modes", {})
        if not ours:
            continue
        label = targets[key]["label"]
        if "saturation" in ours and "saturation" in helpdesk and helpdesk["saturation"]["ops_per_s"]:
            ratio = ours["saturation"]["ops_per_s"] / helpdesk["saturation"]["ops_per_s"]
            cpu_ours = sum(ours["saturation"]["cpu_ms_per_operation"].values())
            cpu_theirs = sum(helpdesk["saturation"]["cpu_ms_per_operation"].values())
            met = ratio >= TARGET_RATIO
            out[f"{key}_throughput"] = {
                "ratio": round(ratio, 2),
                "cpu_ratio_helpdesk_over_ours": round(cpu_theirs / cpu_ours, 2) if cpu_ours else None,
                "met": met,
                "text": f"{label} / helpdesk ticket at saturation: {ratio:.2f}x (target >= {TARGET_RATIO:.0f}x: "
                f"{'met' if met else 'MISSED'}); CPU per operation helpdesk/ours {cpu_theirs / cpu_ours:.2f}x",
            }
        half = ours.get("open-half", {})
        if "p95_ms" in half:
            out[f"{key}_p95_half"] = {
                "rate": half["rate"],
                "p95_ms": half["p95_ms"],
                "text": f"{label} p95 at {half['rate']} operations/s (half its saturation throughput): "
                f"{half['p95_ms']} ms (for information)",
            }
        if "open" in ours and "p95_ms" in ours["open"]:
            p95 = ours["open"]["p95_ms"]
            met = p95 < TARGET_P95_MS and ours["open"]["errors"] == 0
            out[f"{key}_p95"] = {
                "p95_ms": p95,
                "met": met,
                "text": f"{label} p95 at {results['config']['rate']} operations/s: {p95} ms (target < "
                f"{TARGET_P95_MS:.0f} ms: {'met' if met else 'MISSED'})",
            }
    return out


def profile_table(profile: dict[str, Any]) -> str:
    inst = profile["instrumented"]
    held = inst["counter_row_and_audit_lock_held_ms"]
    key, nokey = held.get("with_key", {}), held.get("without_key", {})
    lines = [
        f"in-process profile of POST /api/v1/matters/ (Django's test client, same settings and database, no HTTP; "
        f"{profile['matters_at_start']}..{profile['matters_at_end']} matters in the database)",
        f"  {profile['register_ms']['mean']} ms mean ({profile['register_ms']['p50']} p50, "
        f"{profile['register_ms']['cpu_mean']} ms CPU of this process) for {profile['queries_per_register']['mean']} "
        f"queries taking {profile['sql_ms_per_register']} ms of it; without the Idempotency-Key "
        f"{profile['register_without_idempotency_key_ms_mean']} ms "
        f"({profile['register_without_idempotency_key_cpu_ms_mean']} CPU); the suggestion alone "
        f"{profile['suggest_ms_mean']} ms ({profile['suggest_cpu_ms_mean']} CPU)",
        f"  counter row (MatterSequence) and audit advisory lock held from matter_number_next to the commit "
        f"(every registration at one office waits for them): {key.get('mean')} ms mean, {key.get('p95')} ms p95 "
        f"with an Idempotency-Key, {nokey.get('mean')} ms mean, {nokey.get('p95')} ms p95 without",
        f"{'part (timed in place; nested parts indented)':<50}{'ms':>8}{'cpu ms':>8}{'queries':>9}{'calls':>7}",
        f"{'whole request':<50}{inst['whole_request_ms']:>8.2f}{inst['whole_request_cpu_ms']:>8.2f}",
    ]
    for row in inst["parts"]:
        lines.append(
            f"{row['part']:<50}{row['ms_per_request']:>8.2f}{row['cpu_ms_per_request']:>8.2f}"
            f"{row['queries_per_request']:>9.1f}{row['calls_per_request']:>7.1f}"
        )
    lines.append("costliest queries per registration: count, ms, statement")
    for row in profile["top_queries"][:10]:
        lines.append(f"  {row['per_request']:>5.1f} {row['ms_per_request']:>7.2f}  {row['sql'][:110]}")
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------------------------


def _versions_ours(db: Database) -> dict[str, str]:
    import importlib.metadata as metadata

    out = {p: metadata.version(p) for p in ("Django", "djangorestframework", "django-rest-knox", "gunicorn", "aiohttp")}
    out["postgresql"] = str(db.query("SHOW server_version")[0][0]).split()[0]
    return out


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server")
    parser.add_argument("--concurrency", type=int, default=16, help="closed-loop clients at saturation")
    parser.add_argument("--duration", type=float, default=20, help="seconds measured per target and mode")
    parser.add_argument("--rounds", type=int, default=2, help="the duration is split into this many interleaved runs")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load before each run's measurement")
    parser.add_argument("--rate", type=float, default=50, help="open-loop arrival rate (operations/s)")
    parser.add_argument("--demo-matters", type=int, default=300, help="demo matters loaded first (0: none)")
    parser.add_argument(
        "--modes",
        nargs="+",
        default=["saturation", "open", "open-half"],
        choices=["saturation", "open", "open-half"],
        help="open: at --rate; open-half: at half the target's saturation throughput",
    )
    parser.add_argument(
        "--targets",
        nargs="+",
        default=[*OURS, "helpdesk"],
        choices=[*OURS, "helpdesk"],
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument("--profile", type=int, default=200, help="registrations profiled in process (0: none)")
    parser.add_argument("--keep-databases", action="store_true", help="leave both databases for inspection")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--profile-child", help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile_child:
        Path(args.profile_out).write_text(json.dumps(run_profile_child(args.profile_child)))
        return

    if not args.data.exists():
        print(f"skipped: {args.data} is not there (the shared data folder beside the repository)")
        return
    try:
        pg_admin(args.pg_url, "SELECT 1")
    except Exception as exc:
        print(f"skipped: PostgreSQL not reachable at {args.pg_url}: {exc}")
        return
    signal.signal(signal.SIGTERM, _interrupt)  # stop the servers and drop the databases as on Ctrl-C

    messages = load_messages(args.data)
    load_start = round(os.getloadavg()[0], 2)
    results: dict[str, Any] = {
        "benchmark": "api_intake",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "config": {
            "workers": args.workers,
            "worker_class": "sync",
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "warmup_s": args.warmup,
            "rate": args.rate,
            "demo_matters": args.demo_matters,
            "messages": len(messages),
            "idempotency_key": "a fresh key on every registration, except in 'xinfang register, no key'",
            "settings": {"xinfang": "config.settings.prod", "helpdesk": "bench/helpdesk_site/settings.py"},
        },
        "targets": {},
    }
    servers: list[Server] = []
    databases = [args.pg_url, args.pg_url.rsplit("/", 1)[0] + "/" + HELPDESK_DB]
    with tempfile.TemporaryDirectory(prefix="xinfang-bench-api-") as tmp_name:
        tmp = Path(tmp_name)
        log = tmp / "setup.log"
        try:
            ours_wanted = [t for t in args.targets if t.startswith("xinfang")]
            targets: list[Target] = []
            token = ""
            places: list[int] = []
            if ours_wanted:
                server, token, db = setup_ours(args, tmp, log)
                servers.append(server)
                results["versions"] = _versions_ours(db)
                server.start("/api/v1/", token)
                places = asyncio.run(_places(server.base, token))
                operations = ours_operations(server.base, token, messages, places)
                results["config"]["places"] = len(places)
                for key in ours_wanted:
                    label, requests = OURS[key]
                    targets.append(
                        Target(
                            key=key,
                            label=label,
                            server=server,
                            database=db,
                            table="petitions_matter",
                            operation=operations[key],
                            requests_per_operation=requests,
                        )
                    )
            if "helpdesk" in args.targets:
                server, hd_token, queue, hd_db = setup_helpdesk(args, tmp, log)
                servers.append(server)
                results["versions_helpdesk"] = helpdesk_versions()
                server.start("/api/tickets/?page_size=1", hd_token)
                targets.append(
                    Target(
                        key="helpdesk",
                        label="helpdesk ticket",
                        server=server,
                        database=hd_db,
                        table="helpdesk_ticket",
                        operation=helpdesk_operation(server.base, hd_token, queue, messages),
                    )
                )
            # Both servers are up from here on; only one is under load at a time.
            results["targets"] = measure(targets, args)
            for server in servers:
                server.stop()
            results.setdefault("versions", {})
            results["load_average"] = {"before": load_start, "after": round(os.getloadavg()[0], 2)}
            results["verdicts"] = verdicts(results)
            print(table(results))
            if args.profile and ours_wanted:
                results["profile"] = profile_ours(args, token, messages, places, tmp)
                print(profile_table(results["profile"]))
        finally:
            for server in servers:
                server.stop()
            if not args.keep_databases:
                for url in databases:
                    try:
                        pg_admin(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)")
                    except Exception as exc:
                        print(f"could not drop {url}: {exc}", file=sys.stderr)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {args.results}")


if __name__ == "__main__":
    main()
