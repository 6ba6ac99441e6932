#!/usr/bin/env python3
"""Sends the same mixed-length requests to two servers at a given concurrency and compares the
outputs: the batched-vs-unbatched row of `make bench-serve` (standard library only).

usage: serve_compare.py URL_A URL_B [--model bert] [--requests 256] [--concurrency 32]
                        [--seq 16-256] [--seed 1]
Prints one JSON object: requests, failures, max_abs_diff over every output element.
"""
import argparse
import http.client
import json
import random
import struct
import sys
import threading
from urllib.parse import urlparse


def body_for(ids):
    n = len(ids)
    blobs = [struct.pack("<%dq" % n, *ids), struct.pack("<%dq" % n, *([1] * n)),
             struct.pack("<%dq" % n, *([0] * n))]
    names = ["input_ids", "attention_mask", "token_type_ids"]
    header = json.dumps({
        "inputs": [{"name": nm, "datatype": "INT64", "shape": [1, n],
                    "parameters": {"binary_data_size": len(b)}} for nm, b in zip(names, blobs)],
        "parameters": {"binary_data_output": True}}).encode()
    return header + b"".join(blobs), len(header)


def decode(status, headers, body):
    if status != 200:
        raise RuntimeError("status %d: %r" % (status, body[:200]))
    hl = int(headers["inference-header-content-length"])
    js = json.loads(body[:hl])
    out, pos = {}, hl
    for o in js["outputs"]:
        size = o["parameters"]["binary_data_size"]
        out[o["name"]] = (o["shape"], struct.unpack("<%df" % (size // 4), body[pos:pos + size]))
        pos += size
    return out


def run_all(url, model, bodies, concurrency):
    u = urlparse(url)
    results = [None] * len(bodies)
    next_i = [0]
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
        while True:
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i >= len(bodies):
                break
            body, hl = bodies[i]
            try:
                conn.request("POST", "/v2/models/%s/infer" % model, body,
                             {"Inference-Header-Content-Length": str(hl),
                              "Content-Type": "application/octet-stream"})
                r = conn.getresponse()
                results[i] = decode(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
            except Exception as e:  # noqa: BLE001 - reported as a failure
                results[i] = e
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url_a")
    ap.add_argument("url_b")
    ap.add_argument("--model", default="bert")
    ap.add_argument("--requests", type=int, default=256)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--seq", default="16-256")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    lo, hi = (int(x) for x in args.seq.split("-"))
    rng = random.Random(args.seed)
    bodies = []
    for _ in range(args.requests):
        n = rng.randint(lo, hi)
        bodies.append(body_for([101] + [rng.randrange(1000, 2000) for _ in range(n - 2)] + [102]))
    a = run_all(args.url_a, args.model, bodies, args.concurrency)
    b = run_all(args.url_b, args.model, bodies, args.concurrency)
    failures, worst, first_error = 0, 0.0, None
    for ra, rb in zip(a, b):
        if isinstance(ra, Exception) or isinstance(rb, Exception):
            failures += 1
            first_error = first_error or repr(ra if isinstance(ra, Exception) else rb)
            continue
        for name in ra:
            (sa, da), (sb, db) = ra[name], rb[name]
            if sa != sb:
                failures += 1
                first_error = first_error or "shape %s vs %s for %s" % (sa, sb, name)
                continue
            worst = max([worst] + [abs(x - y) for x, y in zip(da, db)])
    print(json.dumps({"requests": args.requests, "failures": failures, "max_abs_diff": worst,
                      "first_error": first_error}))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
