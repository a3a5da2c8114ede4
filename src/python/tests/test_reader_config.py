"""CurriculumReader against a stand-in consumer (no broker); client.properties translation."""
import os
import warnings

import pytest
from confluent_kafka import KafkaError

import cross_fixtures
from cadc import config, format as wire
from cadc.format import Curriculum, CurriculumEntry
from cadc.reader import CurriculumReader


class Message:
    def __init__(self, partition, offset, key=None, value=None, eof=False):
        self._partition, self._offset, self._key, self._value, self._eof = partition, offset, key, value, eof

    def error(self):
        if not self._eof:
            return None

        class Eof:
            def code(self):
                return KafkaError._PARTITION_EOF
        return Eof()

    def partition(self):
        return self._partition

    def offset(self):
        return self._offset

    def key(self):
        return self._key

    def value(self):
        return self._value


class FakeConsumer:
    """One partition; ``log`` grows as the test appends; consume() hands out what was not read yet."""

    def __init__(self, config):
        self.config = config
        self.log = []
        self.position = 0
        self.assigned = None

    def list_topics(self, topic, timeout):
        class Topic:
            error = None
            partitions = {0: None}

        class Metadata:
            topics = {topic: Topic()}
        return Metadata()

    def assign(self, partitions):
        self.assigned = partitions

    def get_watermark_offsets(self, tp, timeout, cached):
        return 0, len(self.log)

    def consume(self, num_messages, timeout):
        out = [Message(0, o, *self.log[o]) for o in range(self.position, len(self.log))]
        self.position = len(self.log)
        out.append(Message(0, self.position, eof=True))
        return out

    def close(self):
        pass


class Reader(CurriculumReader):
    def _make_consumer(self, config):
        return FakeConsumer(config)


