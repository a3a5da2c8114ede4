"""Publishing a run's sketches to ``cadc.sketches`` (the Python twin of the Java ``SketchPublisher``)."""
from __future__ import annotations

import logging
import math
import numbers
import re
import threading
from typing import Dict, List, Optional, Sequence

import numpy as np

from . import config as client_config
from . import format as wire

LOG = logging.getLogger(__name__)

#: Target size of one Kafka record; larger batches are split into several records (as in Java).
DEFAULT_MAX_RECORD_BYTES = 4 * 1024 * 1024
_RECORD_OVERHEAD_BYTES = 16 * 1024
#: The run-id rule of schemas/README.md ("Run ids"), as Java's ``RunIds``.
_RUN_ID_MAX_BYTES = 128
_RUN_ID = re.compile(r"[A-Za-z0-9._:-]{1,%d}" % _RUN_ID_MAX_BYTES, re.ASCII)


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 hash (``org.apache.kafka.common.utils.Utils.murmur2``), as a signed 32-bit int."""
    m = 0x5BD1E995
    length = len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(length // 4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = length & ~3
    rest = length % 4
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h >> 31 else h


def key_partition(key: bytes, partitions: int) -> int:
    """The partition Kafka's Java default partitioner (and librdkafka's ``murmur2_random``) gives ``key``:
    ``(murmur2(key) & 0x7fffffff) % partitions``."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class SketchPublisher:
    """Publishes one run's sketches and control records to ``cadc.sketches``.

    ``SketchPublisher(bootstrap, run_id, sketch_dim, projection_seed, projection_kind="kronecker",
    influence_source="pool", **kafka_config)``; keyword-only options (not passed to librdkafka):
    ``topic`` (default ``cadc.sketches``), ``spread`` (default True, see below), ``lead`` (default True:
    this publisher sends the control records), ``layers`` (run-start ``layers``), ``max_record_bytes``
    (default 4 MiB), ``ensure_topics`` (default True: create CADC's topics when missing, as Java does).
    Every other keyword argument is a librdkafka setting passed through unchanged, e.g.
    ``**{"security.protocol": "SASL_SSL"}`` or ``**cadc.read_client_properties("client.properties")``.

    The producer is idempotent with ``acks=all`` (forced, as in Java: checkpoint row counts depend on
    it), ``compression.type=lz4``, ``linger.ms=20`` and ``partitioner=murmur2_random`` (Java's default
    partitioner) unless overridden. Every record's key is the run id.

    Partitions: with ``spread=True`` (the default, as the Java ``SketchPublisher``) the publisher picks
    partitions itself: a sketch row goes to partition ``floorMod(sample_id, partitions)`` (a batch is split
    per partition, row order kept within each), so every source subtask of the job reads part of the run,
    while control records go once to the run's key partition (``(murmur2(run_id) & 0x7fffffff) %
    partitions``). With ``spread=False`` records go where the key sends them, so all of a run is in one
    partition, in order: the partition Java's producer would choose for the same run id.

    Sends are asynchronous; the first delivery failure is raised (RuntimeError) by the next call,
    :meth:`flush` or :meth:`close`. Not thread-safe: one publisher per thread.
    """

    def __init__(self, bootstrap: str, run_id: str, sketch_dim: int, projection_seed: int,
                 projection_kind: str = "kronecker", influence_source: str = "pool", *,
                 topic: str = wire.TOPIC_SKETCHES, topic_prefix: str = "", spread: bool = True, lead: bool = True,
                 layers: Optional[Sequence[Dict[str, object]]] = None,
                 max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES, ensure_topics: bool = True,
                 **kafka_config):
        if not isinstance(bootstrap, str) or not bootstrap.strip():
            raise ValueError(f"bootstrap must be 'host:port[,host:port...]', got {bootstrap!r}")
        if not isinstance(run_id, str) or not run_id:
            raise ValueError(f"run_id must be a non-empty string, got {run_id!r}")
        if not _RUN_ID.fullmatch(run_id):
            raise ValueError(f"run_id must be 1 to {_RUN_ID_MAX_BYTES} characters of [A-Za-z0-9._:-] (the job "
                             f"dead-letters other keys with INVALID_RUN_ID), got {run_id!r}")
        if isinstance(sketch_dim, bool) or not isinstance(sketch_dim, numbers.Integral) \
                or not 1 <= sketch_dim <= wire.INT32_MAX:
            raise ValueError(f"sketch_dim must be an int in [1, {wire.INT32_MAX}], got {sketch_dim!r}")
        if projection_kind not in wire.PROJECTION_KINDS:
            raise ValueError(f"projection_kind must be one of {list(wire.PROJECTION_KINDS)}, got {projection_kind!r}")
        if influence_source not in wire.INFLUENCE_SOURCES:
            raise ValueError(f"influence_source must be one of {list(wire.INFLUENCE_SOURCES)}, got {influence_source!r}")
        if not _RECORD_OVERHEAD_BYTES < max_record_bytes <= wire.MAX_MESSAGE_BYTES:
            raise ValueError(f"max_record_bytes must be in ({_RECORD_OVERHEAD_BYTES}, {wire.MAX_MESSAGE_BYTES}], "
                             f"got {max_record_bytes}")
        self.run_id = run_id
        self.sketch_dim = int(sketch_dim)
        self.projection_seed = wire._signed64(projection_seed)
        self.projection_kind = projection_kind
        self.influence_source = influence_source
        self.topic_prefix = wire.check_topic_prefix(topic_prefix)
        self.topic = self.topic_prefix + topic
        self.spread = bool(spread)
        self.lead = bool(lead)
        self.layers = _check_layers(layers)
        self.max_record_bytes = int(max_record_bytes)
        self._key = run_id.encode("utf-8")
        self._started = False
        self._closed = False
        self._rows_by_checkpoint: Dict[int, int] = {}
        self._failure: Optional[BaseException] = None
        self._lock = threading.Lock()
        self._partitions: Optional[int] = None

        config = {"compression.type": "lz4", "linger.ms": 20, "batch.size": 1024 * 1024,
                  "partitioner": "murmur2_random", "queue.buffering.max.kbytes": 256 * 1024}
        config.update(kafka_config)
        config["bootstrap.servers"] = bootstrap
        config["enable.idempotence"] = True
        config["acks"] = "all"
        config["message.max.bytes"] = wire.MAX_MESSAGE_BYTES
        self._config = config
        client_config.warn_if_scram_unsupported(config)
        if ensure_topics:
            self._ensure_topics(config)
        self._producer = self._make_producer(config)

    # ---- seams for tests -------------------------------------------------------------------------

    def _make_producer(self, config):
        from confluent_kafka import Producer
        return Producer(config)

    def _ensure_topics(self, config):
        ensure_topics(config, self.topic, topic_prefix=self.topic_prefix)

    # ---- API -------------------------------------------------------------------------------------

    def start_run(self, layers: Optional[Sequence[Dict[str, object]]] = None):
        """Publishes the run-start record (fixing k, seed, kind and influence source) and waits until it is
        acknowledged, so that everything published after it follows it. ``layers`` (or the constructor's)
        is an optional list ``[{"name": ..., "shape": [out, in]}]``, e.g. ``Sketcher.layers()``. A publisher
        with ``lead=False`` sends nothing: only the lead rank announces the run."""
        self._check_open()
        layers = _check_layers(layers) if layers is not None else self.layers
        if self.lead:
            value = wire.encode_run_start(self.run_id, self.sketch_dim, self.projection_seed, self.projection_kind,
                                          self.influence_source, layers)
            self._send_control(value, wire.RECORD_TYPE_RUN_START)
            self.flush()
        self._started = True

    def publish(self, role: str, checkpoint: int, step: int, learning_rate: float, sample_ids, sketches, losses):
        """Publishes rows of one role: ``sample_ids`` int64 ``[n]``, ``sketches`` float32 ``[n, k]``, ``losses``
        float32 ``[n]`` (numpy arrays or anything ``np.asarray`` accepts without a change of dtype).
        ``role`` is ``"train"``, ``"pool"`` or ``"probe"``; POOL/PROBE rows need ``checkpoint >= 0``, TRAIN rows
        ``>= -1`` (-1 before the first checkpoint). Raises ValueError for malformed arguments."""
        self._check_open()
        if not self._started:
            raise RuntimeError(f"run {self.run_id} has no run-start record; call start_run() first")
        rows = self._rows(role, checkpoint, step, learning_rate, sample_ids, sketches, losses)
        if self.spread:
            partitions = self.partition_count()
            targets = np.mod(rows.sample_id, partitions)
            for partition in np.unique(targets):
                self._send_rows(rows.take(targets == partition), int(partition))
        else:
            self._send_rows(rows, None)
        if rows.role[0] != wire.ROLES["train"]:
            self._rows_by_checkpoint[int(checkpoint)] = self._rows_by_checkpoint.get(int(checkpoint), 0) + len(rows)

    def rows_published(self, checkpoint: int) -> int:
        """POOL and PROBE rows this publisher has sent for ``checkpoint`` (what complete_checkpoint announces)."""
        return self._rows_by_checkpoint.get(int(checkpoint), 0)

    def complete_checkpoint(self, checkpoint: int, row_count: Optional[int] = None) -> int:
        """Flushes, then publishes the checkpoint-complete record of ``checkpoint`` and returns its row count:
        every POOL and PROBE row published for it (TRAIN rows are not counted). By default the rows this
        publisher sent; with several ranks, pass ``row_count`` = the sum over ranks of
        :meth:`rows_published` (an all-reduce) on the lead rank after every rank has flushed. A publisher
        with ``lead=False`` only flushes and returns its own count."""
        self._check_open()
        checkpoint = _int_arg("checkpoint", checkpoint, 0, wire.INT32_MAX)
        if not self._started:
            raise RuntimeError(f"run {self.run_id} has no run-start record; call start_run() first")
        rows = self.rows_published(checkpoint) if row_count is None else _int_arg("row_count", row_count, 0, wire.INT64_MAX)
        self.flush()
        if self.lead:
            self._send_control(wire.encode_checkpoint_complete(self.run_id, checkpoint, rows),
                               wire.RECORD_TYPE_CHECKPOINT_COMPLETE)
            self.flush()
        return rows

    def end_run(self, last_checkpoint: int):
        """Publishes the run-end record ``{"run_id": ..., "last_checkpoint": N}`` (``cadc-record-type: run-end``)
        after flushing: the run publishes nothing more. Lead only."""
        self._check_open()
        last_checkpoint = _int_arg("last_checkpoint", last_checkpoint, -1, wire.INT32_MAX)
        self.flush()
        if self.lead:
            self._send_control(wire.encode_run_end(self.run_id, last_checkpoint), wire.RECORD_TYPE_RUN_END)
            self.flush()

    def flush(self, timeout_s: float = 120.0):
        """Waits until every record sent so far is acknowledged; raises the first delivery failure."""
        remaining = self._producer.flush(timeout_s)
        self._raise_failure()
        if remaining:
            raise RuntimeError(f"{remaining} record(s) to {self.topic} still unacknowledged after {timeout_s} s; "
                               f"is Kafka reachable at {self._config['bootstrap.servers']}?")

    def partition_count(self, timeout_s: float = 30.0) -> int:
        """The topic's partition count (read once from the cluster's metadata)."""
        if self._partitions is None:
            metadata = self._producer.list_topics(self.topic, timeout=timeout_s)
            topic = metadata.topics.get(self.topic)
            if topic is None or topic.error is not None or not topic.partitions:
                raise RuntimeError(f"topic {self.topic} is not available: {topic.error if topic else 'missing'}")
            self._partitions = len(topic.partitions)
        return self._partitions

    def close(self, timeout_s: float = 30.0):
        """Flushes and releases the producer; further calls raise."""
        if self._closed:
            return
        self._closed = True
        try:
            self.flush(timeout_s)
        finally:
            self._producer = _ClosedProducer()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            try:
                self.close()
            except Exception:  # noqa: BLE001 - the original exception matters more
                LOG.exception("closing the sketch publisher after an error failed")

    # ---- internals -------------------------------------------------------------------------------

    def _rows(self, role, checkpoint, step, learning_rate, sample_ids, sketches, losses) -> wire.SketchRows:
        if role not in wire.ROLES:
            raise ValueError(f"unknown role {role!r}: expected 'train', 'pool' or 'probe'")
        low = -1 if role == "train" else 0
        checkpoint = _int_arg("checkpoint", checkpoint, low, wire.INT32_MAX,
                              "" if role == "train" else f" ({role.upper()} rows belong to a checkpoint >= 0)")
        step = _int_arg("step", step, 0, wire.INT64_MAX)
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real) \
                or not math.isfinite(float(learning_rate)):
            raise ValueError(f"learning_rate must be a finite number, got {learning_rate!r}")
        with np.errstate(over="ignore"):
            as_float32 = np.float32(learning_rate)
        if not math.isfinite(float(as_float32)):
            raise ValueError(f"learning_rate {learning_rate} overflows float32")
        ids = _array("sample_ids", sample_ids, np.int64, 1)
        n = ids.shape[0]
        if n == 0:
            raise ValueError("sample_ids is empty; publish at least one row")
        sk = _array("sketches", sketches, np.float32, 2)
        if sk.shape[1] != self.sketch_dim:
            raise ValueError(f"sketches have k = {sk.shape[1]} floats per row but the run's sketch_dim is "
                             f"{self.sketch_dim}")
        if sk.shape[0] != n:
            raise ValueError(f"sketches have {sk.shape[0]} rows but sample_ids has {n}")
        lo = _array("losses", losses, np.float32, 1)
        if lo.shape[0] != n:
            raise ValueError(f"losses has {lo.shape[0]} values but sample_ids has {n}")
        for name, values in (("sketches", sk), ("losses", lo)):
            bad = ~np.isfinite(values)
            if bad.any():
                row = int(np.argwhere(bad)[0][0])
                raise ValueError(f"{name} holds NaN or infinity (first at row {row}, sample {int(ids[row])})")
        return wire.SketchRows(
            self.run_id, self.sketch_dim, self.projection_seed, self.projection_kind,
            np.full(n, step, dtype=np.int64), np.full(n, checkpoint, dtype=np.int32),
            np.full(n, wire.ROLES[role], dtype=np.int8), np.ascontiguousarray(ids),
            np.full(n, learning_rate, dtype=np.float32), np.ascontiguousarray(lo), np.ascontiguousarray(sk))

    def _send_rows(self, rows: wire.SketchRows, partition: Optional[int]):
        bytes_per_row = 4 * self.sketch_dim + 40 + 4 * len(self.run_id)
        per_record = max(1, (self.max_record_bytes - _RECORD_OVERHEAD_BYTES) // bytes_per_row)
        for start in range(0, len(rows), per_record):
            part = rows.take(slice(start, start + per_record))
            self._send(wire.encode_sketches(part), wire.headers(wire.CONTENT_TYPE_ARROW), partition)

    def _send_control(self, value: bytes, record_type: str):
        partition = key_partition(self._key, self.partition_count()) if self.spread else None
        self._send(value, wire.headers(wire.CONTENT_TYPE_JSON, record_type), partition)

    def _send(self, value: bytes, headers, partition: Optional[int]):
        self._raise_failure()
        kwargs = {"key": self._key, "value": value, "headers": headers, "on_delivery": self._on_delivery}
        if partition is not None:
            kwargs["partition"] = partition
        while True:
            try:
                self._producer.produce(self.topic, **kwargs)
                break
            except BufferError:
                self._producer.poll(0.1)  # local queue full: let deliveries drain
        self._producer.poll(0)

    def _on_delivery(self, error, message):
        if error is not None:
            with self._lock:
                if self._failure is None:
                    self._failure = RuntimeError(f"publishing to {self.topic} failed: {error}")

    def _raise_failure(self):
        with self._lock:
            failure = self._failure
        if failure is not None:
            raise failure

    def _check_open(self):
        if self._closed:
            raise RuntimeError("the sketch publisher is closed")
        self._raise_failure()


class _ClosedProducer:
    def flush(self, *args):
        return 0

    def __getattr__(self, name):
        raise RuntimeError("the sketch publisher is closed")


def _int_arg(name, value, low, high, hint=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if not low <= int(value) <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value}{hint}")
    return int(value)


def _array(name, value, dtype, ndim):
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.dtype != dtype:
        raise ValueError(f"{name} must be a numpy {np.dtype(dtype).name} array, got dtype {array.dtype}; "
                         f"convert explicitly, e.g. np.asarray({name}, dtype=np.{np.dtype(dtype).name})")
    if array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {array.shape}")
    return array


def _check_layers(layers):
    if layers is None:
        return None
    checked = []
    for layer in layers:
        try:
            name = layer["name"]
            shape = [int(d) for d in layer["shape"]]
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"each layer must be {{'name': str, 'shape': [out, in]}}, got {layer!r}") from None
        if not isinstance(name, str) or len(shape) != 2 or min(shape) < 1:
            raise ValueError(f"each layer must be {{'name': str, 'shape': [out, in]}} with out, in >= 1, got {layer!r}")
        checked.append({"name": name, "shape": shape})
    return checked


