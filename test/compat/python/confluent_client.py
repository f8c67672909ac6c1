"""confluent-kafka-python (librdkafka) client for the compatibility suite.

create/delete: AdminClient.create_topics / delete_topics.
run: a Producer per codec (compression.type, enable.idempotence=true, each
record to its spec partition, flush), then a Consumer with assign() from the
beginning and no group, read to the end of every partition
(enable.partition.eof): group.id is set because the client requires it, with
enable.auto.commit=false and no commit, so no group coordinator is needed.
The consumer's protocol debug log is captured to count the FindCoordinator
requests it sends (reported in notes). Time lookups: offsets_for_times.
Any error-level librdkafka log line fails the run.
"""

import logging
import re
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import common


class LogWatch(logging.Handler):
    """Receives librdkafka's log (the client's logger= argument): counts the
    requests debug=protocol says were sent, and keeps error-level lines,
    which fail the run (librdkafka retries protocol parse failures quietly,
    so they would otherwise only show up as a hang or a silent fallback)."""

    def __init__(self, echo):
        super().__init__()
        self.sent = {}
        self.errors = []
        self.echo = echo

    def emit(self, rec):
        msg = rec.getMessage()
        m = re.search(r"Sent (\w+)Request", msg)
        if m:
            self.sent[m.group(1)] = self.sent.get(m.group(1), 0) + 1
        if rec.levelno >= logging.ERROR:
            self.errors.append(msg)
        if self.echo:
            print(msg, file=sys.stderr)

    def check(self, who):
        if self.errors:
            raise RuntimeError("%s: librdkafka logged errors:\n%s" % (who, "\n".join(self.errors[:20])))


def watched_logger(name, spec):
    watch = LogWatch(bool(spec.get("debug")))
    log = logging.getLogger(name)
    log.handlers = [watch]
    log.setLevel(logging.DEBUG)
    log.propagate = False
    return log, watch


def admin(spec):
    conf = {"bootstrap.servers": spec["bootstrap"]}
    if spec.get("debug"):
        conf["debug"] = "protocol,broker,admin"
    return AdminClient(conf)


def create(spec):
    a = admin(spec)  # keep a reference: the futures fail if the client is collected
    fs = a.create_topics([NewTopic(spec["topic"], num_partitions=spec["partitions"], replication_factor=1)], operation_timeout=30)
    for f in fs.values():
        f.result(timeout=common.STEP_TIMEOUT)


def delete(spec):
    a = admin(spec)
    fs = a.delete_topics([spec["topic"]], operation_timeout=30)
    for f in fs.values():
        f.result(timeout=common.STEP_TIMEOUT)


def run(spec):
    result = {
        "client": "confluent-kafka-python",
        "version": "confluent-kafka-python %s, librdkafka %s" % (confluent_kafka.version()[0], confluent_kafka.libversion()[0]),
        "librdkafka": confluent_kafka.libversion()[0],
        "skipped_codecs": {},
        "records": [],
        "time_lookups": [],
        "notes": [],
    }
    topic = spec["topic"]
    for codec in spec["codecs"]:
        conf = {
            "bootstrap.servers": spec["bootstrap"],
            "compression.type": codec,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
        }
        if spec.get("debug"):
            conf["debug"] = "protocol,broker,msg,feature"
        log, watch = watched_logger("librdkafka.producer." + codec, spec)
        p = Producer(conf, logger=log)
        errors = []

        def on_delivery(err, msg):
            if err is not None:
                errors.append(err)

        for r in spec["records"]:
            if r["codec"] != codec:
                continue
            p.produce(topic, value=r["v"], key=r["k"], partition=r["p"], headers=r["h"], on_delivery=on_delivery)
        left = p.flush(common.STEP_TIMEOUT)
        if left or errors:
            raise RuntimeError("produce %s: %d undelivered, errors %s" % (codec, left, errors))
        watch.check("producer (%s)" % codec)
        time.sleep(common.CODEC_PAUSE)

    log, handler = watched_logger("librdkafka.consumer", spec)
    c = Consumer(
        {
            "bootstrap.servers": spec["bootstrap"],
            "group.id": "samsa-compat-unused",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            # Read to the end of every partition (a fetch at the high
            # watermark, answered with an empty record set), as kcat -e does.
            "enable.partition.eof": True,
            "debug": "protocol" + (",broker,fetch" if spec.get("debug") else ""),
        },
        logger=log,
    )
    c.assign([TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in range(spec["partitions"])])
    want = common.expected_counts(spec, {})
    got = {p: 0 for p in want}
    at_end = set()
    deadline = common.deadline()
    while got != want or len(at_end) < len(want):
        if time.monotonic() > deadline:
            raise RuntimeError("consume timed out: got %s of %s, at end: %s" % (got, want, sorted(at_end)))
        m = c.poll(1.0)
        handler.check("consumer")
        if m is None:
            continue
        if m.error():
            if m.error().code() == confluent_kafka.KafkaError._PARTITION_EOF:
                if got[m.partition()] == want[m.partition()]:
                    at_end.add(m.partition())
                continue
            raise KafkaException(m.error())
        got[m.partition()] += 1
        result["records"].append(common.record(m.partition(), m.offset(), m.key(), m.value(), m.headers(), m.timestamp()[1]))
    for p, ts in common.lookup_queries(result["records"]):
        (tp,) = c.offsets_for_times([TopicPartition(topic, p, ts)], timeout=common.STEP_TIMEOUT)
        if tp.error:
            raise KafkaException(tp.error)
        result["time_lookups"].append({"p": p, "ts": ts, "o": tp.offset, "method": "Consumer.offsets_for_times"})
    c.poll(0.1)  # deliver queued log lines to the handler
    c.close()
    handler.check("consumer")
    if handler.sent.get("Fetch", 0) == 0:
        raise RuntimeError("the protocol debug log showed no FetchRequest: the request counting is broken (%s)" % handler.sent)
    result["notes"].append(
        "assign() consumer with group.id set sent %d FindCoordinator requests (requests sent: %s)"
        % (handler.sent.get("FindCoordinator", 0), ", ".join("%s %d" % kv for kv in sorted(handler.sent.items())))
    )
    return result


def main():
    phase, spec = common.load_spec()
    if phase == "create":
        create(spec)
        common.emit({"client": "confluent-kafka-python"})
    elif phase == "delete":
        delete(spec)
        common.emit({"client": "confluent-kafka-python"})
    else:
        common.emit(run(spec))


if __name__ == "__main__":
    main()
