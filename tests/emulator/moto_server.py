"""moto's server for opsdeck's integration tests (tests/moto.rs), with a small shim.

Run with the venv's python (scripts/venv-moto makes it):

    .venv/moto/bin/python tests/emulator/moto_server.py

Serves moto on 127.0.0.1 on a free port, prints one line `READY http://127.0.0.1:PORT`
on stdout, and stops when its standard input reaches end of file: the test process holds
the other end of that pipe, so the server goes away with it, however it ends.

The shim is a WSGI middleware in front of moto's app. It corrects what moto 5.2.x says
differently from the real services, where the AWS SDK for Rust depends on it (see
docs/testing.md, "moto 5.2 deviations and the test shim"):

1. Timestamps. DMS and Redshift Data speak awsJson 1.1, where a timestamp is a number of
   epoch seconds. moto writes ISO-8601 strings (`2026-11-25T02:14:03.123456`, or with a
   `Z`); boto3 accepts both, the Rust SDK rejects the strings. The shim rewrites the
   timestamp members of those two services' answers (the names the SDK's models declare
   as timestamps) into epoch seconds. A string without a zone is UTC, as moto means it.
2. DMS paging. DescribeReplicationTasks answers the first MaxRecords tasks (default 100)
   and never a Marker. The shim asks moto for every task, then answers the page that
   MaxRecords and Marker select, with a Marker (the offset of the next page) while more
   remain.
Two more that stop a Redshift Data client short of moto's canned rows:

3. moto runs no SQL, so a statement stays STARTED forever and a client that waits for
   FINISHED (as every real one does) never gets there. The shim answers DescribeStatement
   of a STARTED statement as FINISHED, with a result set.
4. GetStatementResult's ColumnMetadata says `"nullable": false` where the model has an
   integer (0 no nulls, 1 nullable, 2 unknown); the shim writes 0 or 1.

And one thing for the tests alone, not a correction: moto ignores some request members
(StartReplicationTask's StartReplicationTaskType), so nothing in its state shows what a
client sent. The shim keeps the request bodies of the operations in RECORDED and serves
them, oldest first, at `GET /opsdeck-shim/requests/<Operation>` as
`{"requests": [body, ...]}`.
"""

import io
import json
import logging
import os
import sys
import threading
import time
from datetime import datetime, timezone

DMS_TARGET = "AmazonDMSv20160101."
REDSHIFT_DATA_TARGET = "RedshiftData."

# Members of type timestamp in the services' models (aws-sdk-databasemigration and
# aws-sdk-redshiftdata deserialize exactly these as epoch seconds).
DMS_TIMESTAMPS = {
    "AutoAppliedAfterDate", "AutoUpgradeDate", "CdcStartTime", "CertificateCreationDate",
    "CurrentApplyDate", "Date", "DateNewProvisioningDataAvailable", "DateProvisioned",
    "DeprecationDate", "ForceUpgradeDate", "ForcedApplyDate", "FreeUntil",
    "FreshStartDate", "FullLoadEndTime", "FullLoadFinishDate", "FullLoadStartDate",
    "FullLoadStartTime", "InstanceCreateTime", "LastRefreshDate", "LastUpdateTime",
    "LaunchDate", "PremigrationAssessmentRunCreationDate", "ReplicationConfigCreateTime",
    "ReplicationConfigUpdateTime", "ReplicationCreateTime", "ReplicationDeprovisionTime",
    "ReplicationLastStopTime", "ReplicationTaskAssessmentRunCreationDate",
    "ReplicationTaskCreationDate", "ReplicationTaskIndividualAssessmentStartDate",
    "ReplicationTaskLastAssessmentDate", "ReplicationTaskStartDate",
    "ReplicationUpdateTime", "StartDate", "StopDate", "ValidFromDate", "ValidToDate",
}
REDSHIFT_DATA_TIMESTAMPS = {"CreatedAt", "UpdatedAt"}

