package dev.cadc.client;

import dev.cadc.core.format.CapabilitiesCodec;
import dev.cadc.core.format.CapabilitySet;
import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
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
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Everything the topics say about one run: its newest committed curriculum and capabilities, its
 * sketch rows by role, its control records by type, unreadable records, its dead letters, and each
 * checkpoint's announced and accepted rows (so a checkpoint the job closed short shows).
 * Reads each topic from the beginning to its current end ({@code read_committed}).
 */
public final class RunInspector {

    /**
     * What was found. {@code curriculum} and {@code capabilities} are null until the job publishes them;
     * {@code checkpoints} has one entry per checkpoint that rows or a checkpoint-complete named, in order.
     */
    public record RunReport(
            String runId,
            Curriculum curriculum,
            CapabilitySet capabilities,
            Map<Role, Long> sketchRows,
            Map<String, Long> controlRecords,
            long unreadableRecords,
            long deadLetters,
            Map<Long, String> probeDescriptions,
            List<CheckpointRows> checkpoints) {

        /** The checkpoints the job closed with announced rows missing. */
        public List<CheckpointRows> closedShort() {
            return checkpoints.stream().filter(c -> c.state() == CheckpointState.CLOSED_SHORT).toList();
        }
    }

    /** Where a checkpoint stands, as far as the topics tell. */
    public enum CheckpointState {
        /** Every announced row arrived and was accepted (whether or not its version is out yet). */
        COMPLETE,
        /**
         * The job built a version from it (the newest curriculum reflects it) with rows missing: fewer
         * accepted than announced, or never announced; the job closed it short after the grace period
         * (or at the end of a bounded input), logged it and counted it in {@code checkpointsClosedShort}.
         */
        CLOSED_SHORT,
        /** Rows are missing and no version reflects it yet: the job is still waiting for them. */
        WAITING
    }

    /**
     * One checkpoint of the run: the POOL and PROBE rows its checkpoint-complete announced (-1: none
     * came) and the rows the job accepted, i.e. those on {@code cadc.sketches} less those it dead-lettered.
     */
    public record CheckpointRows(int checkpoint, long announcedRows, long acceptedRows, CheckpointState state) {}

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
        Map<Integer, Long> announced = new TreeMap<>();
        Map<Integer, Long> accepted = new TreeMap<>();
        long[] unreadable = {0};
        readRun(clientConfig, names.sketches(), runId, timeout, record -> {
            String recordType = header(record, WireFormat.HEADER_RECORD_TYPE);
            if (recordType != null) {
                control.merge(recordType, 1L, Long::sum);
                if (WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE.equals(recordType)) {
                    try {
                        CheckpointComplete complete = ControlRecordCodec.decodeCheckpointComplete(record.value());
                        // The job keeps the first announcement of a checkpoint; a repeat is a dead letter.
                        announced.putIfAbsent(complete.checkpoint(), complete.rows());
                    } catch (InvalidRecordException e) {
                        unreadable[0]++;
                    }
                }
                return;
            }
            try {
                SketchBatch batch = SketchCodec.decode(record.value());
                for (int row = 0; row < batch.rowCount(); row++) {
                    rows.merge(batch.role(row), 1L, Long::sum);
                }
                countScanRows(batch, accepted, 1);
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
        readRun(clientConfig, names.deadLetter(), runId, timeout, record -> {
            deadLetters[0]++;
            if (header(record, WireFormat.HEADER_RECORD_TYPE) == null) {
                try {
                    countScanRows(SketchCodec.decode(record.value()), accepted, -1);
                } catch (InvalidRecordException e) {
                    // Rows the codec cannot read were never counted above either.
                }
            }
        });
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
        int closedThrough = curriculum[0] == null ? -1 : curriculum[0].checkpoint();
        return new RunReport(runId, curriculum[0], capabilities[0], rows, control, unreadable[0], deadLetters[0], probes,
                checkpoints(announced, accepted, closedThrough));
    }

    /** Adds {@code sign} times the POOL and PROBE rows of {@code batch} to their checkpoints' counts. */
    private static void countScanRows(SketchBatch batch, Map<Integer, Long> counts, int sign) {
        for (int row = 0; row < batch.rowCount(); row++) {
            if (batch.role(row) != Role.TRAIN) {
                counts.merge(batch.checkpoint(row), (long) sign, Long::sum);
            }
        }
    }

    /**
     * Each checkpoint's state: complete when the accepted rows reach the announced count, else closed
     * short when the newest curriculum reflects it ({@code closedThrough}), else waiting.
     */
    static List<CheckpointRows> checkpoints(Map<Integer, Long> announced, Map<Integer, Long> accepted, int closedThrough) {
        java.util.SortedSet<Integer> named = new java.util.TreeSet<>(announced.keySet());
        accepted.forEach((checkpoint, count) -> {
            if (count > 0) {
                named.add(checkpoint);
            }
        });
        List<CheckpointRows> checkpoints = new ArrayList<>();
        for (int checkpoint : named) {
            long want = announced.getOrDefault(checkpoint, -1L);
            long have = Math.max(0, accepted.getOrDefault(checkpoint, 0L));
            CheckpointState state = want >= 0 && have >= want ? CheckpointState.COMPLETE
                    : checkpoint <= closedThrough ? CheckpointState.CLOSED_SHORT : CheckpointState.WAITING;
            checkpoints.add(new CheckpointRows(checkpoint, want, have, state));
        }
        return checkpoints;
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
