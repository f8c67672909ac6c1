"""A confluent-kafka-python (librdkafka) consumer-group member for the
compatibility suite's group tests (test/compat/group_clients_test.go).

Usage: python3 group_member.py CONFIG.json, where the config names the
bootstrap address, group, topic, client.id (the member's name) and the
session, heartbeat and rebalance (max.poll.interval.ms) timeouts.

The member subscribes with the default (eager) assignors, reads from the
earliest offset when the group has no committed offset, and commits each
record's offset synchronously after receiving it. It reports what the client
tells it, as JSON lines on stdout:
  {"ev": "assigned", "t": topic, "p": [partitions]}   the full new assignment (on_assign)
  {"ev": "revoked", "t": topic, "p": [partitions]}    on_revoke / on_lost
  {"ev": "rec", "t", "p", "o", "k", "v"}              a record (key and value as text)
  {"ev": "committed", "t", "p", "o"}                  a commit the broker acknowledged
  {"ev": "err", "msg": ...}                           a client error (logged by the test)
  {"ev": "closed"}                                    after close() returned
It leaves the group (Consumer.close) when stdin says "close" or reaches EOF.
"""

import json
import sys
import threading

import confluent_kafka
from confluent_kafka import Consumer, KafkaError

out_lock = threading.Lock()


def out(ev):
    with out_lock:
        sys.stdout.write(json.dumps(ev) + "\n")
        sys.stdout.flush()


def by_topic(partitions):
    d = {}
    for tp in partitions:
        d.setdefault(tp.topic, []).append(tp.partition)
    return d


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    closing = threading.Event()

    def read_stdin():
        for line in sys.stdin:
            if line.strip() == "close":
                break
        closing.set()

    threading.Thread(target=read_stdin, daemon=True).start()

    def on_assign(c, parts):
        for t, ps in by_topic(parts).items():
            out({"ev": "assigned", "t": t, "p": sorted(ps)})
        if not parts:
            out({"ev": "assigned", "t": cfg["topic"], "p": []})

    def on_revoke(c, parts):
        for t, ps in by_topic(parts).items():
            out({"ev": "revoked", "t": t, "p": sorted(ps)})

    def on_error(err):
        out({"ev": "err", "msg": str(err)})

    c = Consumer(
        {
            "bootstrap.servers": cfg["bootstrap"],
            "group.id": cfg["group"],
            "client.id": cfg["name"],
            "session.timeout.ms": cfg["session_ms"],
            "heartbeat.interval.ms": cfg["heartbeat_ms"],
            "max.poll.interval.ms": cfg["rebalance_ms"],
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "error_cb": on_error,
        }
    )
    c.subscribe([cfg["topic"]], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
    out({"ev": "version", "v": "confluent-kafka-python %s, librdkafka %s" % (confluent_kafka.version()[0], confluent_kafka.libversion()[0])})
    while not closing.is_set():
        m = c.poll(0.1)
        if m is None:
            continue
        if m.error():
            if m.error().code() != KafkaError._PARTITION_EOF:
                out({"ev": "err", "msg": str(m.error())})
            continue
        key = m.key()
        out(
            {
                "ev": "rec",
                "t": m.topic(),
                "p": m.partition(),
                "o": m.offset(),
                "k": None if key is None else key.decode("utf-8", "replace"),
                "v": m.value().decode("utf-8", "replace"),
            }
        )
        try:
            res = c.commit(message=m, asynchronous=False)
        except Exception as e:  # e.g. a rebalance in progress: the next owner re-reads
            out({"ev": "err", "msg": "commit: %s" % e})
            continue
        for tp in res or []:
            if tp.error:
                out({"ev": "err", "msg": "commit %s/%d: %s" % (tp.topic, tp.partition, tp.error)})
            else:
                out({"ev": "committed", "t": tp.topic, "p": tp.partition, "o": tp.offset})
    c.close()
    out({"ev": "closed"})


if __name__ == "__main__":
    main()
