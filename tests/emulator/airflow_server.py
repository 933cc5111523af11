"""Starts a real Apache Airflow 3 on 127.0.0.1 for opsdeck's integration tests.

Run with the venv that scripts/venv-airflow creates:

    .venv/airflow/bin/python tests/emulator/airflow_server.py

It makes a temporary AIRFLOW_HOME (SQLite, LocalExecutor, parallelism 4, no examples),
copies the DAGs of tests/emulator/dags into it (with an empty `markers` directory for the
failing DAG), migrates the database, and starts the api-server (on a free port), the
scheduler and the dag-processor. Once the REST API answers with a token and the test DAGs
are parsed it prints one line on stdout:

    READY <base_url> <user> <password> <airflow_home>

and then waits for its standard input to close (the test process ending closes it). Then it
stops every process it started, children included, and removes the temporary directory.
If Airflow cannot start in time it prints `FAILED <reason>` on stdout, the tails of the
server logs on stderr, cleans up and exits 1.

With `OPSDECK_AIRFLOW_LOAD_DAGS=N` it also makes N more DAGs, `opsdeck_load_000`…, each
one EmptyOperator task (the scheduler ends it without running anything), not scheduled,
tagged `opsdeck-load`, and says READY once they are all parsed: a platform of N DAGs for
measuring the requests a console sends (tests/airflow.rs, docs/performance.md).
"""

import ctypes
import importlib.metadata
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import psutil

HERE = os.path.dirname(os.path.abspath(__file__))
DAGS = os.path.join(HERE, "dags")
TEST_DAGS = ("opsdeck_ok", "opsdeck_fail", "opsdeck_paused")
USER = "opsdeck"
START_TIMEOUT = float(os.environ.get("OPSDECK_AIRFLOW_START_TIMEOUT", "110"))
# A migrated database is kept next to the venv, by Airflow version, so that later starts
# copy it instead of migrating again (the migration is most of a cold start).
TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.dirname(sys.executable)), "opsdeck-db")

LOAD_DAGS = int(os.environ.get("OPSDECK_AIRFLOW_LOAD_DAGS", "0"))
LOAD_DAG_FILE = '''"""OPSDECK_AIRFLOW_LOAD_DAGS DAGs of one EmptyOperator each (tests/emulator/airflow_server.py)."""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

for i in range({count}):
    with DAG(
        dag_id=f"opsdeck_load_{{i:03}}",
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        is_paused_upon_creation=False,
        tags=["opsdeck-load"],
    ) as dag:
        EmptyOperator(task_id="noop")
    globals()[dag.dag_id] = dag
'''

PR_SET_PDEATHSIG = 1
started = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def airflow_env(home, port, password_file):
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__DAGS_FOLDER": os.path.join(home, "dags"),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": password_file,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
            # The api-server, the scheduler and the task workers must share the JWT secret.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "PYTHONDONTWRITEBYTECODE": "1",
            "NO_PROXY": "*",
        }
    )
    env.pop("AIRFLOW_CONFIG", None)
    return env


def start_child(niceness):
    """In the child before exec: its priority, and a TERM if this launcher dies (even by
    SIGKILL), so that a component never outlives it."""
    if niceness:
        os.nice(niceness)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def run_logged(args, env, log_path, niceness=0):
    log = open(log_path, "ab")
    proc = subprocess.Popen(
        args,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: start_child(niceness),
    )
    started.append((proc, log_path))
    return proc


