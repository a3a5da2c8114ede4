"""The publisher and reader against a real broker. Run by the Java PythonClientITCase (cadc-trainer),
which starts the broker, sets CADC_BOOTSTRAP and CADC_LIVE_RUN, publishes transactional curricula
for the run before, and decodes what this test published with the Java codecs after. Not collected by
the default ``pytest src/python/tests`` run (it needs the broker)."""
import json
import os
import sys

import numpy as np
from confluent_kafka import Consumer, TopicPartition

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cadc  # noqa: E402
from cadc import format as wire  # noqa: E402

BOOTSTRAP = os.environ["CADC_BOOTSTRAP"]   # a KeyError here means: run me from PythonClientITCase
RUN = os.environ["CADC_LIVE_RUN"]
SPREAD_TOPIC = "cadc.sketches.python-spread"


def read_all(topic):
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "live-test-" + topic,
                         "enable.auto.commit": False, "enable.partition.eof": True})
    partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
    records, eof = [], set()
    for _ in range(200):
        for m in consumer.consume(100, 0.5):
            if m.error():
                eof.add(m.partition())
            else:
                records.append(m)
        if len(eof) == len(partitions):
            break
    consumer.close()
    return records, len(partitions)


def publish_run(publisher):
    ids = np.arange(-4, 8, dtype=np.int64)
    sketches = np.linspace(-1, 1, 12 * 6, dtype=np.float32).reshape(12, 6)
    publisher.start_run(layers=[{"name": "fc", "shape": [2, 3]}])
    publisher.publish("train", -1, 0, 0.5, ids[:3], sketches[:3], np.ones(3, np.float32))
    publisher.publish("pool", 0, 1, 0.5, ids, sketches, np.arange(12, dtype=np.float32))
    publisher.publish("probe", 0, 1, 0.5, ids[:2] + 1000, sketches[:2], np.zeros(2, np.float32))
    assert publisher.complete_checkpoint(0) == 14
    publisher.end_run(0)


def test_publisher_writes_a_run_keyed_by_its_id_in_javas_key_partition():
    with cadc.SketchPublisher(BOOTSTRAP, RUN, 6, -11, spread=False) as publisher:
        publish_run(publisher)
    records, partitions = read_all(wire.TOPIC_SKETCHES)
    assert partitions == 4   # created by the publisher like the Java clients create it
    mine = [m for m in records if m.key() == RUN.encode()]
    assert {m.partition() for m in mine} == {cadc.key_partition(RUN.encode(), partitions)}
    kinds = [dict(m.headers()).get("cadc-record-type", b"sketches").decode() for m in mine]
    assert kinds == ["run-start", "sketches", "sketches", "sketches", "checkpoint-complete", "run-end"]
    pool = wire.decode_sketches(mine[2].value())
    assert pool.sample_id.tolist() == list(range(-4, 8)) and pool.projection_seed == -11
    assert json.loads(mine[4].value()) == {"run_id": RUN, "checkpoint": 0, "rows": 14}


def test_spread_publisher_sends_rows_by_sample_id_and_control_records_to_the_key_partition():
    with cadc.SketchPublisher(BOOTSTRAP, RUN, 6, -11, topic=SPREAD_TOPIC, spread=True) as publisher:
        publish_run(publisher)
    records, partitions = read_all(SPREAD_TOPIC)
    home = cadc.key_partition(RUN.encode(), partitions)
    rows = 0
    for m in records:
        assert m.key() == RUN.encode()
        if "cadc-record-type" in dict(m.headers()):
            assert m.partition() == home
        else:
            part = wire.decode_sketches(m.value())
            assert all(int(i) % partitions == m.partition() for i in part.sample_id)
            rows += len(part)
    assert rows == 17


def test_reader_returns_the_newest_committed_curriculum_only():
    with cadc.CurriculumReader(BOOTSTRAP) as reader:
        latest = reader.latest(RUN, 30)
        assert latest is not None and latest.version == 1   # version 2 was aborted
        assert latest.stages == [[10, 11], [12]] and latest.stage_numbers == [1, 2]
        assert reader.await_newer_than(RUN, 0, 5).version == 1
        assert reader.latest("no-such-run", 30) is None