# DMS operations whose request bodies the shim keeps for the tests, and how many of each.
RECORDED = {"StartReplicationTask"}
RECORDED_LIMIT = 1000
RECORDED_PATH = "/opsdeck-shim/requests/"


def epoch_seconds(text):
    """An ISO-8601 string as epoch seconds; anything else is returned as it was."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def with_epoch_timestamps(value, names):
    """The JSON value with every member named in `names` turned into epoch seconds."""
    if isinstance(value, dict):
        return {
            key: epoch_seconds(item) if key in names and isinstance(item, str)
            else with_epoch_timestamps(item, names)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [with_epoch_timestamps(item, names) for item in value]
    return value


class Shim:
    """WSGI middleware: passes every request to moto and corrects the answers above."""

    def __init__(self, app):
        self.app = app
        # Operation name -> request bodies, oldest first; the server is threaded.
        self.recorded = {name: [] for name in RECORDED}
        self.recorded_lock = threading.Lock()

    def serve_recorded(self, environ, start_response):
        """The kept request bodies of one operation (404 for one that is not kept)."""
        name = environ.get("PATH_INFO", "")[len(RECORDED_PATH):]
        with self.recorded_lock:
            requests = list(self.recorded[name]) if name in self.recorded else None
        if requests is None or environ.get("REQUEST_METHOD") != "GET":
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
        raw = json.dumps({"requests": requests}).encode()
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))],
        )
        return [raw]

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith(RECORDED_PATH):
            return self.serve_recorded(environ, start_response)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith((DMS_TARGET, REDSHIFT_DATA_TARGET)):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = json.loads(environ["wsgi.input"].read(length) or b"{}")
        operation = target[len(DMS_TARGET):] if target.startswith(DMS_TARGET) else None
        if operation in self.recorded:
            with self.recorded_lock:
                kept = self.recorded[operation]
                kept.append(request)
                del kept[:-RECORDED_LIMIT]

        page = None
        if target == DMS_TARGET + "DescribeReplicationTasks":
            # Every task from moto (it slices to MaxRecords); the page is cut below.
            page = (int(request.get("Marker") or 0), int(request.get("MaxRecords") or 100))
            request = {**request, "MaxRecords": 2**31 - 1}
            request.pop("Marker", None)

        body = json.dumps(request).encode()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        answer = {}

        def remember(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers

        chunks = self.app(environ, remember)
        try:
            raw = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        status, headers = answer["status"], answer["headers"]

        if status.startswith("200") and raw:
            document = json.loads(raw)
            if page is not None:
                start, size = page
                tasks = document.get("ReplicationTasks", [])
                document["ReplicationTasks"] = tasks[start:start + size]
                if start + size < len(tasks):
                    document["Marker"] = str(start + size)
            if (
                target == REDSHIFT_DATA_TARGET + "DescribeStatement"
                and document.get("Status") == "STARTED"
            ):
                document.update(Status="FINISHED", HasResultSet=True)
            for column in document.get("ColumnMetadata") or []:
                if isinstance(column.get("nullable"), bool):
                    column["nullable"] = int(column["nullable"])
            names = DMS_TIMESTAMPS if target.startswith(DMS_TARGET) else REDSHIFT_DATA_TIMESTAMPS
            raw = json.dumps(with_epoch_timestamps(document, names)).encode()
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(raw))))
        start_response(status, headers)
        return [raw]


def main():
    # moto stamps Redshift Data statements with the local wall clock followed by a "Z".
    os.environ["TZ"] = "UTC"
    time.tzset()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = Shim(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler
    )
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    print(f"READY http://127.0.0.1:{server.server_port}", flush=True)

    # Until the test process closes the pipe (or dies, which closes it too); then at once,
    # without waiting on requests in flight: nobody is left to answer.
    while sys.stdin.buffer.read(4096):
        pass
    server.server_close()
    os._exit(0)


if __name__ == "__main__":
    main()
