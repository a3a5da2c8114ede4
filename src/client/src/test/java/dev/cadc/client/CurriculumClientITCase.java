package dev.cadc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.CurriculumEntry;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.testing.KafkaBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link CurriculumClient} against a real broker, with curricula written the way the exactly-once job
 * writes them: in transactions, some of which abort. Only committed versions may be returned.
 */
class CurriculumClientITCase {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    private static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @BeforeAll
    static void createTopics() {
        KafkaTopicAdmin.ensureTopics(clientConfig(), CadcTopics.all(1));
    }

    @Test
    void returnsTheNewestCommittedVersionAndWaitsForANewerOne() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer("curriculum-test");
                CurriculumClient client = new CurriculumClient(clientConfig())) {
            assertThat(client.latest("run-a", TIMEOUT)).isEmpty();

            write(producer, curriculum("run-a", 0), true);
            write(producer, curriculum("run-b", 5), true);
            write(producer, curriculum("run-a", 1), true);
            write(producer, curriculum("run-a", 2), false);

            assertThat(client.latest("run-a", TIMEOUT)).contains(curriculum("run-a", 1));
            assertThat(client.latest("run-b", TIMEOUT)).contains(curriculum("run-b", 5));

            write(producer, curriculum("run-a", 3), true);
            assertThat(client.awaitNewerThan("run-a", 1, TIMEOUT)).isEqualTo(curriculum("run-a", 3));

            write(producer, curriculum("run-a", 4), false);
            assertThatThrownBy(() -> client.awaitNewerThan("run-a", 3, Duration.ofSeconds(2)))
                    .isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("run-a");
        }
    }

    private static Curriculum curriculum(String runId, long version) {
        List<CurriculumEntry> entries = List.of(
                new CurriculumEntry(10 + version, 1, 0, 0, 0.5),
                new CurriculumEntry(20 + version, 2, 0, 1, 0.25));
        return new Curriculum(runId, version, (int) version, 2, 40, 3, 0, entries);
    }

    private static void write(KafkaProducer<byte[], byte[]> producer, Curriculum curriculum, boolean commit) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(CadcTopics.CURRICULUM,
                curriculum.runId().getBytes(StandardCharsets.UTF_8), CurriculumCodec.encode(curriculum)));
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.flush();
            producer.abortTransaction();
        }
    }

    private static KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId) {
        Map<String, Object> config = new HashMap<>(clientConfig());
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    private static Map<String, Object> clientConfig() {
        return Map.of("bootstrap.servers", KAFKA.bootstrapServers());
    }
}
