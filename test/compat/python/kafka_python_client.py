"""kafka-python client for the compatibility suite.

create/delete: KafkaAdminClient.create_topics / delete_topics.
run: a KafkaProducer per codec (compression_type; gzip is built in, snappy,
lz4 and zstd need python-snappy, lz4 and zstandard: a codec whose library is
missing is skipped and reported with the reason), each record to its spec
partition; a KafkaConsumer with group_id=None, assign() and
seek_to_beginning(); offsets_for_times for the time lookups.
"""

import logging
import sys
import time

import kafka
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka import codec as kcodec

import common

CODEC_CHECKS = {
    "gzip": (kcodec.has_gzip, "gzip"),
    "snappy": (kcodec.has_snappy, "python-snappy (Debian python3-snappy)"),
    "lz4": (kcodec.has_lz4, "lz4 (Debian python3-lz4)"),
    "zstd": (kcodec.has_zstd, "zstandard (Debian python3-zstandard)"),
}


def admin(spec):
    return KafkaAdminClient(bootstrap_servers=spec["bootstrap"], client_id="samsa-compat", request_timeout_ms=30000)


def check_errors(resp, what):
    # CreateTopicsResponse.topic_errors / DeleteTopicsResponse.topic_error_codes:
    # (topic, error_code[, error_message]) tuples.
    errs = getattr(resp, "topic_errors", None) or getattr(resp, "topic_error_codes", None) or []
    for e in errs:
        if e[1] != 0:
            raise RuntimeError("%s: topic %s error code %d %s" % (what, e[0], e[1], e[2:] if len(e) > 2 else ""))


def create(spec):
    a = admin(spec)
    check_errors(a.create_topics([NewTopic(spec["topic"], spec["partitions"], 1)], timeout_ms=30000), "create_topics")
    a.close()


def delete(spec):
    a = admin(spec)
    check_errors(a.delete_topics([spec["topic"]], timeout_ms=30000), "delete_topics")
    a.close()


def run(spec):
    result = {
        "client": "kafka-python",
        "version": "kafka-python %s" % kafka.__version__,
        "skipped_codecs": {},
        "records": [],
        "time_lookups": [],
        "notes": [],
    }
    topic = spec["topic"]
    for codec in spec["codecs"]:
        if codec in CODEC_CHECKS and not CODEC_CHECKS[codec][0]():
            result["skipped_codecs"][codec] = "kafka-python cannot use %s: the %s module is not installed" % (codec, CODEC_CHECKS[codec][1])
            continue
        p = KafkaProducer(
            bootstrap_servers=spec["bootstrap"],
            compression_type=None if codec == "none" else codec,
            acks="all",
            linger_ms=5,
            request_timeout_ms=30000,
        )
        if codec == spec["codecs"][0]:
            result["notes"].append("inferred broker api_version %s" % (p.config["api_version"],))
        futures = []
        for r in spec["records"]:
            if r["codec"] == codec:
                futures.append(p.send(topic, value=r["v"], key=r["k"], partition=r["p"], headers=r["h"]))
        p.flush(common.STEP_TIMEOUT)
        for f in futures:
            f.get(timeout=common.STEP_TIMEOUT)  # raises the produce error, if any
        p.close(common.STEP_TIMEOUT)
        time.sleep(common.CODEC_PAUSE)

    c = KafkaConsumer(bootstrap_servers=spec["bootstrap"], group_id=None, enable_auto_commit=False, request_timeout_ms=30000)
    tps = [TopicPartition(topic, p) for p in range(spec["partitions"])]
    c.assign(tps)
    c.seek_to_beginning()
    want = common.expected_counts(spec, result["skipped_codecs"])
    got = {p: 0 for p in want}
    deadline = common.deadline()
    while got != want:
        if time.monotonic() > deadline:
            raise RuntimeError("consume timed out: got %s of %s" % (got, want))
        for tp, msgs in c.poll(timeout_ms=1000).items():
            for m in msgs:
                got[m.partition] += 1
                result["records"].append(common.record(m.partition, m.offset, m.key, m.value, m.headers, m.timestamp))
    for p, ts in common.lookup_queries(result["records"]):
        ot = c.offsets_for_times({TopicPartition(topic, p): ts})[TopicPartition(topic, p)]
        # None: no record at or after ts.
        result["time_lookups"].append({"p": p, "ts": ts, "o": -1 if ot is None else ot.offset, "method": "KafkaConsumer.offsets_for_times"})
    c.close()
    return result


def main():
    phase, spec = common.load_spec()
    if spec.get("debug"):
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    if phase == "create":
        create(spec)
        common.emit({"client": "kafka-python"})
    elif phase == "delete":
        delete(spec)
        common.emit({"client": "kafka-python"})
    else:
        common.emit(run(spec))


if __name__ == "__main__":
    main()