def migrate(home, env):
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    version = importlib.metadata.version("apache-airflow")
    template = os.path.join(TEMPLATE_DIR, f"airflow-{version}.db")
    db = os.path.join(home, "airflow.db")
    if os.path.exists(template):
        shutil.copyfile(template, db)
        return
    log_path = os.path.join(home, "logs", "migrate.log")
    with open(log_path, "ab") as log:
        done = subprocess.run(
            [airflow, "db", "migrate"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    if done.returncode != 0:
        fail("`airflow db migrate` failed", [log_path])
    os.makedirs(TEMPLATE_DIR, exist_ok=True)
    partial = f"{template}.{os.getpid()}"
    shutil.copyfile(db, partial)
    os.replace(partial, template)


def request(url, method="GET", body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read() or b"null")


API_UP = None


def ready(base_url, password):
    global API_UP
    try:
        token = request(
            f"{base_url}/auth/token",
            "POST",
            {"username": USER, "password": password},
        )["access_token"]
        if API_UP is None:
            API_UP = time.monotonic()
        dags = request(f"{base_url}/api/v2/dags?tags=opsdeck-test&limit=100", token=token)
    except (urllib.error.URLError, OSError, KeyError, ValueError):
        return False
    parsed = {d.get("dag_id") for d in dags.get("dags", [])}
    if not all(dag in parsed for dag in TEST_DAGS):
        return False
    if LOAD_DAGS:
        try:
            load = request(f"{base_url}/api/v2/dags?tags=opsdeck-load&limit=1", token=token)
        except (urllib.error.URLError, OSError, ValueError):
            return False
        return load.get("total_entries") == LOAD_DAGS
    return True


def stop_all():
    """Stops every process started here and their descendants: TERM, then KILL."""
    procs = []
    for proc, _ in started:
        try:
            parent = psutil.Process(proc.pid)
            procs.extend(parent.children(recursive=True))
            procs.append(parent)
        except psutil.NoSuchProcess:
            pass
    for p in procs:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=8)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=5)
    # Anything left in our process group (a grandchild that re-parented) goes too.
    me = os.getpid()
    for p in psutil.process_iter(["pid"]):
        try:
            if p.pid != me and os.getpgid(p.pid) == os.getpgid(me):
                p.kill()
        except (psutil.NoSuchProcess, ProcessLookupError, PermissionError):
            pass


HOME = None


def cleanup():
    stop_all()
    if HOME:
        shutil.rmtree(HOME, ignore_errors=True)


def fail(reason, logs):
    print(f"FAILED {reason}", flush=True)
    for path in logs:
        try:
            with open(path, errors="replace") as f:
                tail = f.read()[-4000:]
        except OSError:
            continue
        print(f"--- {os.path.basename(path)} (tail)\n{tail}", file=sys.stderr, flush=True)
    cleanup()
    sys.exit(1)


def main():
    global HOME
    # Our own process group, so that nothing we start outlives the cleanup.
    os.setpgrp()
    signal.signal(signal.SIGTERM, lambda *_: (cleanup(), sys.exit(0)))
    signal.signal(signal.SIGINT, lambda *_: (cleanup(), sys.exit(0)))

    HOME = tempfile.mkdtemp(prefix="opsdeck-airflow-")
    os.makedirs(os.path.join(HOME, "logs"))
    # The failing test DAG looks here for its run's marker (see the DAGs' docstring).
    os.makedirs(os.path.join(HOME, "markers"))
    shutil.copytree(DAGS, os.path.join(HOME, "dags"), ignore=shutil.ignore_patterns("__pycache__"))
    if LOAD_DAGS:
        with open(os.path.join(HOME, "dags", "opsdeck_load_dags.py"), "w") as f:
            f.write(LOAD_DAG_FILE.format(count=LOAD_DAGS))
    password = secrets.token_urlsafe(12)
    password_file = os.path.join(HOME, "passwords.json")
    with open(password_file, "w") as f:
        json.dump({USER: password}, f)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = airflow_env(HOME, port, password_file)

    t0 = time.monotonic()
    migrate(HOME, env)
    migrated = time.monotonic() - t0
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    logs = os.path.join(HOME, "logs")
    # The api-server's start is the longest; on a small machine the others yield to it.
    for component, niceness in (("api-server", 0), ("scheduler", 10), ("dag-processor", 0)):
        run_logged(
            [airflow, component], env, os.path.join(logs, f"{component}.log"), niceness
        )

    deadline = time.monotonic() + START_TIMEOUT
    while not ready(base_url, password):
        for proc, log_path in started:
            if proc.poll() is not None:
                fail(f"{os.path.basename(log_path)[:-4]} exited with {proc.returncode}", [log_path])
        if time.monotonic() > deadline:
            fail(
                f"Airflow did not answer within {START_TIMEOUT:.0f} s",
                [log for _, log in started],
            )
        time.sleep(0.3)
    print(
        f"Airflow started in {time.monotonic() - t0:.1f} s: database {migrated:.1f} s, "
        f"API up at {(API_UP or t0) - t0:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    print(f"READY {base_url} {USER} {password} {HOME}", flush=True)
    # Until the test process closes our stdin (it exits, or drops the pipe).
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        cleanup()


if __name__ == "__main__":
    main()
