package dev.cadc.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.format.DeadLetter;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.RunEvent;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class SketchValidatorTest {

    private static final long GRACE_MS = 1_000;

    private final OperatorTestData data = new OperatorTestData();

    private static KeyedOneInputStreamOperatorTestHarness<String, KafkaRecord, RunEvent> harness() throws Exception {
        var harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new SketchValidator(GRACE_MS), KafkaRecord::runId, Types.STRING);
        harness.open();
        return harness;
    }

    @Test
    void aCompleteCheckpointClosesAndItsProgressStateIsGone() throws Exception {
        try (var harness = harness()) {
            harness.processElement(data.runStart(InfluenceSource.POOL), 0);
            harness.processElement(data.sketches(OperatorTestData.RUN,
                    OperatorTestData.rows(OperatorTestData.RUN, OperatorTestData.PROJECTION, 0, 5, 3, 1)), 0);
            assertThat(closings(harness)).isEmpty();
            harness.processElement(data.complete(0, 8), 0);

            assertThat(closings(harness)).singleElement().satisfies(closed -> {
                assertThat(closed.checkpoint).isZero();
                assertThat(closed.sourceRows).isEqualTo(5);
                assertThat(closed.shortCheckpoint).isFalse();
            });
            assertThat(harness.extractOutputValues()).filteredOn(e -> e.kind == RunEvent.PROBE_ROW).hasSize(3);
            assertThat(harness.getSideOutput(SketchValidator.SOURCE_ROWS)).hasSize(5);
            // run-start and next-to-close remain; the checkpoint's progress entry is gone.
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
            harness.setProcessingTime(GRACE_MS + 1);
            assertThat(harness.numProcessingTimeTimers()).isZero();
            assertThat(harness.numEventTimeTimers()).as("the end-of-input timer").isEqualTo(1);
        }
    }

    @Test
    void checkpointsCloseInOrderWhateverOrderTheyComplete() throws Exception {
        try (var harness = harness()) {
            harness.processElement(data.runStart(InfluenceSource.POOL), 0);
            harness.processElement(data.sketches(OperatorTestData.RUN,
                    OperatorTestData.rows(OperatorTestData.RUN, OperatorTestData.PROJECTION, 1, 2, 1, 2)), 0);
            harness.processElement(data.complete(1, 3), 0);
            assertThat(closings(harness)).isEmpty();
            harness.processElement(data.sketches(OperatorTestData.RUN,
                    OperatorTestData.rows(OperatorTestData.RUN, OperatorTestData.PROJECTION, 0, 4, 1, 3)), 0);
            harness.processElement(data.complete(0, 5), 0);

            assertThat(closings(harness)).extracting(e -> e.checkpoint).containsExactly(0, 1);
            assertThat(closings(harness)).extracting(e -> e.sourceRows).containsExactly(4L, 2L);
        }
    }

    @Test
    void missingRowsCloseShortWhenTheGracePeriodPasses() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(100);
            harness.processElement(data.runStart(InfluenceSource.POOL), 0);
            harness.processElement(data.sketches(OperatorTestData.RUN,
                    OperatorTestData.rows(OperatorTestData.RUN, OperatorTestData.PROJECTION, 0, 2, 1, 4)), 0);
            harness.processElement(data.complete(0, 10), 0);
            harness.setProcessingTime(100 + GRACE_MS - 1);
            assertThat(closings(harness)).isEmpty();
            harness.setProcessingTime(100 + GRACE_MS);

            assertThat(closings(harness)).singleElement().satisfies(closed -> assertThat(closed.shortCheckpoint).isTrue());
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void theEndOfInputClosesWhateverIsPending() throws Exception {
        try (var harness = harness()) {
            harness.processElement(data.runStart(InfluenceSource.POOL), 0);
            harness.processElement(data.sketches(OperatorTestData.RUN,
                    OperatorTestData.rows(OperatorTestData.RUN, OperatorTestData.PROJECTION, 0, 3, 1, 5)), 0);
            harness.processElement(data.sketches(OperatorTestData.RUN,
                    OperatorTestData.rows(OperatorTestData.RUN, OperatorTestData.PROJECTION, 1, 3, 1, 6)), 0);
            assertThat(closings(harness)).isEmpty();
            harness.processWatermark(Long.MAX_VALUE);

            assertThat(closings(harness)).extracting(e -> e.checkpoint).containsExactly(0, 1);
            assertThat(closings(harness)).allSatisfy(closed -> assertThat(closed.shortCheckpoint).isTrue());
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void withTrainAsSourceAWindowClosesOnlyWhenTheNextCheckpointIsReady() throws Exception {
        try (var harness = harness()) {
            harness.processElement(data.runStart(InfluenceSource.TRAIN), 0);
            harness.processElement(data.sketches(OperatorTestData.RUN,
                    OperatorTestData.rows(OperatorTestData.RUN, OperatorTestData.PROJECTION, 0, 0, 2, 7)), 0);
            harness.processElement(data.complete(0, 2), 0);
            harness.processElement(data.sketches(OperatorTestData.RUN, OperatorTestData.trainRows(0, 6, 8)), 0);
            assertThat(closings(harness)).as("window 0 still open").isEmpty();
            harness.processElement(data.sketches(OperatorTestData.RUN,
                    OperatorTestData.rows(OperatorTestData.RUN, OperatorTestData.PROJECTION, 1, 0, 2, 9)), 0);
            harness.processElement(data.complete(1, 2), 0);

            assertThat(closings(harness)).singleElement().satisfies(closed -> {
                assertThat(closed.checkpoint).isZero();
                assertThat(closed.sourceRows).isEqualTo(6);
            });
            harness.processWatermark(Long.MAX_VALUE);
            assertThat(closings(harness)).extracting(e -> e.checkpoint).containsExactly(0, 1);
        }
    }

    @Test
    void badRecordsBecomeDeadLettersWithReasonAndOffsetAndGoodOnesGoOn() throws Exception {
        try (var harness = harness()) {
            KafkaRecord noRunStart = data.sketches(OperatorTestData.RUN,
                    OperatorTestData.rows(OperatorTestData.RUN, OperatorTestData.PROJECTION, 0, 1, 0, 10));
            harness.processElement(noRunStart, 0);
            harness.processElement(data.runStart(InfluenceSource.POOL), 0);
            KafkaRecord garbage = data.raw(OperatorTestData.RUN, "garbage".getBytes(StandardCharsets.UTF_8),
                    WireFormat.CONTENT_TYPE_ARROW, null);
            harness.processElement(garbage, 0);
            KafkaRecord otherSeed = data.sketches(OperatorTestData.RUN, OperatorTestData.rows(OperatorTestData.RUN,
                    new ProjectionSpec(16, 99L, OperatorTestData.PROJECTION.kind()), 0, 1, 0, 11));
            harness.processElement(otherSeed, 0);
            KafkaRecord otherRun = data.sketches(OperatorTestData.RUN,
                    OperatorTestData.rows("someone-else", OperatorTestData.PROJECTION, 0, 1, 0, 12));
            harness.processElement(otherRun, 0);
            KafkaRecord badJson = data.raw(OperatorTestData.RUN, "{\"run_id\":".getBytes(StandardCharsets.UTF_8),
                    WireFormat.CONTENT_TYPE_JSON, WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE);
            harness.processElement(badJson, 0);
            harness.processElement(data.sketches(OperatorTestData.RUN,
                    OperatorTestData.rows(OperatorTestData.RUN, OperatorTestData.PROJECTION, 0, 2, 1, 13)), 0);
            harness.processElement(data.complete(0, 3), 0);

            Map<Long, ReasonCode> reasons = new LinkedHashMap<>();
            for (StreamRecord<OutputRecord> letter : harness.getSideOutput(SketchValidator.DEAD_LETTERS)) {
                Map<String, byte[]> headers = new LinkedHashMap<>();
                for (int i = 0; i < letter.getValue().headerNames.length; i++) {
                    headers.putIfAbsent(letter.getValue().headerNames[i], letter.getValue().headerValues[i]);
                }
                DeadLetter parsed = DeadLetter.fromHeaders(headers);
                assertThat(parsed.sourceTopic()).isEqualTo(OperatorTestData.TOPIC);
                reasons.put(parsed.sourceOffset(), parsed.reason());
            }
            assertThat(reasons).containsExactly(
                    Map.entry(noRunStart.offset, ReasonCode.NO_RUN_START),
                    Map.entry(garbage.offset, ReasonCode.MALFORMED_IPC),
                    Map.entry(otherSeed.offset, ReasonCode.PROJECTION_MISMATCH),
                    Map.entry(otherRun.offset, ReasonCode.RUN_MISMATCH),
                    Map.entry(badJson.offset, ReasonCode.BAD_CONTROL_RECORD));
            assertThat(closings(harness)).singleElement().satisfies(closed -> assertThat(closed.sourceRows).isEqualTo(2));
        }
    }

    private static List<RunEvent> closings(KeyedOneInputStreamOperatorTestHarness<String, KafkaRecord, RunEvent> harness) {
        return harness.extractOutputValues().stream().filter(e -> e.kind == RunEvent.CHECKPOINT_CLOSED).toList();
    }
}
