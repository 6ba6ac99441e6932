#!/usr/bin/env python3
"""End-to-end test of `tinyrt serve` (standard library only).

Starts the server on a free loopback port (--port 0; the port is read from its first line),
checks every endpoint and every error case of the serving issue, checks that the server still
answers after each error, that batched results equal results computed alone (mixed lengths), and
that SIGTERM / SIGINT finish in-flight requests and exit 0.

No timing is asserted. Where a case needs requests to sit in the queue (queue full, timeout,
disconnect while queued, shutdown with a request in flight) the server is started with a long
--max-queue-delay-us so that the request is certainly still queued when the test acts, and the
test waits (bounded) on the server's own queue-depth gauge before acting.

usage: serve_e2e.py --tinyrt build/tinyrt --model models/bert-tiny/model.onnx [--vocab-size N]
(--vocab-size: the model's vocabulary, which the server must find by itself)
Exit status: 0 pass, 1 fail, 77 skipped (no model file).
"""
import argparse
import http.client
import json
import os
import queue
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

MODEL = "bert"
FAILURES = []
PASSED = [0]

# Batched and alone results may differ only by float32 summation order inside the batched GEMMs
# (padded keys get exactly zero attention weight: the mask adds finfo.min and exp underflows to
# 0). Accumulating ~512 products of O(1) values in float32 moves the result by ~1e-6; 1e-5 is
# the bound.
TOLERANCE = 1e-5


def check(cond, what):
    if cond:
        PASSED[0] += 1
    else:
        FAILURES.append(what)
        print("FAIL: " + what, file=sys.stderr, flush=True)