def ensure_topics(config: Dict[str, object], sketches_topic: str = wire.TOPIC_SKETCHES, timeout_s: float = 30.0,
                  topic_prefix: str = ""):
    """Creates CADC's topics that are missing, as the Java clients do (sketches with 4 partitions, the others
    with one, curriculum/capabilities/probes compacted, max.message.bytes 16 MiB), with the cluster's
    default replication factor. Existing topics are left as they are."""
    from confluent_kafka.admin import AdminClient, NewTopic
    admin_config = {k: v for k, v in config.items() if k not in _PRODUCER_ONLY}
    admin = AdminClient(admin_config)
    large = {"max.message.bytes": str(wire.MAX_MESSAGE_BYTES)}
    compacted = dict(large, **{"cleanup.policy": "compact"})
    p = wire.check_topic_prefix(topic_prefix)
    specs = [(sketches_topic, wire.DEFAULT_SKETCH_PARTITIONS, large), (p + wire.TOPIC_CURRICULUM, 1, compacted),
             (p + wire.TOPIC_CAPABILITIES, 1, compacted), (p + wire.TOPIC_DEAD_LETTER, 1, large),
             (p + wire.TOPIC_PROBES, 1, compacted)]
    existing = set(admin.list_topics(timeout=timeout_s).topics)
    missing = [NewTopic(name, partitions, replication_factor=-1, config=configs)
               for name, partitions, configs in specs if name not in existing]
    if not missing:
        return
    for name, future in admin.create_topics(missing, request_timeout=timeout_s).items():
        try:
            future.result(timeout_s)
            LOG.info("created topic %s", name)
        except Exception as e:  # noqa: BLE001 - confluent_kafka raises KafkaException
            if "TOPIC_ALREADY_EXISTS" not in str(e) and "already exists" not in str(e):
                raise RuntimeError(f"cannot create topic {name} at {config.get('bootstrap.servers')}: {e}") from e


# Producer settings an admin client has no use for (librdkafka would warn about several).
_PRODUCER_ONLY = {"enable.idempotence", "acks", "request.required.acks", "compression.type", "compression.codec",
                  "linger.ms", "queue.buffering.max.ms", "batch.size", "batch.num.messages", "partitioner",
                  "queue.buffering.max.kbytes", "queue.buffering.max.messages", "retries", "message.send.max.retries",
                  "delivery.timeout.ms", "message.timeout.ms", "request.timeout.ms", "transactional.id",
                  "max.in.flight", "max.in.flight.requests.per.connection", "on_delivery", "delivery.report.only.error",
                  "enable.gapless.guarantee", "sticky.partitioning.linger.ms"}
