"""Test DAGs for opsdeck's Airflow integration tests (tests/airflow.rs).

- ``opsdeck_ok``: extract >> load, both succeed.
- ``opsdeck_fail``: extract >> transform >> load. ``transform`` fails unless the
  marker file ``$AIRFLOW_HOME/transform.ok`` exists, leaving ``load`` upstream_failed; a
  test that creates the marker and clears the failed tasks sees the run succeed.
"""

import os
from datetime import datetime

from airflow.sdk import dag, task

MARKER = os.path.join(os.environ.get("AIRFLOW_HOME", "."), "transform.ok")


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
        if not os.path.exists(MARKER):
            raise ValueError(f"opsdeck test failure: {rows} rows rejected, marker missing")
        print(f"transformed {rows} rows")
        return rows

    @task
    def load(rows: int):
        print(f"loaded {rows} rows")

    load(transform(extract()))


opsdeck_ok()
opsdeck_fail()
