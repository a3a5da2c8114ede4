"""SketchPublisher against a recording stand-in for the librdkafka producer (no broker)."""
import json

import numpy as np
import pytest

from cadc import format as wire
from cadc.publisher import SketchPublisher, key_partition, murmur2


class FakeMetadata:
    def __init__(self, topic, partitions):
        class Topic:
            error = None
        t = Topic()
        t.partitions = {p: None for p in range(partitions)}
        self.topics = {topic: t}


class FakeProducer:
    def __init__(self, config, partitions=4, fail=None):
        self.config = config
        self.records = []
        self.partitions = partitions
        self.fail = fail
        self.pending = []

    def produce(self, topic, key, value, headers, on_delivery, partition=None):
        self.records.append({"topic": topic, "key": key, "value": value, "headers": dict(headers),
                             "partition": partition})
        self.pending.append(on_delivery)

    def poll(self, timeout):
        return 0

    def flush(self, timeout=None):
        for callback in self.pending:
            callback(self.fail, None)
        self.pending = []
        return 0

    def list_topics(self, topic, timeout):
        return FakeMetadata(topic, self.partitions)


def publisher(fail=None, partitions=4, **kwargs):
    class Testable(SketchPublisher):
        def _make_producer(self, config):
            return FakeProducer(config, partitions, fail)

        def _ensure_topics(self, config):
            pass

    kwargs.setdefault("sketch_dim", 4)
    kwargs.setdefault("projection_seed", 42)
    kwargs.setdefault("spread", False)  # the tests of one partition; spread is tested on its own
    return Testable("localhost:9092", kwargs.pop("run_id", "run-1"), **kwargs)


def rows(n, k=4, first=0):
    ids = np.arange(first, first + n, dtype=np.int64)
    return ids, np.ones((n, k), np.float32), np.full(n, 0.5, np.float32)


def decoded(record):
    return wire.decode_sketches(record["value"])


def test_murmur2_and_the_key_partition_equal_kafkas_java_partitioner():
    # Pinned from org.apache.kafka.common.utils.Utils.murmur2 (kafka-clients 4.2.2).
    pinned = {"": 275646681, "a": -1563381124, "ab": 316155434, "abc": 479470107, "abcd": -1323649548,
              "run-2025-demo": 225268131, "py-run-\u00e9\u6f22": 1040506661, "mlp-digits-1": -467439740}
    for text, value in pinned.items():
        assert murmur2(text.encode("utf-8")) == value, text
    assert [key_partition(t.encode(), 4) for t in pinned] == [1, 0, 2, 3, 0, 3, 1, 0]
    assert [key_partition(t.encode(), 7) for t in pinned] == [2, 5, 0, 4, 5, 4, 5, 4]


def test_producer_settings_force_idempotence_and_pass_the_rest_through():
    pub = publisher(**{"acks": "1", "enable.idempotence": False, "linger.ms": 5, "sasl.username": "u"})
    config = pub._producer.config
    assert config["enable.idempotence"] is True and config["acks"] == "all"
    assert config["linger.ms"] == 5 and config["sasl.username"] == "u"
    assert config["partitioner"] == "murmur2_random" and config["bootstrap.servers"] == "localhost:9092"


def test_a_run_publishes_run_start_rows_and_control_records_in_order_keyed_by_run_id():
    with publisher(layers=[{"name": "fc", "shape": [3, 2]}]) as pub:
        pub.start_run()
        pub.publish("train", -1, 0, 0.1, *rows(2))
        pub.publish("pool", 0, 5, 0.1, *rows(3))
        pub.publish("probe", 0, 5, 0.1, *rows(2, first=100))
        pub.publish("pool", 1, 9, 0.05, *rows(1))
        assert pub.rows_published(0) == 5
        assert pub.complete_checkpoint(0) == 5
        assert pub.complete_checkpoint(1) == 1
        pub.end_run(1)
        records = pub._producer.records
    kinds = [r["headers"].get("cadc-record-type", b"sketches").decode() for r in records]
    assert kinds == ["run-start", "sketches", "sketches", "sketches", "sketches", "checkpoint-complete",
                     "checkpoint-complete", "run-end"]
    assert all(r["key"] == b"run-1" and r["topic"] == "cadc.sketches" and r["partition"] is None for r in records)
    assert all(r["headers"]["cadc-schema-version"] == b"1" for r in records[:-1])
    assert records[-1]["headers"]["cadc-schema-version"] == b"2"   # run-end: the version that added it
    assert records[1]["headers"]["content-type"] == b"application/vnd.apache.arrow.stream"
    assert records[0]["headers"]["content-type"] == b"application/json"
    start = json.loads(records[0]["value"])
    assert start == {"run_id": "run-1", "sketch_dim": 4, "projection_seed": 42, "projection_kind": "kronecker",
                     "influence_source": "pool", "layers": [{"name": "fc", "shape": [3, 2]}]}
    assert json.loads(records[5]["value"]) == {"run_id": "run-1", "checkpoint": 0, "rows": 5}
    assert json.loads(records[7]["value"]) == {"run_id": "run-1", "last_checkpoint": 1}
    assert records[7]["headers"]["cadc-record-type"] == b"run-end"
    pool = decoded(records[2])
    assert pool.role.tolist() == [1, 1, 1] and pool.checkpoint.tolist() == [0] * 3 and pool.step.tolist() == [5] * 3
    assert pool.learning_rate.tolist() == [np.float32(0.1)] * 3 and pool.sample_id.tolist() == [0, 1, 2]
    assert decoded(records[1]).checkpoint.tolist() == [-1, -1]


