"""Test DAGs for opsdeck's Airflow integration tests (tests/airflow.rs).

- ``opsdeck_ok``: extract >> load, both succeed.
- ``opsdeck_fail``: extract >> transform >> load. ``transform`` fails unless the
  run's marker file ``$AIRFLOW_HOME/markers/<run_id>.ok`` exists, leaving ``load``
  upstream_failed; a test that creates its run's marker and clears the failed tasks sees
  that run succeed, while the other runs keep failing.
- ``opsdeck_paused``: one task, paused from the start: a run triggered for it stays
  queued and costs nothing.
- ``opsdeck_chain_up`` and ``opsdeck_chain_down``: a chain of two DAGs, as a nightly
  pipeline has. ``produce`` (up) fails unless ``markers/<run_id>.ok`` exists, and when it
  succeeds writes ``markers/chain-<run_id>.done``; ``wait_for_up`` (down) is a sensor on
  that file that gives up after a few seconds, so down fails through its sensor while up
  is red. Both are triggered with the same run id, as one night.
"""

import os
from datetime import datetime

from airflow.providers.standard.sensors.python import PythonSensor
from airflow.sdk import dag, get_current_context, task

MARKERS = os.path.join(os.environ.get("AIRFLOW_HOME", "."), "markers")


@dag(
    dag_id="opsdeck_ok",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    tags=["opsdeck-test"],
)
def opsdeck_ok():
    @task
    def extract():
        print("extracted 3 rows")
        return 3

    @task
    def load(rows: int):
        print(f"loaded {rows} rows")

    load(extract())


@dag(
    dag_id="opsdeck_fail",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    default_args={"retries": 0},
    tags=["opsdeck-test"],
)
def opsdeck_fail():
    @task
    def extract():
        print("extracted 3 rows")
        return 3

    @task
    def transform(rows: int):
        run_id = get_current_context()["run_id"]
        if not os.path.exists(os.path.join(MARKERS, f"{run_id}.ok")):
            raise ValueError(f"opsdeck test failure: {rows} rows rejected, marker missing")
        print(f"transformed {rows} rows")
        return rows

    @task
    def load(rows: int):
        print(f"loaded {rows} rows")

    load(transform(extract()))


@dag(
    dag_id="opsdeck_paused",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=True,
    tags=["opsdeck-test"],
)
def opsdeck_paused():
    @task
    def wait():
        print("never runs while the DAG is paused")

    wait()


@dag(
    dag_id="opsdeck_chain_up",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    default_args={"retries": 0},
    tags=["opsdeck-test"],
)
def opsdeck_chain_up():
    @task
    def produce():
        run_id = get_current_context()["run_id"]
        if not os.path.exists(os.path.join(MARKERS, f"{run_id}.ok")):
            raise ValueError("opsdeck chain test: the source is down, marker missing")
        with open(os.path.join(MARKERS, f"chain-{run_id}.done"), "w") as done:
            done.write("produced\n")

    produce()


def _up_is_done(**context):
    return os.path.exists(os.path.join(MARKERS, f"chain-{context['run_id']}.done"))


@dag(
    dag_id="opsdeck_chain_down",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    default_args={"retries": 0},
    tags=["opsdeck-test"],
)
def opsdeck_chain_down():
    wait = PythonSensor(
        task_id="wait_for_up",
        python_callable=_up_is_done,
        poke_interval=1,
        timeout=4,
        mode="poke",
    )

    @task
    def publish():
        print("published what up produced")

    wait >> publish()


opsdeck_ok()
opsdeck_fail()
opsdeck_paused()
opsdeck_chain_up()
opsdeck_chain_down()
