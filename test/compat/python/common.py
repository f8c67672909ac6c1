"""Shared helpers for the compatibility suite's Python client scripts.

Each script is run by a Go test (test/compat/python_test.go) as
`python3 SCRIPT PHASE SPEC.json` with PHASE one of create, run, delete. The
spec (harness_test.go: type spec) names the bootstrap address, the topic, the
codecs and the records to produce (bytes as base64, a null key as null). The
script prints one JSON object (harness_test.go: type result) as the last line
of stdout; any failure raises, which exits non-zero with a traceback.
"""

import base64
import json
import sys
import time

STEP_TIMEOUT = 60.0  # seconds; a hang guard, never an assertion on speed
CODEC_PAUSE = 0.02  # seconds between codecs: distinct timestamps (harness_test.go codecPause)


def load_spec():
    if len(sys.argv) != 3 or sys.argv[1] not in ("create", "run", "delete"):
        sys.exit("usage: %s create|run|delete SPEC.json" % sys.argv[0])
    with open(sys.argv[2]) as f:
        spec = json.load(f)
    for r in spec["records"]:
        r["k"] = None if r["k"] is None else base64.b64decode(r["k"])
        r["v"] = base64.b64decode(r["v"])
        r["h"] = [(h["key"], base64.b64decode(h["value"])) for h in (r["h"] or [])]
    return sys.argv[1], spec


def b64(b):
    return None if b is None else base64.b64encode(bytes(b)).decode("ascii")


def record(partition, offset, key, value, headers, timestamp):
    """One consumed record in the result's JSON form."""
    return {
        "p": partition,
        "o": offset,
        "k": b64(key),
        "v": b64(value),
        "h": [{"key": k, "value": b64(v if v is not None else b"")} for k, v in (headers or [])],
        "ts": timestamp,
    }


def expected_counts(spec, skipped):
    counts = {p: 0 for p in range(spec["partitions"])}
    for r in spec["records"]:
        if r["codec"] not in skipped:
            counts[r["p"]] += 1
    return counts


FUTURE_DELTA = 3600 * 1000  # ms after the last record: nothing there


def lookup_queries(records):
    """Per partition, (partition, timestamp) for the record in the middle and
    for an hour after the last record: the time lookups every client makes
    (harness_test.go lookupQueries)."""
    by_p = {}
    for r in sorted(records, key=lambda r: (r["p"], r["o"])):
        by_p.setdefault(r["p"], []).append(r)
    out = []
    for p in sorted(by_p):
        rs = by_p[p]
        out.append((p, rs[len(rs) // 2]["ts"]))
        out.append((p, max(r["ts"] for r in rs) + FUTURE_DELTA))
    return out


def deadline():
    return time.monotonic() + STEP_TIMEOUT


def emit(result):
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