def test_several_ranks_one_lead_sends_control_records_with_the_all_reduced_count():
    lead, other = publisher(lead=True), publisher(lead=False)
    for pub in (lead, other):
        pub.start_run()
        pub.publish("pool", 0, 1, 0.1, *rows(3))
    total = lead.rows_published(0) + other.rows_published(0)   # an all-reduce across ranks
    other.complete_checkpoint(0)
    assert lead.complete_checkpoint(0, row_count=total) == 6
    other.end_run(0)
    assert [r["headers"].get("cadc-record-type") for r in other._producer.records] == [None]
    control = [json.loads(r["value"]) for r in lead._producer.records if "cadc-record-type" in r["headers"]]
    assert control[1] == {"run_id": "run-1", "checkpoint": 0, "rows": 6}


def test_spread_sends_rows_by_sample_id_and_control_records_to_the_key_partition():
    pub = publisher(spread=True, partitions=3, run_id="run-2025-demo")
    pub.start_run()
    ids = np.array([5, -1, 3, 4, 9, 7, -6], dtype=np.int64)
    pub.publish("pool", 0, 1, 0.1, ids, np.arange(28, dtype=np.float32).reshape(7, 4), np.zeros(7, np.float32))
    pub.complete_checkpoint(0)
    records = pub._producer.records
    home = key_partition(b"run-2025-demo", 3)
    assert records[0]["partition"] == home and records[-1]["partition"] == home
    by_partition = {r["partition"]: decoded(r) for r in records[1:-1]}
    assert sorted(by_partition) == [0, 1, 2]
    for partition, part in by_partition.items():
        assert all(int(i) % 3 == partition for i in part.sample_id)   # floorMod: -1 -> 2, -6 -> 0
        assert all(r["key"] == b"run-2025-demo" for r in records)
    assert by_partition[0].sample_id.tolist() == [3, 9, -6]
    assert by_partition[0].sketch[:, 0].tolist() == [8.0, 16.0, 24.0]   # rows keep their sketches, in order
    assert by_partition[2].sample_id.tolist() == [5, -1]


def test_large_batches_are_split_into_records_below_the_limit():
    pub = publisher(sketch_dim=1000, max_record_bytes=64 * 1024)
    pub.start_run()
    pub.publish("pool", 0, 1, 0.1, *rows(50, k=1000))
    sketches = [decoded(r) for r in pub._producer.records[1:]]
    assert [len(s) for s in sketches] == [12, 12, 12, 12, 2]   # (64 KiB - 16 KiB) / (4k + 40 + 4 len(run))
    assert all(len(r["value"]) <= 64 * 1024 for r in pub._producer.records)
    assert np.concatenate([s.sample_id for s in sketches]).tolist() == list(range(50))


def test_delivery_failures_surface_on_the_next_call():
    pub = publisher(fail="broker down")
    with pytest.raises(RuntimeError, match="broker down"):
        pub.start_run()
    with pytest.raises(RuntimeError, match="broker down"):
        pub.publish("pool", 0, 1, 0.1, *rows(1))


