"""A stand-in for the two MWAA operations opsdeck uses, in front of a real Airflow 3.

    python tests/emulator/mwaa_standin.py AIRFLOW_URL USER PASSWORD ENVIRONMENT [FAULTS]

Speaks MWAA's REST-JSON protocol on 127.0.0.1 (a free port) as the real aws-sdk-mwaa
client calls it:

- ``GET /environments/{Name}`` (GetEnvironment): the environment, with the
  ``AirflowVersion`` the Airflow behind it reports.
- ``POST /restapi/{Name}`` (InvokeRestApi): forwards ``Path``, ``Method``,
  ``QueryParameters`` and ``Body`` to that Airflow's ``/api/v2`` with a JWT, and wraps the
  answer as MWAA does: ``{RestApiStatusCode, RestApiResponse}`` on success; an Airflow 4xx
  as ``RestApiClientException`` and a 5xx as ``RestApiServerException``, both HTTP 400
  carrying Airflow's status and body. A ``Path`` over 64 characters is a
  ``ValidationException``, an unknown environment a ``ResourceNotFoundException``, a
  request without a SigV4 ``Authorization`` header an ``AccessDeniedException``, and a
request to a host without the SDK's prefix (``env.`` for InvokeRestApi, ``api.`` for
GetEnvironment) a ``ValidationException``.

``FAULTS`` (optional) makes the first N InvokeRestApi calls answer as if Airflow had
returned 503, to exercise the caller's retries.

Prints ``READY http://127.0.0.1:PORT`` and serves until its stdin closes.
"""

import json
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

AIRFLOW, USER, PASSWORD, ENVIRONMENT = sys.argv[1:5]
FAULTS = [int(sys.argv[5]) if len(sys.argv) > 5 else 0]
MAX_PATH = 64
lock = threading.Lock()
token = [None]


def airflow_call(method, url, body=None, auth=True):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if auth:
        req.add_header("Authorization", f"Bearer {jwt()}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def jwt():
    with lock:
        if token[0] is None:
            status, raw = airflow_call(
                "POST",
                f"{AIRFLOW}/auth/token",
                {"username": USER, "password": PASSWORD},
                auth=False,
            )
            token[0] = json.loads(raw)["access_token"]
        return token[0]


def as_json(raw):
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, error_type=None):
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        self.end_headers()
        self.wfile.write(raw)

    def error(self, status, error_type, message):
        self.answer(status, {"message": message}, error_type)

    def signed(self):
        if not self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256"):
            self.error(403, "AccessDeniedException", "request is not signed")
            return False
        return True

    def host_prefixed(self, prefix):
        # The SDK sends InvokeRestApi to `env.HOST` and GetEnvironment to `api.HOST`.
        if not self.headers.get("Host", "").startswith(prefix):
            self.error(400, "ValidationException", f"expected a {prefix} host, not {self.headers.get('Host')}")
            return False
        return True

    def environment(self, prefix):
        name = urllib.parse.unquote(self.path.split("?")[0][len(prefix):])
        if name != ENVIRONMENT:
            self.error(404, "ResourceNotFoundException", f"Environment {name} not found")
            return None
        return name

    def do_GET(self):
        if not self.path.startswith("/environments/"):
            return self.error(404, "UnknownOperationException", self.path)
        if not self.signed() or not self.host_prefixed("api."):
            return
        name = self.environment("/environments/")
        if name is None:
            return
        _, raw = airflow_call("GET", f"{AIRFLOW}/api/v2/version")
        version = (as_json(raw) or {}).get("version", "3")
        self.answer(
            200,
            {
                "Environment": {
                    "Name": name,
                    "AirflowVersion": version,
                    "Status": "AVAILABLE",
                    "WebserverUrl": AIRFLOW.split("://", 1)[-1],
                    "Arn": f"arn:aws:airflow:us-east-1:123456789012:environment/{name}",
                }
            },
        )

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        if not self.path.startswith("/restapi/"):
            return self.error(404, "UnknownOperationException", self.path)
        if not self.signed() or not self.host_prefixed("env."):
            return
        if self.environment("/restapi/") is None:
            return
        path = request.get("Path", "")
        method = request.get("Method", "GET")
        if not path.startswith("/") or len(path) > MAX_PATH:
            return self.error(
                400,
                "ValidationException",
                f"1 validation error detected: Value at 'path' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_PATH}",
            )
        with lock:
            fault = FAULTS[0] > 0
            FAULTS[0] -= 1 if fault else 0
        if fault:
            status, body = 503, {"detail": "stand-in fault: service unavailable"}
        else:
            query = urllib.parse.urlencode(
                {k: v if isinstance(v, str) else json.dumps(v) for k, v in (request.get("QueryParameters") or {}).items()}
            )
            url = f"{AIRFLOW}/api/v2{path}" + (f"?{query}" if query else "")
            status, raw = airflow_call(method, url, request.get("Body"))
            body = as_json(raw)
        if status < 400:
            return self.answer(200, {"RestApiStatusCode": status, "RestApiResponse": body})
        kind = "RestApiClientException" if status < 500 else "RestApiServerException"
        self.answer(
            400,
            {
                "message": f"Airflow answered {status}",
                "RestApiStatusCode": status,
                "RestApiResponse": body,
            },
            kind,
        )


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"READY http://127.0.0.1:{server.server_address[1]}", flush=True)
    while sys.stdin.buffer.read(4096):
        pass
    server.shutdown()


if __name__ == "__main__":
    main()