class Server:
    """A `tinyrt serve` process on 127.0.0.1 with a kernel-chosen port."""

    def __init__(self, tinyrt, model, *args):
        cmd = [tinyrt, "serve", model, "--host", "127.0.0.1", "--port", "0",
               "--model-name", MODEL] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        self.stderr = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()
        try:
            first = self.lines.get(timeout=120)
        except queue.Empty:
            first = ""
        marker = "listening on http://127.0.0.1:"
        if marker not in first:
            self.proc.kill()
            self.proc.wait(timeout=30)
            raise RuntimeError("server did not start: %r %s" % (first, "".join(self.stderr)))
        self.port = int(first.split(marker)[1].split()[0])

    @staticmethod
    def _pump(stream, q):
        for line in iter(stream.readline, b""):
            q.put(line.decode(errors="replace"))

    def _drain(self):
        for line in iter(self.proc.stderr.readline, b""):
            self.stderr.append(line.decode(errors="replace"))

    def request(self, method, path, body=None, headers=None, timeout=120):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def infer(self, payload, headers=None, raw=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        return self.request("POST", "/v2/models/%s/infer" % MODEL, body, headers)

    def metric(self, name, labels=""):
        """Value of one sample of /metrics, e.g. metric('tinyrt_queue_depth')."""
        status, _, body = self.request("GET", "/metrics")
        assert status == 200
        prefix = name + "{"
        for line in body.decode().splitlines():
            if line.startswith(prefix) and labels in line:
                return float(line.rsplit(" ", 1)[1])
        return None

    def wait_queue_depth(self, n, limit_s=60):
        """Waits until n requests are queued (bounded). Returns whether it happened."""
        deadline = time.time() + limit_s
        while time.time() < deadline:
            if self.metric("tinyrt_queue_depth") == n:
                return True
            time.sleep(0.02)
        return False

    def stop(self, sig=signal.SIGTERM, limit_s=120):
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=limit_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
            return "hung"


# --- requests ---------------------------------------------------------------------------------

def tokens(rng, n):
    return [101] + [rng.randrange(1000, 2000) for _ in range(n - 2)] + [102] if n >= 2 else [101]


def json_request(ids, nested=False, outputs=None, extra_inputs=None, rows=None):
    """An inference request for one or more rows of token ids (all rows the same length)."""
    rows = rows or [ids]
    n = len(rows[0])

    def tensor(name, values):
        flat = [v for row in values for v in row]
        return {"name": name, "datatype": "INT64", "shape": [len(values), n],
                "data": values if nested else flat}

    req = {"inputs": [tensor("input_ids", rows),
                      tensor("attention_mask", [[1] * n for _ in rows]),
                      tensor("token_type_ids", [[0] * n for _ in rows])]}
    if extra_inputs:
        req["inputs"] += extra_inputs
    if outputs is not None:
        req["outputs"] = outputs
    return req


def binary_request(ids, binary_out=True):
    """The same request in Triton's binary tensor format. Returns (body, headers)."""
    n = len(ids)
    blobs = [struct.pack("<%dq" % n, *ids), struct.pack("<%dq" % n, *([1] * n)),
             struct.pack("<%dq" % n, *([0] * n))]
    names = ["input_ids", "attention_mask", "token_type_ids"]
    header = {"inputs": [{"name": nm, "datatype": "INT64", "shape": [1, n],
                          "parameters": {"binary_data_size": len(b)}}
                         for nm, b in zip(names, blobs)],
              "parameters": {"binary_data_output": binary_out}}
    js = json.dumps(header).encode()
    return js + b"".join(blobs), {"Inference-Header-Content-Length": str(len(js)),
                                  "Content-Type": "application/octet-stream"}


def outputs_of(status, headers, body):
    """{name: (shape, flat float list)} from a JSON or binary inference response."""
    assert status == 200, (status, body[:300])
    hl = None
    for k, v in headers.items():
        if k.lower() == "inference-header-content-length":
            hl = int(v)
    js = json.loads(body[:hl] if hl is not None else body)
    out, pos = {}, hl
    for o in js["outputs"]:
        size = o.get("parameters", {}).get("binary_data_size")
        if size is not None:
            count = size // 4
            data = list(struct.unpack("<%df" % count, body[pos:pos + size]))
            pos += size
        else:
            data = o["data"]
            if o["datatype"] == "FP32":  # 9 digits read back as the exact float32
                data = list(struct.unpack("<%df" % len(data), struct.pack("<%df" % len(data), *data)))
        out[o["name"]] = (o["shape"], data)
    return out


def max_diff(a, b):
    worst = 0.0
    for name in a:
        sa, da = a[name]
        sb, db = b[name]
        if sa != sb or len(da) != len(db):
            return float("inf")
        worst = max([worst] + [abs(x - y) for x, y in zip(da, db)])
    return worst


# --- the checks ---------------------------------------------------------------------------------

def alive(srv, what):
    """The server still answers: health and a small inference."""
    try:
        st, _, _ = srv.request("GET", "/v2/health/live")
        st2, _, body = srv.infer(json_request([101, 7592, 102]))
        check(st == 200 and st2 == 200, "server answers after: %s (%s %s %r)" % (what, st, st2, body[:200]))
    except Exception as e:  # noqa: BLE001 - any failure here means the server is down
        check(False, "server answers after: %s (%r)" % (what, e))


def check_endpoints(srv):
    st, _, body = srv.request("GET", "/v2")
    meta = json.loads(body) if st == 200 else {}
    check(st == 200 and meta.get("name") and meta.get("version") and
          "binary_tensor_data" in meta.get("extensions", []), "GET /v2: %s %r" % (st, body[:200]))
    for path in ("/v2/health/live", "/v2/health/ready", "/v2/models/%s/ready" % MODEL,
                 "/v2/models/%s/versions/1/ready" % MODEL):
        st, _, _ = srv.request("GET", path)
        check(st == 200, "GET %s -> %s" % (path, st))
    for path in ("/v2/models/%s" % MODEL, "/v2/models/%s/versions/1" % MODEL):
        st, _, body = srv.request("GET", path)
        meta = json.loads(body) if st == 200 else {}
        names = [i["name"] for i in meta.get("inputs", [])]
        check(st == 200 and meta.get("name") == MODEL and
              names == ["input_ids", "attention_mask", "token_type_ids"] and
              meta["inputs"][0]["datatype"] == "INT64" and meta["inputs"][0]["shape"] == [-1, -1]
              and [o["name"] for o in meta["outputs"]] == ["last_hidden_state", "pooler_output"],
              "GET %s: %s %r" % (path, st, body[:300]))
    st, _, body = srv.request("GET", "/v2/models/%s/config" % MODEL)
    cfg = json.loads(body) if st == 200 else {}
    check(st == 200 and cfg.get("name") == MODEL and cfg.get("max_batch_size") == 8 and
          cfg["input"][0]["data_type"] == "TYPE_INT64" and cfg["input"][0]["dims"] == [-1] and
          "dynamic_batching" in cfg and
          cfg["dynamic_batching"]["default_queue_policy"]["max_queue_size"] == 64,
          "GET config: %s %r" % (st, body[:400]))
    for path, want in (("/v2/models/nope", 404), ("/v2/models/nope/infer", 404),
                       ("/v2/models/%s/versions/2" % MODEL, 404), ("/v2/nothing", 404),
                       ("/elsewhere", 404)):
        st, _, body = srv.request("GET", path)
        check(st == want and "error" in json.loads(body), "GET %s -> %s %r" % (path, st, body[:200]))
    st, _, body = srv.request("POST", "/v2/models/nope/infer", json.dumps(json_request([101, 102])))
    check(st == 404 and "unknown model" in json.loads(body)["error"], "infer on unknown model: %s" % st)
    st, _, body = srv.request("POST", "/v2/health/live", b"{}")
    check(st == 405 and "error" in json.loads(body), "POST /v2/health/live -> %s" % st)
    st, _, body = srv.request("GET", "/v2/models/%s/infer" % MODEL)
    check(st == 405, "GET infer -> %s" % st)
    st, headers, body = srv.request("GET", "/metrics")
    text = body.decode()
    check(st == 200 and "tinyrt_inference_requests_total{" in text and
          "tinyrt_batch_size_bucket{" in text and "tinyrt_queue_duration_seconds_sum{" in text and
          "tinyrt_compute_duration_seconds_count{" in text, "GET /metrics: %s" % st)


def check_inference(srv):
    rng = random.Random(1)
    ids = tokens(rng, 12)
    flat = outputs_of(*srv.infer(json_request(ids)))
    shape_h, data_h = flat["last_hidden_state"]
    shape_p, data_p = flat["pooler_output"]
    check(shape_h[:2] == [1, 12] and len(data_h) == 12 * shape_h[2] and shape_p[0] == 1 and
          len(data_p) == shape_p[1], "JSON inference shapes %r %r" % (shape_h, shape_p))
    nested = outputs_of(*srv.infer(json_request(ids, nested=True)))
    check(max_diff(flat, nested) == 0.0, "nested data gives the flat result")
    body, headers = binary_request(ids)
    binary = outputs_of(*srv.infer(None, headers=headers, raw=body))
    # JSON floats are printed with 9 significant digits, which read back exactly as float32.
    check(max_diff(flat, binary) == 0.0, "binary tensors give the JSON result")
    body, headers = binary_request(ids, binary_out=False)
    mixed = outputs_of(*srv.infer(None, headers=headers, raw=body))
    check(max_diff(flat, mixed) == 0.0, "binary inputs with JSON outputs")
    st, h, b = srv.infer(json_request(ids, outputs=[{"name": "pooler_output"}]))
    only = outputs_of(st, h, b)
    check(list(only) == ["pooler_output"] and only["pooler_output"] == flat["pooler_output"],
          "outputs selects pooler_output only")
    st, h, b = srv.infer(json_request(ids, outputs=[{"name": "pooler_output",
                                                        "parameters": {"binary_data": True}}]))
    check(outputs_of(st, h, b)["pooler_output"] == flat["pooler_output"], "binary_data on one output")
    req = json_request(ids)
    req["id"] = "request-42"
    st, _, b = srv.infer(req)
    check(st == 200 and json.loads(b).get("id") == "request-42" and
          json.loads(b).get("model_name") == MODEL, "id is echoed")
    for path in ("/v2/models/%s/stats" % MODEL, "/v2/models/stats"):
        st, _, b = srv.request("GET", path)
        ms = json.loads(b)["model_stats"][0] if st == 200 else {}
        inf = ms.get("inference_stats", {})
        check(st == 200 and ms.get("name") == MODEL and inf["success"]["count"] >= 7 and
              inf["success"]["ns"] > 0 and inf["queue"]["count"] >= 7 and
              ms["execution_count"] >= 1 and inf["compute_infer"]["count"] == ms["inference_count"],
              "GET %s: %s %r" % (path, st, b[:400]))
    two = outputs_of(*srv.infer(json_request(None, rows=[ids, ids])))
    check(two["pooler_output"][0] == [2, shape_p[1]] and
          two["pooler_output"][1] == flat["pooler_output"][1] * 2, "a request with 2 rows")


def expect_error(srv, what, status_want, needles, payload=None, raw=None, headers=None):
    st, _, body = srv.infer(payload, headers=headers, raw=raw)
    try:
        msg = json.loads(body).get("error", "")
    except ValueError:
        msg = ""
    check(st == status_want and all(n in msg for n in needles),
          "%s -> %s %r (want %s with %r)" % (what, st, body[:300], status_want, needles))
    alive(srv, what)


def check_errors(srv, vocab):
    ids = [101, 2000, 3000, 102]
    expect_error(srv, "malformed JSON", 400, ["malformed JSON"], raw=b'{"inputs": [')
    expect_error(srv, "trailing garbage", 400, ["malformed JSON"], raw=b'{"inputs": []} x')
    expect_error(srv, "not an object", 400, ["JSON object"], raw=b"[1, 2]")
    expect_error(srv, "no inputs", 400, ["inputs"], payload={"outputs": []})
    req = json_request(ids)
    req["inputs"][0]["name"] = "input_idz"
    expect_error(srv, "wrong input name", 400, ["unexpected inference input 'input_idz'"], req)
    req = json_request(ids)
    del req["inputs"][2]
    expect_error(srv, "missing input", 400, ["missing inference input 'token_type_ids'"], req)
    req = json_request(ids)
    req["inputs"][0]["datatype"] = "INT32"
    expect_error(srv, "wrong datatype", 400, ["datatype INT32", "input_ids", "INT64"], req)
    req = json_request(ids)
    req["inputs"][1]["datatype"] = "FP16"
    expect_error(srv, "FP16 datatype", 400, ["FP16", "not supported"], req)
    req = json_request(ids)
    req["inputs"][2]["datatype"] = "BYTES"
    expect_error(srv, "BYTES datatype", 400, ["BYTES", "not supported"], req)
    req = json_request(ids)
    req["inputs"][0]["datatype"] = "COMPLEX"
    expect_error(srv, "unknown datatype", 400, ["unknown datatype"], req)
    req = json_request(ids)
    req["inputs"][0]["shape"] = [4]
    req["inputs"][0]["data"] = ids
    expect_error(srv, "wrong rank", 400, ["unexpected shape", "input_ids"], req)
    req = json_request(ids)
    req["inputs"][0]["shape"] = [1, 5]
    expect_error(srv, "element count", 400, ["input_ids", "4 elements", "[1,5]"], req)
    req = json_request(ids)
    req["inputs"][1]["shape"] = [1, 2]
    req["inputs"][1]["data"] = [1, 1]
    expect_error(srv, "lengths disagree", 400, ["disagree"], req)
    req = json_request(ids)
    req["inputs"][0]["data"] = [101, "x", 3, 4]
    expect_error(srv, "string element", 400, ["input_ids", "a string"], req)
    req = json_request(ids)
    req["inputs"][0]["data"] = [101, 1.5, 3, 4]
    expect_error(srv, "fractional id", 400, ["input_ids", "not an integer"], req)
    expect_error(srv, "negative token id", 400, ["input_ids", "-5"], json_request([101, -5, 102]))
    expect_error(srv, "token id past the vocabulary", 400,
                 ["input_ids", str(vocab + 7), "vocabulary [0, %d)" % vocab],
                 json_request([101, vocab + 7, 102]))
    req = json_request(ids)
    req["inputs"][2]["data"] = [0, 0, 2, 0]
    expect_error(srv, "token type past its table", 400, ["token_type_ids", "id 2"], req)
    expect_error(srv, "unknown output", 400, ["unexpected inference output 'nope'"],
                 json_request(ids, outputs=[{"name": "nope"}]))
    expect_error(srv, "batch too large", 400, ["batch-size must be <= 8"],
                 json_request(None, rows=[ids] * 9))
    body, headers = binary_request(ids)
    headers["Inference-Header-Content-Length"] = "abc"
    expect_error(srv, "bad header length", 400, ["Inference-Header-Content-Length"], raw=body,
                 headers=headers)
    headers["Inference-Header-Content-Length"] = str(len(body) + 10)
    expect_error(srv, "header length past the body", 400, ["Inference-Header-Content-Length"],
                 raw=body, headers=headers)
    body, headers = binary_request(ids)
    expect_error(srv, "binary data size", 400, ["binary data"], raw=body + b"\0" * 8,
                 headers=headers)
    body, headers = binary_request(ids)
    expect_error(srv, "binary data short", 400, ["binary_data_size"], raw=body[:-8],
                 headers=headers)


def raw_exchange(port, data, limit_s=60):
    """Sends raw bytes on a fresh connection and returns what comes back until EOF."""
    s = socket.create_connection(("127.0.0.1", port), timeout=limit_s)
    try:
        s.sendall(data)
        chunks = []
        while True:
            try:
                c = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not c:
                break
            chunks.append(c)
        return b"".join(chunks)
    finally:
        s.close()


def check_body_limit(srv, limit):
    head = ("POST /v2/models/%s/infer HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
            "Content-Type: application/json\r\n\r\n" % (MODEL, limit + 1)).encode()
    got = raw_exchange(srv.port, head + b"{")
    check(got.startswith(b"HTTP/1.1 413") and b"exceeds the limit" in got,
          "declared body over the limit -> %r" % got[:200])
    alive(srv, "body over the limit (Content-Length)")

    def chunks():
        piece = b" " * 65536
        for _ in range(limit // len(piece) + 2):
            yield piece
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
    try:
        conn.request("POST", "/v2/models/%s/infer" % MODEL, body=chunks(), encode_chunked=True)
        r = conn.getresponse()
        st, body = r.status, r.read()
    except (BrokenPipeError, ConnectionResetError) as e:
        st, body = None, repr(e).encode()
    finally:
        conn.close()
    check(st == 413, "chunked body over the limit -> %s %r" % (st, body[:200]))
    alive(srv, "body over the limit (chunked)")


def check_stalled_client(srv):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
    s.sendall(("POST /v2/models/%s/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
               '{"inputs": [' % MODEL).encode())
    alive(srv, "a client stopped sending mid-request (still connected)")
    # The server closes the silent connection after --idle-timeout-s (2 s here); wait up to 60 s.
    s.settimeout(60)
    try:
        got = s.recv(65536)
        closed = True
        while got:
            got = s.recv(65536)
    except socket.timeout:
        closed = False
    except ConnectionResetError:
        closed = True
    s.close()
    check(closed, "the server drops a client that stopped sending")
    alive(srv, "a client stopped sending mid-request (dropped)")


def run_concurrently(srv, payloads):
    """Sends every payload at once, one thread and connection each; returns the responses."""
    results = [None] * len(payloads)

    def one(i):
        try:
            results[i] = srv.infer(payloads[i])
        except Exception as e:  # noqa: BLE001
            results[i] = (None, {}, repr(e).encode())
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(payloads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return results


def check_batched_equals_alone(srv):
    """Mixed lengths s16..s256 sent together (batched, padded) equal each request sent alone."""
    rng = random.Random(7)
    lengths = [rng.randint(16, 256) for _ in range(32)]
    lengths[:2] = [16, 256]
    payloads = [json_request(tokens(rng, n)) for n in lengths]
    alone = []
    for p in payloads:
        alone.append(outputs_of(*srv.infer(p)))
    rows0 = srv.metric("tinyrt_batch_size_sum")
    execs0 = srv.metric("tinyrt_batch_size_count")
    batched = run_concurrently(srv, payloads)
    worst = 0.0
    ok = True
    for i, r in enumerate(batched):
        if r[0] != 200:
            ok = False
            check(False, "batched request %d: %s %r" % (i, r[0], r[2][:200]))
            continue
        worst = max(worst, max_diff(alone[i], outputs_of(*r)))
    rows = srv.metric("tinyrt_batch_size_sum") - rows0
    execs = srv.metric("tinyrt_batch_size_count") - execs0
    check(ok and worst <= TOLERANCE, "batched == alone within %g (max diff %g)" % (TOLERANCE, worst))
    check(rows == 32 and execs < 32, "requests were batched (%d rows in %d executions)" % (rows, execs))
    print("batched vs alone: 32 requests s16-s256, %d executions, max abs diff %.3g" % (execs, worst))


def check_isolation(srv, vocab):
    """A request that fails inside the model (token id past the vocabulary, not checked before
    batching here) fails alone; the requests batched with it succeed with their own results."""
    rng = random.Random(3)
    good = [json_request(tokens(rng, n)) for n in (20, 33, 47)]
    alone = [outputs_of(*srv.infer(p)) for p in good]
    bad = json_request([101, vocab + 100, 102])
    res = run_concurrently(srv, good + [bad])
    for i in range(3):
        check(res[i][0] == 200 and max_diff(alone[i], outputs_of(*res[i])) <= TOLERANCE,
              "good request %d batched with a bad one" % i)
    check(res[3][0] == 400, "the bad request fails with 400: %s %r" % (res[3][0], res[3][2][:200]))


def check_queue_full_and_disconnect(tinyrt, model):
    # A 3 s queue delay keeps requests queued while the test looks; max batch 4 is never reached.
    srv = Server(tinyrt, model, "--max-batch", "4", "--max-queue-delay-us", "3000000",
                 "--max-queue", "2", "--threads", "1")
    try:
        rng = random.Random(5)
        p = [json_request(tokens(rng, 10)) for _ in range(3)]
        holder = {}
        t = threading.Thread(target=lambda: holder.update(r=run_concurrently(srv, p[:2])))
        t.start()
        queued = srv.wait_queue_depth(2)
        check(queued, "two requests queued")
        st, _, body = srv.infer(p[2])
        check(st == 503 and "Exceeds maximum queue size" in json.loads(body)["error"],
              "queue full -> %s %r" % (st, body[:200]))
        t.join(timeout=300)
        check(all(r[0] == 200 for r in holder.get("r", [])), "queued requests complete")
        alive(srv, "queue full")

        # A client that disconnects while its request is queued.
        req = json.dumps(p[0]).encode()
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
        s.sendall(("POST /v2/models/%s/infer HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                   % (MODEL, len(req))).encode() + req)
        check(srv.wait_queue_depth(1), "the request of the leaving client is queued")
        s.close()
        other = run_concurrently(srv, [p[1]])[0]
        check(other[0] == 200, "a request queued with a vanished client succeeds")
        cancelled = srv.metric("tinyrt_inference_requests_total", 'outcome="cancelled"')
        check(cancelled == 1, "the vanished client's request was dropped (cancelled=%s)" % cancelled)
        alive(srv, "a client disconnected while queued")

        # SIGTERM with a request in flight: it still gets its answer, then exit 0.
        holder.clear()
        t = threading.Thread(target=lambda: holder.update(r=run_concurrently(srv, [p[2]])))
        t.start()
        check(srv.wait_queue_depth(1), "a request is queued before SIGTERM")
        code = srv.stop(signal.SIGTERM)
        t.join(timeout=300)
        check(holder.get("r", [(None,)])[0][0] == 200, "the in-flight request finishes on SIGTERM")
        check(code == 0, "SIGTERM with a request in flight exits 0 (got %s)" % code)
    finally:
        if srv.proc.poll() is None:
            srv.stop(signal.SIGKILL)


def check_timeout(tinyrt, model):
    # The batch would wait 5 s to fill; the request's 200 ms timeout expires first.
    srv = Server(tinyrt, model, "--max-queue-delay-us", "5000000", "--timeout-ms", "200",
                 "--threads", "1")
    try:
        rng = random.Random(9)
        st, _, body = srv.infer(json_request(tokens(rng, 8)))
        check(st == 503 and "Request timeout expired" in json.loads(body)["error"],
              "timeout -> %s %r" % (st, body[:200]))
        check(srv.metric("tinyrt_inference_requests_total", 'outcome="timeout"') == 1,
              "the timeout is counted")
        st, _, _ = srv.request("GET", "/v2/health/live")
        check(st == 200, "server answers after a timeout")
        code = srv.stop(signal.SIGINT)
        check(code == 0, "SIGINT exits 0 (got %s)" % code)
    finally:
        if srv.proc.poll() is None:
            srv.stop(signal.SIGKILL)


def check_loadgen(tinyrt, srv):
    """A short `tinyrt loadgen` run against the server: a JSON report without failures."""
    out = subprocess.run([tinyrt, "loadgen", "http://127.0.0.1:%d" % srv.port, "--model", MODEL,
                          "--concurrency", "4", "--duration", "1", "--warmup", "0.2",
                          "--seq-len", "8-32", "--json"],
                         capture_output=True, text=True, timeout=300)
    try:
        rep = json.loads(out.stdout)
    except ValueError:
        rep = {}
    check(out.returncode == 0 and rep.get("requests", 0) > 0 and rep.get("failed") == 0 and
          rep["latency_ms"]["p99"] >= rep["latency_ms"]["p50"] > 0 and
          rep.get("throughput_infer_per_s", 0) > 0,
          "loadgen: exit %s %r %r" % (out.returncode, out.stdout[:400], out.stderr[:400]))
    out = subprocess.run([tinyrt, "loadgen", "http://127.0.0.1:%d" % srv.port, "--model", MODEL,
                          "--concurrency", "2", "--duration", "2", "--warmup", "0",
                          "--seq-len", "16", "--json-tensors", "--output", "pooler_output",
                          "--json"],
                         capture_output=True, text=True, timeout=300)
    check(out.returncode == 0, "loadgen with JSON tensors: %r %r" % (out.stdout[:300], out.stderr[:300]))
    alive(srv, "loadgen")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tinyrt", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--vocab-size", type=int, default=30522)
    args = ap.parse_args()
    if not os.path.exists(args.model):
        print("skipped: no model at %s" % args.model)
        return 77
    limit = 1 << 20
    # The vocabulary is learned from the model (the embedding behind input_ids).
    main_srv = Server(args.tinyrt, args.model, "--max-batch", "8", "--max-queue-delay-us", "2000",
                      "--max-queue", "64", "--max-body-bytes", str(limit),
                      "--idle-timeout-s", "2", "--threads", "2")
    try:
        check_endpoints(main_srv)
        check_inference(main_srv)
        check_errors(main_srv, args.vocab_size)
        check_body_limit(main_srv, limit)
        check_stalled_client(main_srv)
        check_loadgen(args.tinyrt, main_srv)
        code = main_srv.stop(signal.SIGTERM)
        check(code == 0, "SIGTERM exits 0 (got %s)" % code)
    finally:
        if main_srv.proc.poll() is None:
            main_srv.stop(signal.SIGKILL)
    # Batching checks: a 200 ms queue delay makes the 32 concurrent requests meet in batches even
    # on a loaded machine; --vocab-size 0 turns the id check off so that the model itself rejects
    # the bad token inside a batch.
    batch_srv = Server(args.tinyrt, args.model, "--max-batch", "8", "--max-queue-delay-us",
                       "200000", "--threads", "2", "--vocab-size", "0")
    try:
        check_batched_equals_alone(batch_srv)
        check_isolation(batch_srv, args.vocab_size)
        alive(batch_srv, "batching checks")
        code = batch_srv.stop(signal.SIGTERM)
        check(code == 0, "SIGTERM exits 0 (got %s)" % code)
    finally:
        if batch_srv.proc.poll() is None:
            batch_srv.stop(signal.SIGKILL)
    check_queue_full_and_disconnect(args.tinyrt, args.model)
    check_timeout(args.tinyrt, args.model)
    print("%d passed, %d failed" % (PASSED[0], len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
