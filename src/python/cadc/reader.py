"""Reading the newest curriculum of a run from ``cadc.curriculum`` (the twin of the Java ``CurriculumClient``)."""
from __future__ import annotations

import logging
import time
import uuid
from typing import Dict, Optional

from . import config as client_config
from . import format as wire
from .format import Curriculum

LOG = logging.getLogger(__name__)

_POLL_S = 0.25


class CurriculumReader:
    """The newest committed curriculum per run on the compacted ``cadc.curriculum`` topic.

    Reads every partition from the beginning with ``isolation.level=read_committed`` (a version the
    exactly-once job has not committed is never seen), without a consumer group (nothing is committed;
    a throwaway ``group.id`` is set only because librdkafka requires one). The record key is the run id,
    the value one Arrow IPC curriculum whose metadata ``cadc.curriculum.version`` is the version; the
    highest version seen per run is kept (a run's versions only increase). Unreadable records are skipped
    with a warning, as in Java. Keyword arguments are librdkafka settings passed through unchanged, plus
    ``topic`` (default ``cadc.curriculum``).
    """

    def __init__(self, bootstrap: str, *, topic: str = wire.TOPIC_CURRICULUM, **kafka_config):
        if not isinstance(bootstrap, str) or not bootstrap.strip():
            raise ValueError(f"bootstrap must be 'host:port[,host:port...]', got {bootstrap!r}")
        self.topic = topic
        config = {"group.id": f"cadc-curriculum-reader-{uuid.uuid4()}", "enable.partition.eof": True,
                  "fetch.max.bytes": 64 * 1024 * 1024, "max.partition.fetch.bytes": 64 * 1024 * 1024,
                  "receive.message.max.bytes": 64 * 1024 * 1024 + 1024 * 1024}
        config.update(kafka_config)
        config["bootstrap.servers"] = bootstrap
        config["isolation.level"] = "read_committed"
        config["enable.auto.commit"] = False
        config["enable.partition.eof"] = True
        self._bootstrap = bootstrap
        client_config.warn_if_scram_unsupported(config)
        self._consumer = self._make_consumer(config)
        self._assigned = False
        self._reached: Dict[int, int] = {}
        self._newest: Dict[str, Curriculum] = {}
        self._closed = False

    def _make_consumer(self, config):
        from confluent_kafka import Consumer
        return Consumer(config)

    def latest(self, run_id: str, timeout_s: float = 30.0) -> Optional[Curriculum]:
        """The newest committed curriculum of ``run_id``, reading the topic up to its current end, or None
        when the run has none yet. Raises TimeoutError when the end cannot be reached within ``timeout_s``."""
        self._check(run_id, timeout_s)
        deadline = time.monotonic() + timeout_s
        if not self._assign(timeout_s):
            return None
        ends = {}
        for partition in self._reached:
            from confluent_kafka import TopicPartition
            _, high = self._consumer.get_watermark_offsets(TopicPartition(self.topic, partition),
                                                           timeout=max(0.1, deadline - time.monotonic()), cached=False)
            ends[partition] = high
        while any(self._reached[p] < end for p, end in ends.items()):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"could not read {self.topic} to its end within {timeout_s} s")
            self._poll(min(left, _POLL_S))
        return self._newest.get(run_id)

    def await_newer_than(self, run_id: str, version: int, timeout_s: float = 600.0) -> Curriculum:
        """Waits for a curriculum of ``run_id`` with a version above ``version`` (-1 for any) and returns the
        newest; raises TimeoutError naming the run and version when none arrives within ``timeout_s``."""
        self._check(run_id, timeout_s)
        deadline = time.monotonic() + timeout_s
        while True:
            newest = self._newest.get(run_id)
            if newest is not None and newest.version > version:
                return newest
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no curriculum version above {version} for run {run_id} on {self.topic} within "
                                   f"{timeout_s} s; is the CADC job running and reading cadc.sketches?")
            if self._assign(min(left, 5.0)):
                self._poll(min(left, _POLL_S))
            else:
                time.sleep(min(left, _POLL_S))

    def close(self):
        if not self._closed:
            self._closed = True
            self._consumer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- internals -------------------------------------------------------------------------------

    def _check(self, run_id, timeout_s):
        if self._closed:
            raise RuntimeError("the curriculum reader is closed")
        if not isinstance(run_id, str) or not run_id:
            raise ValueError(f"run_id must be a non-empty string, got {run_id!r}")
        if not isinstance(timeout_s, (int, float)) or timeout_s < 0:
            raise ValueError(f"timeout_s must be a number >= 0, got {timeout_s!r}")

    def _assign(self, timeout_s: float) -> bool:
        """Assigns every partition from the beginning once the topic exists; False while it does not."""
        if self._assigned:
            return True
        from confluent_kafka import OFFSET_BEGINNING, TopicPartition
        try:
            metadata = self._consumer.list_topics(self.topic, timeout=max(timeout_s, 0.1))
        except Exception as e:  # noqa: BLE001 - KafkaException
            raise RuntimeError(f"cannot reach Kafka at {self._bootstrap} to read {self.topic}: {e}") from e
        topic = metadata.topics.get(self.topic)
        if topic is None or topic.error is not None or not topic.partitions:
            return False
        partitions = sorted(topic.partitions)
        self._consumer.assign([TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in partitions])
        self._reached = {p: 0 for p in partitions}
        self._assigned = True
        return True

    def _poll(self, timeout_s: float):
        from confluent_kafka import KafkaError
        for message in self._consumer.consume(num_messages=500, timeout=timeout_s):
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    self._advance(message.partition(), message.offset())
                    continue
                LOG.warning("reading %s: %s", self.topic, error)
                continue
            self._advance(message.partition(), message.offset() + 1)
            self._accept(message.key(), message.value(), message.partition(), message.offset())

    def _advance(self, partition: int, offset: int):
        if offset is not None and offset >= 0:
            self._reached[partition] = max(self._reached.get(partition, 0), offset)

    def _accept(self, key: Optional[bytes], value: Optional[bytes], partition: int, offset: int):
        if key is None or value is None:
            return
        try:
            run_id = key.decode("utf-8")
            curriculum = wire.decode_curriculum(value, run_id)
        except (UnicodeDecodeError, wire.InvalidRecordError) as e:
            LOG.warning("skipping an unreadable curriculum record at %s-%d@%d: %s", self.topic, partition, offset, e)
            return
        current = self._newest.get(run_id)
        if current is None or curriculum.version > current.version:
            self._newest[run_id] = curriculum
