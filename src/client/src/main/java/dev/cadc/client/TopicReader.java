package dev.cadc.client;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads one topic from its beginning, all partitions, without a consumer group (nothing is committed),
 * with {@code isolation.level=read_committed} so that aborted transactions of the exactly-once job are
 * never seen. Reading continues where the previous call stopped.
 */
public final class TopicReader implements AutoCloseable {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final Object bootstrapServers;
    /**
     * When the client configuration sets {@code default.api.timeout.ms}, the longest wait for the topic's
     * metadata, whatever a read's own timeout: an unreachable broker is reported after it rather than
     * after the read's (longer) timeout.
     */
    private final Duration metadataTimeout;

    /**
     * @param clientConfig Kafka client properties; {@code bootstrap.servers} is required, anything else
     *     (security settings, timeouts) is passed through
     */
    public TopicReader(Map<String, Object> clientConfig, String topic) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024 * 1024);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.bootstrapServers = clientConfig.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
        Object apiTimeout = clientConfig.get(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        this.metadataTimeout = apiTimeout == null ? null : Duration.ofMillis(Long.parseLong(apiTimeout.toString().trim()));
    }

    /**
     * Hands every record up to the end offsets as of this call to {@code handler}, in partition order.
     *
     * @return whether the end was reached before {@code timeout}
     */
    public boolean readToEnd(Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> handler) {
        Instant deadline = Instant.now().plus(timeout);
        if (!assignPartitions(timeout)) {
            return true;
        }
        Map<TopicPartition, Long> endOffsets = consumer.endOffsets(consumer.assignment(), timeout);
        while (!reached(endOffsets)) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                return false;
            }
            consumer.poll(min(left, POLL_INTERVAL)).forEach(handler);
        }
        return true;
    }

    /**
     * Hands whatever arrives within {@code timeout} to {@code handler}. A caller that polls in a loop
     * keeps calling while the broker is slow to answer: a metadata fetch that takes longer than one
     * poll is not an error here ({@link #connected()} tells whether the topic was ever reached).
     */
    public void poll(Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> handler) {
        try {
            if (!assignPartitions(timeout)) {
                return;
            }
        } catch (IllegalStateException slow) {
            return;
        }
        consumer.poll(timeout).forEach(handler);
    }

    /** Whether the topic's partitions were found (the broker answered and the topic exists). */
    public boolean connected() {
        return !consumer.assignment().isEmpty();
    }

    /** The line for a caller that gave up without ever reaching the topic. */
    public String unreachableMessage(Duration waited) {
        return "cannot reach " + topic + " on Kafka at " + bootstrapServers + " within " + waited.toSeconds()
                + " s; is a broker running there (e.g. ./cadc broker), does the topic exist, and if the broker requires TLS"
                + " or authentication, are its client settings given (--kafka-config FILE)?";
    }

    private boolean reached(Map<TopicPartition, Long> endOffsets) {
        for (Map.Entry<TopicPartition, Long> end : endOffsets.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Assigns all partitions once the topic exists; false while it does not. */
    private boolean assignPartitions(Duration timeout) {
        if (!consumer.assignment().isEmpty()) {
            return true;
        }
        List<PartitionInfo> partitions;
        if (metadataTimeout != null) {
            timeout = min(timeout, metadataTimeout);
        }
        try {
            partitions = consumer.partitionsFor(topic, timeout);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + bootstrapServers + " within " + seconds(timeout)
                    + " s to read " + topic + "; is a broker running there (e.g. ./cadc broker), and if it requires TLS or"
                    + " authentication, are its client settings given (--kafka-config FILE)?", e);
        }
        if (partitions == null || partitions.isEmpty()) {
            return false;
        }
        List<TopicPartition> assigned = partitions.stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .toList();
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
        return true;
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? Long.toString(duration.toSeconds())
                : String.format(java.util.Locale.ROOT, "%.1f", duration.toMillis() / 1000.0);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
