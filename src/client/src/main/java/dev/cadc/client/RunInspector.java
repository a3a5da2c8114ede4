package dev.cadc.client;

import dev.cadc.core.format.CapabilitiesCodec;
import dev.cadc.core.format.CapabilitySet;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.topic.CadcTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Everything the topics say about one run: its newest committed curriculum and capabilities, its
 * sketch rows by role, its control records by type, unreadable records, and its dead letters.
 * Reads each topic from the beginning to its current end ({@code read_committed}).
 */
public final class RunInspector {

    /** What was found. {@code curriculum} and {@code capabilities} are null until the job publishes them. */
    public record RunReport(
            String runId,
            Curriculum curriculum,
            CapabilitySet capabilities,
            Map<Role, Long> sketchRows,
            Map<String, Long> controlRecords,
            long unreadableRecords,
            long deadLetters,
            Map<Long, String> probeDescriptions) {}

    private RunInspector() {}

    /** Reads the four topics for {@code runId}. */
    public static RunReport inspect(Map<String, Object> clientConfig, String runId, Duration timeout) throws TimeoutException {
        return inspect(clientConfig, "", runId, timeout);
    }

    /** Reads the topics under a team's prefix ({@link CadcTopics#withPrefix}) for {@code runId}. */
    public static RunReport inspect(Map<String, Object> clientConfig, String topicPrefix, String runId, Duration timeout)
            throws TimeoutException {
        CadcTopics.Names names = CadcTopics.withPrefix(topicPrefix);
        Map<Role, Long> rows = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            rows.put(role, 0L);
        }
        Map<String, Long> control = new TreeMap<>();
        long[] unreadable = {0};
        readRun(clientConfig, names.sketches(), runId, timeout, record -> {
            String recordType = header(record, WireFormat.HEADER_RECORD_TYPE);
            if (recordType != null) {
                control.merge(recordType, 1L, Long::sum);
                return;
            }
            try {
                SketchBatch batch = SketchCodec.decode(record.value());
                for (int row = 0; row < batch.rowCount(); row++) {
                    rows.merge(batch.role(row), 1L, Long::sum);
                }
            } catch (InvalidRecordException e) {
                unreadable[0]++;
            }
        });

        Curriculum[] curriculum = {null};
        readRun(clientConfig, names.curriculum(), runId, timeout, record -> {
            Curriculum candidate = CurriculumCodec.decode(record.value(), runId);
            if (curriculum[0] == null || candidate.version() > curriculum[0].version()) {
                curriculum[0] = candidate;
            }
        });
        CapabilitySet[] capabilities = {null};
        readRun(clientConfig, names.capabilities(), runId, timeout, record -> {
            CapabilitySet candidate = CapabilitiesCodec.decode(record.value(), runId);
            if (capabilities[0] == null || candidate.version() > capabilities[0].version()) {
                capabilities[0] = candidate;
            }
        });
        long[] deadLetters = {0};
        readRun(clientConfig, names.deadLetter(), runId, timeout, record -> deadLetters[0]++);
        Map<Long, String> probes = new TreeMap<>();
        readRun(clientConfig, names.probes(), runId, timeout, record -> {
            try {
                var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(record.value());
                probes.clear();
                root.path("probes").fields().forEachRemaining(e -> probes.put(Long.parseLong(e.getKey()), e.getValue().asText()));
            } catch (java.io.IOException | NumberFormatException e) {
                // A catalogue is a courtesy for people; an unreadable one is skipped.
            }
        });
        return new RunReport(runId, curriculum[0], capabilities[0], rows, control, unreadable[0], deadLetters[0], probes);
    }

    private static void readRun(Map<String, Object> clientConfig, String topic, String runId, Duration timeout,
            java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> handler) throws TimeoutException {
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        try (TopicReader reader = new TopicReader(clientConfig, topic)) {
            boolean complete = reader.readToEnd(timeout, record -> {
                if (record.key() != null && java.util.Arrays.equals(record.key(), key) && record.value() != null) {
                    handler.accept(record);
                }
            });
            if (!complete) {
                throw new TimeoutException("could not read " + topic + " to its end within " + timeout.toSeconds() + " s");
            }
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