@pytest.mark.parametrize("args, message", [
    (("pools", 0, 1, 0.1) + rows(2), "unknown role 'pools'"),
    (("pool", -1, 1, 0.1) + rows(2), "checkpoint must be in \\[0,"),
    (("train", -2, 1, 0.1) + rows(2), "checkpoint must be in \\[-1,"),
    (("pool", 0.0, 1, 0.1) + rows(2), "checkpoint must be an int"),
    (("pool", 0, -1, 0.1) + rows(2), "step must be in"),
    (("pool", 0, 1, float("nan")) + rows(2), "learning_rate must be a finite number"),
    (("pool", 0, 1, 1e39) + rows(2), "overflows float32"),
    (("pool", 0, 1, 0.1, np.arange(2, dtype=np.int32), np.ones((2, 4), np.float32), np.ones(2, np.float32)),
     "sample_ids must be a numpy int64 array, got dtype int32"),
    (("pool", 0, 1, 0.1, np.arange(2), np.ones((2, 4)), np.ones(2, np.float32)),
     "sketches must be a numpy float32 array, got dtype float64"),
    (("pool", 0, 1, 0.1, np.arange(2), np.ones((2, 5), np.float32), np.ones(2, np.float32)),
     "k = 5 floats per row but the run's sketch_dim is 4"),
    (("pool", 0, 1, 0.1, np.arange(2), np.ones(8, np.float32), np.ones(2, np.float32)),
     "sketches must have 2 dimension"),
    (("pool", 0, 1, 0.1, np.arange(3), np.ones((2, 4), np.float32), np.ones(3, np.float32)),
     "sketches have 2 rows but sample_ids has 3"),
    (("pool", 0, 1, 0.1, np.arange(2), np.ones((2, 4), np.float32), np.ones(3, np.float32)),
     "losses has 3 values but sample_ids has 2"),
    (("pool", 0, 1, 0.1, np.arange(2), np.array([[1, 2, np.nan, 4]] * 2, np.float32), np.ones(2, np.float32)),
     "sketches holds NaN or infinity \\(first at row 0, sample 0\\)"),
    (("pool", 0, 1, 0.1, np.arange(2), np.ones((2, 4), np.float32), np.array([1, np.inf], np.float32)),
     "losses holds NaN or infinity \\(first at row 1"),
    (("pool", 0, 1, 0.1, np.arange(0), np.ones((0, 4), np.float32), np.ones(0, np.float32)), "sample_ids is empty"),
    (("pool", 0, 1, 0.1, [[1, 2]], np.ones((2, 4), np.float32), np.ones(2, np.float32)),
     "sample_ids must have 1 dimension"),
])
def test_malformed_publish_arguments_raise_value_error(args, message):
    pub = publisher()
    pub.start_run()
    with pytest.raises(ValueError, match=message):
        pub.publish(*args)
    assert len(pub._producer.records) == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"sketch_dim": 0}, "sketch_dim must be an int in"),
    ({"sketch_dim": 4.0}, "sketch_dim must be an int in"),
    ({"projection_kind": "gaussian"}, "projection_kind must be one of"),
    ({"influence_source": "probe"}, "influence_source must be one of"),
    ({"projection_seed": 1 << 64}, "projection_seed must fit 64 bits"),
    ({"projection_seed": "42"}, "projection_seed must be an int"),
    ({"run_id": ""}, "run_id must be a non-empty string"),
    ({"run_id": "team a/run"}, "run_id must be 1 to 128 characters"),
    ({"run_id": "r" * 129}, "run_id must be 1 to 128 characters"),
    ({"run_id": "run-\u00e9"}, "run_id must be 1 to 128 characters"),
    ({"max_record_bytes": 100}, "max_record_bytes must be in"),
    ({"layers": [{"name": "fc"}]}, "each layer must be"),
])
def test_malformed_constructor_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        publisher(**kwargs)


def test_misuse_raises_clear_errors():
    pub = publisher(projection_seed=(1 << 64) - 1)
    assert pub.projection_seed == -1
    with pytest.raises(RuntimeError, match="call start_run\\(\\) first"):
        pub.publish("pool", 0, 1, 0.1, *rows(1))
    with pytest.raises(ValueError, match="checkpoint must be in"):
        pub.complete_checkpoint(-1)
    pub.start_run()
    with pytest.raises(ValueError, match="row_count must be in"):
        pub.complete_checkpoint(0, row_count=-3)
    pub.close()
    with pytest.raises(RuntimeError, match="closed"):
        pub.publish("pool", 0, 1, 0.1, *rows(1))
    with pytest.raises(ValueError, match="bootstrap must be"):
        SketchPublisher("", "r", 4, 1)


def test_spread_is_the_default():
    class Testable(SketchPublisher):
        def _make_producer(self, config):
            return FakeProducer(config, 4, None)

        def _ensure_topics(self, config):
            pass

    assert Testable("localhost:9092", "run-default", sketch_dim=4, projection_seed=1).spread is True
