"""Test DAGs for opsdeck's Airflow integration tests (tests/airflow.rs).

- ``opsdeck_ok``: extract >> load, both succeed.
- ``opsdeck_fail``: extract >> transform >> load. ``transform`` fails unless the
  run's marker file ``$AIRFLOW_HOME/markers/<run_id>.ok`` exists, leaving ``load``
  upstream_failed; a test that creates its run's marker and clears the failed tasks sees
  that run succeed, while the other runs keep failing.
- ``opsdeck_paused``: one task, paused from the start: a run triggered for it stays
  queued and costs nothing.
"""

import os
from datetime import datetime

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


opsdeck_ok()
opsdeck_fail()
opsdeck_paused()