def value(version, ids=(1, 2, 3)):
    entries = [CurriculumEntry(sample, 1 + i // 2, i % 2, 0, 0.5) for i, sample in enumerate(ids)]
    return wire.encode_curriculum(Curriculum("ignored", version, version, 3, 10, 0, 0, entries))


def test_reader_keeps_the_newest_version_per_run_and_skips_unreadable_records():
    reader = Reader("localhost:9092", **{"client.id": "me", "isolation.level": "read_uncommitted"})
    consumer = reader._consumer
    assert consumer.config["isolation.level"] == "read_committed" and consumer.config["client.id"] == "me"
    assert reader.latest("run-a", 5) is None
    consumer.log += [(b"run-a", value(0)), (b"run-b", value(7)), (b"run-a", b"garbage"), (b"run-a", value(2, (9, 8))),
                     (b"run-a", value(1)), (None, value(9))]
    latest = reader.latest("run-a", 5)
    assert (latest.run_id, latest.version) == ("run-a", 2)
    assert latest.stages == [[9, 8]] and latest.entries[0].sample_id == 9
    assert reader.latest("run-b", 5).version == 7
    assert reader.await_newer_than("run-a", 1, 1).version == 2
    consumer.log.append((b"run-a", value(5)))
    assert reader.await_newer_than("run-a", 2, 5).version == 5
    with pytest.raises(TimeoutError, match="no curriculum version above 5 for run run-a"):
        reader.await_newer_than("run-a", 5, 0.3)
    with pytest.raises(ValueError, match="run_id must be"):
        reader.latest("", 1)
    reader.close()
    with pytest.raises(RuntimeError, match="closed"):
        reader.latest("run-a", 1)


def test_reader_decodes_the_java_curriculum_example_stages_first_stage_first():
    reader = Reader("localhost:9092")
    from conftest import REPO
    reader._consumer.log.append((b"run-2025-demo", open(os.path.join(REPO, "schemas", "examples", "curriculum.arrows"),
                                                        "rb").read()))
    c = reader.latest("run-2025-demo", 5)
    assert c == cross_fixtures.curriculum()
    assert c.stages == [[42, 7], [-9, 100_000_000_000], [13]]


PROPERTIES = r"""
# a Java client's settings
bootstrap.servers = broker-1:9094,broker-2:9094
security.protocol=SASL_SSL
sasl.mechanism: SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
    username="alice" password="p w=d;x";
ssl.truststore.type=PEM
ssl.truststore.location=/etc/kafka/ca.pem
ssl.endpoint.identification.algorithm=
key.serializer=org.apache.kafka.common.serialization.ByteArraySerializer
client.id cadc\u00e9
"""


def test_client_properties_become_librdkafka_settings(tmp_path):
    path = tmp_path / "client.properties"
    path.write_text(PROPERTIES, encoding="latin-1")
    assert config.read_client_properties(path) == {
        "security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "alice",
        "sasl.password": "p w=d;x", "ssl.ca.location": "/etc/kafka/ca.pem",
        "ssl.endpoint.identification.algorithm": "none", "client.id": "cadc\u00e9"}
    full = config.librdkafka_config(config.parse_properties(PROPERTIES))
    assert full["bootstrap.servers"] == "broker-1:9094,broker-2:9094"


def test_unsupported_client_properties_raise_or_warn():
    with pytest.raises(ValueError, match="librdkafka reads PEM files only"):
        config.librdkafka_config({"ssl.truststore.location": "/x.jks"})
    with pytest.raises(ValueError, match="OAuthBearerLoginModule"):
        config.librdkafka_config({"sasl.jaas.config": "org.apache.kafka.common.security.oauthbearer."
                                                      "OAuthBearerLoginModule required;"})
    with pytest.raises(ValueError, match="lacks password"):
        config.librdkafka_config({"sasl.jaas.config": 'x.PlainLoginModule required username="u";'})
    with pytest.warns(UserWarning, match="linger.ms.bogus"):
        assert config.librdkafka_config({"linger.ms.bogus": "1", "ssl.keystore.type": "PEM",
                                         "ssl.keystore.location": "/k.pem"}) == {
            "ssl.certificate.location": "/k.pem", "ssl.key.location": "/k.pem"}


def test_the_development_brokers_client_properties_become_librdkafka_settings(tmp_path):
    """``cadc broker --security sasl-ssl --data-dir DIR`` writes DIR/client.properties in exactly this form
    (SaslSslBrokerITCase checks the Java side); every line has a librdkafka meaning and nothing warns."""
    ca = tmp_path / "data dir" / "ca.pem"
    path = tmp_path / "client.properties"
    path.write_text("security.protocol=SASL_SSL\n"
                    "sasl.mechanism=SCRAM-SHA-512\n"
                    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                    'username="cadc" password="Zq3kT9vXw0pLm2NbR7sYc4Hd8JfG1aEu";\n'
                    "ssl.truststore.type=PEM\n"
                    f"ssl.truststore.location={ca}\n", encoding="latin-1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        settings = config.read_client_properties(path)
    assert settings == {"security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "cadc",
                        "sasl.password": "Zq3kT9vXw0pLm2NbR7sYc4Hd8JfG1aEu", "ssl.ca.location": str(ca)}


def test_scram_with_a_librdkafka_older_than_2_6_1_warns():
    """librdkafka < 2.6.1 fails SCRAM against Kafka 4.x brokers (the cadc broker is one) with 'invalid
    credentials' whatever the password: the clients say so when they are made, not after a timeout."""
    with pytest.warns(UserWarning, match=r"librdkafka 2\.0\.2 cannot authenticate with SCRAM-SHA-512.*2\.6\.1"):
        config.warn_if_scram_unsupported({"sasl.mechanisms": "SCRAM-SHA-512"}, "2.0.2")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config.warn_if_scram_unsupported({"sasl.mechanisms": "SCRAM-SHA-512"}, "2.6.1")
        config.warn_if_scram_unsupported({"sasl.mechanisms": "SCRAM-SHA-256"}, "2.10.0")
        config.warn_if_scram_unsupported({"sasl.mechanisms": "PLAIN"}, "2.0.2")
        config.warn_if_scram_unsupported({}, "2.0.2")
