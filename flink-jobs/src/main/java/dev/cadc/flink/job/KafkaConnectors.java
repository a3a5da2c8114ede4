package dev.cadc.flink.job;

import dev.cadc.client.KafkaTopicAdmin;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.OutputRecord;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The job's Kafka ends: a {@link KafkaSource} of raw {@code cadc.sketches} records (bounded at the
 * offsets newest at start, or unbounded), and one EXACTLY_ONCE {@link KafkaSink} for the curriculum,
 * capabilities and dead-letter topics (transactions commit at Flink checkpoints; consumers read with
 * {@code read_committed}).
 */
public final class KafkaConnectors {

    /** Must stay below the broker's {@code transaction.max.timeout.ms} (15 minutes by default). */
    private static final String TRANSACTION_TIMEOUT_MS = "600000";

    private KafkaConnectors() {}

    public static KafkaSource<KafkaRecord> source(JobConfig config) {
        var builder = KafkaSource.<KafkaRecord>builder()
                .setBootstrapServers(config.bootstrap)
                .setTopics(config.topics.of(config.sketchesTopic))
                .setGroupId(config.topics.of(config.groupId))
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("isolation.level", "read_committed")
                .setProperty("max.partition.fetch.bytes", String.valueOf(CadcTopics.MAX_MESSAGE_BYTES))
                // Positions live in Flink's checkpoints; committing them to Kafka too only adds noise.
                .setProperty("commit.offsets.on.checkpoint", "false");
        config.kafkaProperties.forEach(builder::setProperty);
        if (config.bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        } else {
            builder.setProperty("partition.discovery.interval.ms", "10000");
        }
        return builder.build();
    }

    public static KafkaSink<OutputRecord> sink(JobConfig config) {
        return sink(config, new OutputRecordSerializer(config.topics.prefix()));
    }

    /** The sink with another record serializer: fault tests wrap the job's own one. */
    static KafkaSink<OutputRecord> sink(JobConfig config, KafkaRecordSerializationSchema<OutputRecord> serializer) {
        var builder = KafkaSink.<OutputRecord>builder()
                .setBootstrapServers(config.bootstrap)
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(config.topics.of(config.transactionalIdPrefix))
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .setProperty("max.request.size", String.valueOf(CadcTopics.MAX_MESSAGE_BYTES));
        // Security settings and the like, from --kafka-config, passed through unchanged.
        config.kafkaProperties.forEach(builder::setProperty);
        return builder.build();
    }

    private static Map<String, Object> adminConfig(JobConfig config) {
        Map<String, Object> admin = new java.util.HashMap<>(config.kafkaClientConfig());
        admin.putIfAbsent("default.api.timeout.ms", 15_000);
        admin.putIfAbsent("request.timeout.ms", 10_000);
        return admin;
    }

    /**
     * Creates the topics the job reads and writes when they are missing (curriculum and capabilities
     * compacted), through the one topic admin the publisher uses too, replicated as the config says.
     */
    public static void createTopics(JobConfig config) {
        KafkaTopicAdmin.ensureTopics(
                adminConfig(config),
                config.topics.specs(CadcTopics.DEFAULT_SKETCH_PARTITIONS).stream()
                        .map(spec -> spec.withReplication(config.replicationFactor, config.minInsyncReplicas))
                        .toList());
    }

    /** Keeps the record as bytes, with its headers and source offset. */
    static final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<KafkaRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<KafkaRecord> out) {
            Header[] headers = record.headers().toArray();
            String[] names = new String[headers.length];
            byte[][] values = new byte[headers.length][];
            for (int i = 0; i < headers.length; i++) {
                names[i] = headers[i].key();
                values[i] = headers[i].value();
            }
            KafkaRecord raw = new KafkaRecord(record.topic(), record.partition(), record.offset(), record.key(), record.value(), names, values);
            raw.timestamp = record.timestamp();
            out.collect(raw);
        }

        @Override
        public TypeInformation<KafkaRecord> getProducedType() {
            return Types.POJO(KafkaRecord.class);
        }
    }

    /** Writes an output record to its topic (under the topic prefix), key, value and headers. */
    static final class OutputRecordSerializer implements KafkaRecordSerializationSchema<OutputRecord> {
        private static final long serialVersionUID = 1L;

        private final String topicPrefix;

        OutputRecordSerializer(String topicPrefix) {
            this.topicPrefix = topicPrefix;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(OutputRecord element, KafkaSinkContext context, Long timestamp) {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topicPrefix + element.topic, element.key, element.value);
            if (element.headerNames != null) {
                for (int i = 0; i < element.headerNames.length; i++) {
                    record.headers().add(element.headerNames[i], element.headerValues[i]);
                }
            }
            return record;
        }
    }
}
