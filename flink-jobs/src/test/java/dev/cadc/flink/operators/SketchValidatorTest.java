package dev.cadc.flink.operators;

import static dev.cadc.flink.operators.OperatorTestData.GRACE_MS;
import static dev.cadc.flink.operators.OperatorTestData.PROJECTION;
import static dev.cadc.flink.operators.OperatorTestData.PROJECTION_SEED;
import static dev.cadc.flink.operators.OperatorTestData.RUN;
import static dev.cadc.flink.operators.OperatorTestData.RUN_TTL_MS;
import static dev.cadc.flink.operators.OperatorTestData.SKETCH_DIM;
import static dev.cadc.flink.operators.OperatorTestData.SOURCE_PARTITION;
import static dev.cadc.flink.operators.OperatorTestData.SOURCE_TOPIC;
import static dev.cadc.flink.operators.OperatorTestData.batch;
import static dev.cadc.flink.operators.OperatorTestData.deadLetterOf;
import static dev.cadc.flink.operators.OperatorTestData.keyedState;
import static dev.cadc.flink.operators.OperatorTestData.sideOutput;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.cadc.core.format.DeadLetter;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.run.CheckpointProgress;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.RunEvent;
import dev.cadc.flink.records.Contribution;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SketchValidatorTest {

    private static final MapStateDescriptor<Integer, CheckpointProgress> PROGRESS =
            new MapStateDescriptor<>("checkpoint-progress", Types.INT, Types.POJO(CheckpointProgress.class));

    private KeyedOneInputStreamOperatorTestHarness<String, DecodedRecord, RunEvent> harness;
    private final ValidatorInputs inputs = new ValidatorInputs();

    @BeforeEach
    void openHarness() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new SketchValidator(GRACE_MS, RUN_TTL_MS), OperatorTestData.BY_RUN, Types.STRING);
        harness.setProcessingTime(1_000L);
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    @Test
    void closesACheckpointWhenItsAnnouncedRowsHaveArrived() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        process(records.runStart());
        // 3 probes + 4 pool rows are scan rows; the 2 TRAIN rows are neither counted nor forwarded under POOL.
        process(records.sketches(batch(0, 3, 4, 2)));
        assertThat(closedEvents()).isEmpty();
        process(records.checkpointComplete(0, 7));

        List<RunEvent> events = harness.extractOutputValues();
        assertThat(events).extracting(e -> e.kind()).containsExactly(RunEvent.Kind.RUN_START,
                RunEvent.Kind.PROBE_ROW, RunEvent.Kind.PROBE_ROW, RunEvent.Kind.PROBE_ROW, RunEvent.Kind.CHECKPOINT_CLOSED);
        assertThat(events.get(0).start).satisfies(start -> {
            assertThat(start.sketchDim).isEqualTo(SKETCH_DIM);
            assertThat(start.projectionSeed).isEqualTo(PROJECTION_SEED);
            assertThat(start.influenceSource).isEqualTo(InfluenceSource.POOL);
        });
        assertThat(events.subList(1, 4)).extracting(e -> e.probe.sampleId)
                .containsExactly(OperatorTestData.probeId(0), OperatorTestData.probeId(1), OperatorTestData.probeId(2));
        assertThat(closedEvents()).extracting(e -> e.checkpoint, e -> e.sourceRows, e -> e.shortCheckpoint)
                .containsExactly(tuple(0, 4L, false));
        assertThat(inputs.sourceRows(harness))
                .extracting(r -> r.sampleId, r -> r.checkpoint)
                .containsExactly(tuple(0L, 0), tuple(1L, 0), tuple(2L, 0), tuple(3L, 0));
        assertThat(inputs.sourceRows(harness).get(2).sketch).containsExactly(OperatorTestData.sketch(2, 0));
        // After the verdicts, on the same output (one channel per bucket subtask), checkpoint 0's marker to every bucket.
        List<dev.cadc.flink.records.BucketInput> toBuckets = sideOutput(harness, SketchValidator.SOURCE_ROWS);
        int verdicts = (int) toBuckets.stream().filter(input -> input.verdict != null).count();
        assertThat(toBuckets.subList(0, verdicts)).allSatisfy(input -> assertThat(input.verdict).isNotNull());
        assertThat(toBuckets.subList(verdicts, toBuckets.size())).hasSize(dev.cadc.flink.records.SampleBuckets.COUNT)
                .allSatisfy(input -> assertThat(input.closing).isNotNull())
                .extracting(input -> input.closing.checkpoint, input -> input.closing.runId).containsOnly(tuple(0, RUN));
        assertThat(toBuckets.subList(verdicts, toBuckets.size())).extracting(input -> input.closing.bucket)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, dev.cadc.flink.records.SampleBuckets.COUNT).boxed().toList());
        assertThat(sideOutput(harness, SketchValidator.DEAD_LETTERS)).isEmpty();

        assertThat(progress().isEmpty()).as("progress of closed checkpoint 0").isTrue();
        // Event-time timers: end of input and the run TTL stay for the run's lifetime; the grace timer
        // lingers until it fires.
        assertThat(harness.numEventTimeTimers()).isEqualTo(3);
        assertThat(harness.numProcessingTimeTimers()).isZero();
        harness.processWatermark(GRACE_MS);
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);
        assertThat(closedEvents()).hasSize(1);
        // run-start, next-to-close, the idle deadline and the largest parcel stamp remain; nothing per checkpoint.
        assertThat(harness.numKeyedStateEntries()).isEqualTo(4);
    }

    /**
     * Parcels do not travel on the validator's channels, so the watermark a closing hands on ("every part
     * of this is here once you are past it") covers the stamp of the decoder that sent the accepted
     * records' parcels, which can be ahead of the validator's own (the minimum over every decoder).
     */
    @Test
    void aClosingsWatermarkCoversTheDecodersStampOnTheParcelsItAccepted() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        process(records.runStart());
        harness.processWatermark(100L);
        harness.processElement(RecordDecoder.split(records.sketches(batch(0, 1, 2, 0)), 5_000L).summary(), 0L);
        process(records.checkpointComplete(0, 3));
        assertThat(closedEvents()).singleElement().satisfies(closed -> assertThat(closed.watermark).isEqualTo(5_000L));
    }

    /**
     * A POOL run's TRAIN rows are not counted, so a batch of them is accepted after its checkpoint
     * closed; its verdict must not hold back that checkpoint's fold in the buckets (the reference
     * trainer sends such batches during every warm-up: `cadc train` waited for a version forever).
     */
    @Test
    void aVerdictHoldsBackOnlyTheFoldsOfItsInfluenceContributions() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        process(records.runStart());
        process(records.sketches(batch(0, 1, 2, 0)));
        process(records.checkpointComplete(0, 3));
        assertThat(closedEvents()).hasSize(1);
        process(records.sketches(batch(0, 0, 0, 2)));
        process(records.sketches(batch(1, 0, 2, 1)));

        List<dev.cadc.flink.records.RecordVerdict> verdicts = sideOutput(harness, SketchValidator.SOURCE_ROWS).stream()
                .filter(input -> input.verdict != null).map(input -> input.verdict).toList();
        assertThat(verdicts).allSatisfy(verdict -> assertThat(verdict.isAccepted()).isTrue());
        assertThat(verdicts).extracting(verdict -> verdict.firstCheckpoint)
                .as("checkpoint 0's pool rows, then the late TRAIN rows (none of the source), then checkpoint 1's")
                .containsExactly(0, 0, Integer.MAX_VALUE, Integer.MAX_VALUE, 1, 1);
    }

    @Test
    void closesWhenRowsArriveAfterTheirCheckpointCompleteRecord() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        process(records.runStart());
        process(records.checkpointComplete(0, 5));
        process(records.sketches(batch(0, 2, 2, 0)));
        assertThat(closedEvents()).isEmpty();
        process(records.sketches(batch(0, 0, 1, 0)));

        assertThat(closedEvents()).extracting(e -> e.checkpoint, e -> e.sourceRows, e -> e.shortCheckpoint)
                .containsExactly(tuple(0, 3L, false));
        assertThat(progress().isEmpty()).isTrue();
    }

    @Test
    void recordsBeforeTheirRunStartWaitForItAcrossPartitions() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        KafkaRecord early = records.sketches(batch(0, 1, 1, 0));
        process(early);
        process(records.checkpointComplete(0, 6));
        assertThat(harness.extractOutputValues()).as("nothing before the run-start").isEmpty();
        process(records.runStart());
        process(records.sketches(batch(0, 2, 2, 0)));

        assertThat(sideOutput(harness, SketchValidator.DEAD_LETTERS)).isEmpty();
        assertThat(closedEvents()).extracting(e -> e.checkpoint, e -> e.sourceRows, e -> e.shortCheckpoint)
                .containsExactly(tuple(0, 3L, false));
    }

    /** Many records before the run-start (a replay of a spread run): taken one by one, in arrival order, none kept. */
    @Test
    void recordsWaitingForTheirRunStartGoOnInArrivalOrder() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        int[] arrival = {3, 1, 4, 0, 2};
        for (int checkpoint : arrival) {
            process(records.sketches(batch(checkpoint, 0, 2, 0)));
        }
        assertThat(harness.numKeyedStateEntries()).as("the waiting records (one map) and their arrival counter").isEqualTo(2);
        process(records.runStart());

        assertThat(inputs.sourceRows(harness)).extracting(r -> r.checkpoint).containsExactly(3, 3, 1, 1, 4, 4, 0, 0, 2, 2);
        assertThat(OperatorTestData.keyedState(harness, RUN, KeyedRunStore.AWAITING).isEmpty()).isTrue();
        assertThat(OperatorTestData.keyedState(harness, RUN, KeyedRunStore.NEXT_ARRIVAL).value()).isNull();
        assertThat(sideOutput(harness, SketchValidator.DEAD_LETTERS)).isEmpty();
    }

    @Test
    void sketchesWithoutARunStartWithinTheGracePeriodAreDeadLetteredWithTheirSourceOffset() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        KafkaRecord early = records.sketches(batch(0, 1, 1, 0));
        process(early);
        harness.processWatermark(GRACE_MS - 1);
        assertThat(sideOutput(harness, SketchValidator.DEAD_LETTERS)).isEmpty();
        harness.processWatermark(GRACE_MS);

        List<OutputRecord> deadLetters = sideOutput(harness, SketchValidator.DEAD_LETTERS);
        assertThat(deadLetters).hasSize(1);
        assertDeadLetter(deadLetters.get(0), early, ReasonCode.NO_RUN_START);
        assertThat(harness.numKeyedStateEntries()).as("nothing kept of a run that never started").isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    /**
     * A run spread over partitions: its checkpoint-complete record came first, and rows of the
     * checkpoint are still in a lagging partition. The source's watermark is held back by that
     * partition, so however long the wall clock runs, the checkpoint waits and then closes complete.
     */
    @Test
    void rowsFromALaggingPartitionAfterTheCheckpointCompleteStillCount() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        harness.processElement(inputs.summary(records.runStart()), 100L);
        harness.processElement(inputs.summary(records.sketches(batch(0, 2, 2, 0))), 200L);
        harness.processElement(inputs.summary(records.checkpointComplete(0, 6)), 300L);
        harness.setProcessingTime(1_000L + 100 * GRACE_MS);
        harness.processWatermark(150L);
        assertThat(closedEvents()).isEmpty();
        harness.processElement(inputs.summary(records.sketches(batch(0, 0, 2, 0))), 160L);

        assertThat(closedEvents()).extracting(e -> e.checkpoint, e -> e.sourceRows, e -> e.shortCheckpoint)
                .containsExactly(tuple(0, 4L, false));
        assertThat(sideOutput(harness, SketchValidator.DEAD_LETTERS)).isEmpty();
    }

    @Test
    void runEndReleasesTheRunAfterItsLastCheckpointAndLaterRecordsAreDeadLetters() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        process(records.runStart());
        process(records.sketches(batch(0, 2, 2, 0)));
        process(records.runEnd(1));
        process(records.checkpointComplete(0, 4));
        assertThat(released()).as("checkpoint 1 is still open").isEmpty();
        process(records.sketches(batch(1, 1, 1, 0)));
        process(records.checkpointComplete(1, 2));

        assertThat(closedEvents()).extracting(e -> e.checkpoint).containsExactly(0, 1);
        assertThat(released()).singleElement().satisfies(release -> {
            assertThat(release.lastCheckpoint).isEqualTo(1);
            assertThat(release.expired).isFalse();
        });
        assertThat(harness.numKeyedStateEntries()).as("only the tombstone").isEqualTo(1);

        KafkaRecord late = records.sketches(batch(1, 0, 1, 0));
        process(late);
        assertThat(sideOutput(harness, SketchValidator.DEAD_LETTERS)).singleElement()
                .satisfies(letter -> assertDeadLetter(letter, late, ReasonCode.RUN_ENDED));

        harness.processWatermark(RUN_TTL_MS);
        assertThat(harness.numKeyedStateEntries()).as("the tombstone is forgotten one TTL later").isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aRunIdleLongerThanItsTtlIsReleasedTerminally() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        process(records.runStart());
        process(records.sketches(batch(0, 2, 2, 0)));
        harness.processWatermark(RUN_TTL_MS - 1);
        assertThat(released()).isEmpty();
        harness.processWatermark(RUN_TTL_MS);

        assertThat(released()).singleElement().satisfies(release -> {
            assertThat(release.expired).isTrue();
            assertThat(release.lastCheckpoint).isEqualTo(-1);
        });
        assertThat(closedEvents()).as("an expired run's open checkpoints are dropped, not closed").isEmpty();
        assertThat(harness.numKeyedStateEntries()).as("only the tombstone").isEqualTo(1);
        harness.processWatermark(2 * RUN_TTL_MS);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    private static final List<RunStart.Layer> MLP = List.of(new RunStart.Layer("0", 32, 64), new RunStart.Layer("2", 10, 32));

    static Stream<Arguments> otherLayers() {
        return Stream.of(
                Arguments.of("another shape", List.of(new RunStart.Layer("0", 32, 64), new RunStart.Layer("2", 10, 16))),
                Arguments.of("another name", List.of(new RunStart.Layer("0", 32, 64), new RunStart.Layer("head", 10, 32))),
                Arguments.of("another order", List.of(new RunStart.Layer("2", 10, 32), new RunStart.Layer("0", 32, 64))),
                Arguments.of("a layer less", List.of(new RunStart.Layer("0", 32, 64))),
                Arguments.of("no layer", List.of()));
    }

    /**
     * Two producers of one run (two ranks, a restarted trainer) each publish a run-start: when both name
     * their layers, the lists must be equal, else the second producer sketches another model and its
     * run-start is a LAYER_MISMATCH dead letter. The run itself goes on.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("otherLayers")
    void aRepeatedRunStartNamingOtherLayersIsALayerMismatch(String what, List<RunStart.Layer> other) throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        process(records.runStart(MLP));
        KafkaRecord mismatch = records.runStart(other);
        process(mismatch);
        process(records.runStart(MLP));
        process(records.sketches(batch(0, 2, 2, 0)));
        process(records.checkpointComplete(0, 4));

        assertThat(sideOutput(harness, SketchValidator.DEAD_LETTERS)).singleElement()
                .satisfies(letter -> assertDeadLetter(letter, mismatch, ReasonCode.LAYER_MISMATCH));
        assertThat(deadLetterOf(sideOutput(harness, SketchValidator.DEAD_LETTERS).get(0)).detail())
                .contains("'2' [10, 32]");
        List<RunEvent> starts = harness.extractOutputValues().stream().filter(e -> e.kind() == RunEvent.Kind.RUN_START).toList();
        assertThat(starts).as("one run-start event; equal repeats are accepted silently").singleElement()
                .satisfies(start -> assertThat(start.layers()).isEqualTo(MLP));
        assertThat(closedEvents()).extracting(e -> e.checkpoint, e -> e.shortCheckpoint).containsExactly(tuple(0, false));
    }

    /**
     * The rule when only some run-starts name their layers: a run-start without them matches any list,
     * and the first list given (even after a run-start without one) becomes the run's; it survives a
     * restore of the validator's state (the layer arrays are POJO fields, no Kryo).
     */
    @Test
    void aRunStartWithoutLayersMatchesAnyAndTheFirstListGivenBecomesTheRuns() throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, DecodedRecord, RunEvent> before =
                OperatorTestData.keyedHarness(new SketchValidator(GRACE_MS, RUN_TTL_MS), OperatorTestData.BY_RUN, null);
        OperatorTestData.Records records = OperatorTestData.records();
        before.processElement(inputs.summary(records.runStart()), 0L);
        before.processElement(inputs.summary(records.runStart(MLP)), 0L);
        before.processElement(inputs.summary(records.runStart()), 0L);
        before.processElement(inputs.summary(records.runStart(MLP)), 0L);
        assertThat(sideOutput(before, SketchValidator.DEAD_LETTERS)).isEmpty();
        assertThat(before.extractOutputValues()).singleElement().satisfies(start -> {
            assertThat(start.kind()).isEqualTo(RunEvent.Kind.RUN_START);
            assertThat(start.hasLayers()).as("the first run-start gave none").isFalse();
        });
        OperatorSubtaskState snapshot = before.snapshot(1L, 1_000L);
        before.close();

        try (KeyedOneInputStreamOperatorTestHarness<String, DecodedRecord, RunEvent> after =
                OperatorTestData.keyedHarness(new SketchValidator(GRACE_MS, RUN_TTL_MS), OperatorTestData.BY_RUN, snapshot)) {
            KafkaRecord mismatch = records.runStart(List.of(new RunStart.Layer("0", 32, 64)));
            after.processElement(inputs.summary(mismatch), 0L);
            after.processElement(inputs.summary(records.runStart()), 0L);
            after.processElement(inputs.summary(records.runStart(MLP)), 0L);

            assertThat(sideOutput(after, SketchValidator.DEAD_LETTERS)).singleElement()
                    .satisfies(letter -> assertDeadLetter(letter, mismatch, ReasonCode.LAYER_MISMATCH));
            assertThat(after.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void runEventIsAPojoWithoutGenericFields() {
        PojoTypeInfo<RunEvent> info = (PojoTypeInfo<RunEvent>) Types.POJO(RunEvent.class);
        for (int i = 0; i < info.getArity(); i++) {
            var field = info.getPojoFieldAt(i);
            assertThat(field.getTypeInformation()).as(field.getField().getName()).isNotInstanceOf(GenericTypeInfo.class);
            if (field.getTypeInformation() instanceof PojoTypeInfo<?> part) {
                // Each typed part (start, probe, closed, released) is a POJO of its own, without generic fields.
                for (int j = 0; j < part.getArity(); j++) {
                    assertThat(part.getPojoFieldAt(j).getTypeInformation()).as(field.getField().getName() + "."
                            + part.getPojoFieldAt(j).getField().getName()).isNotInstanceOf(GenericTypeInfo.class);
                }
            }
        }
        PojoTypeInfo<?> start = (PojoTypeInfo<?>) info.getTypeAt(info.getFieldIndex("start"));
        assertThat(start.getFieldIndex("layerNames")).isNotNegative();
        assertThat(info.getTypeAt(info.getFieldIndex("probe"))).isInstanceOf(PojoTypeInfo.class);
        assertThat(info.getTypeAt(info.getFieldIndex("closed"))).isInstanceOf(PojoTypeInfo.class);
        assertThat(info.getTypeAt(info.getFieldIndex("released"))).isInstanceOf(PojoTypeInfo.class);
    }

    static Stream<Arguments> invalidRecords() {
        return Stream.of(
                Arguments.of(ReasonCode.MALFORMED_IPC, (Function<OperatorTestData.Records, KafkaRecord>)
                        r -> r.sketchValue("not an arrow stream".getBytes(StandardCharsets.UTF_8))),
                Arguments.of(ReasonCode.PROJECTION_MISMATCH, (Function<OperatorTestData.Records, KafkaRecord>)
                        r -> r.sketches(batch(RUN, new ProjectionSpec(SKETCH_DIM, PROJECTION_SEED + 1, ProjectionKind.KRONECKER), 0, 1, 1, 0))),
                Arguments.of(ReasonCode.RUN_MISMATCH, (Function<OperatorTestData.Records, KafkaRecord>)
                        r -> r.sketches(batch("another-run", PROJECTION, 0, 1, 1, 0))),
                Arguments.of(ReasonCode.BAD_CONTROL_RECORD, (Function<OperatorTestData.Records, KafkaRecord>)
                        r -> r.control(WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE, "{\"run_id\": ".getBytes(StandardCharsets.UTF_8))),
                Arguments.of(ReasonCode.BAD_CONTROL_RECORD, (Function<OperatorTestData.Records, KafkaRecord>)
                        r -> r.control(WireFormat.RECORD_TYPE_RUN_START, "{\"run_id\": \"run-harness\"}".getBytes(StandardCharsets.UTF_8))),
                Arguments.of(ReasonCode.UNSUPPORTED_VERSION, (Function<OperatorTestData.Records, KafkaRecord>)
                        r -> r.raw(new byte[] {1}, WireFormat.HEADER_SCHEMA_VERSION, "9",
                                WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_ARROW)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRecords")
    void anInvalidRecordIsDeadLetteredAndTheRecordsAroundItAreProcessed(ReasonCode reason,
            Function<OperatorTestData.Records, KafkaRecord> invalid) throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        process(records.runStart());
        process(records.sketches(batch(0, 2, 0, 0)));
        KafkaRecord bad = invalid.apply(records);
        process(bad);
        process(records.sketches(batch(0, 0, 3, 0)));
        process(records.checkpointComplete(0, 5));

        List<OutputRecord> deadLetters = sideOutput(harness, SketchValidator.DEAD_LETTERS);
        assertThat(deadLetters).hasSize(1);
        assertDeadLetter(deadLetters.get(0), bad, reason);
        assertThat(harness.extractOutputValues()).filteredOn(e -> e.kind() == RunEvent.Kind.PROBE_ROW).hasSize(2);
        assertThat(closedEvents()).extracting(e -> e.checkpoint, e -> e.sourceRows, e -> e.shortCheckpoint)
                .containsExactly(tuple(0, 3L, false));
        assertThat(inputs.sourceRows(harness)).hasSize(3);
    }

    @Test
    void aCheckpointCompleteEarlyWaitsForTheCheckpointsBeforeIt() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        process(records.runStart());
        process(records.sketches(batch(0, 2, 2, 0)));
        process(records.sketches(batch(1, 2, 3, 0)));
        process(records.checkpointComplete(1, 5));
        assertThat(closedEvents()).as("checkpoint 1 is ready but 0 is not announced").isEmpty();

        process(records.checkpointComplete(0, 4));
        assertThat(closedEvents()).extracting(e -> e.checkpoint, e -> e.sourceRows, e -> e.shortCheckpoint)
                .containsExactly(tuple(0, 2L, false), tuple(1, 3L, false));
        assertThat(progress().isEmpty()).isTrue();
    }

    @Test
    void aCheckpointMissingRowsClosesShortWhenTheGracePeriodPasses() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        process(records.runStart());
        process(records.sketches(batch(0, 2, 1, 0)));
        process(records.checkpointComplete(0, 5));

        harness.setProcessingTime(1_000L + 100 * GRACE_MS);
        harness.processWatermark(GRACE_MS - 1);
        assertThat(closedEvents()).as("the wall clock alone closes nothing").isEmpty();
        harness.processWatermark(GRACE_MS);
        assertThat(closedEvents()).extracting(e -> e.checkpoint, e -> e.sourceRows, e -> e.shortCheckpoint)
                .containsExactly(tuple(0, 1L, true));
        assertThat(progress().isEmpty()).isTrue();

        // A row of the closed checkpoint can no longer count: it is dead-lettered, not silently added.
        KafkaRecord late = records.sketches(batch(0, 0, 1, 0));
        process(late);
        assertThat(sideOutput(harness, SketchValidator.DEAD_LETTERS)).singleElement()
                .satisfies(letter -> assertDeadLetter(letter, late, ReasonCode.INVALID_VALUE));
        assertThat(closedEvents()).hasSize(1);
    }

    @Test
    void theEndOfInputClosesEveryPendingCheckpoint() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        process(records.runStart());
        process(records.sketches(batch(0, 2, 2, 0)));
        process(records.checkpointComplete(0, 9));
        process(records.sketches(batch(1, 2, 1, 0)));
        assertThat(closedEvents()).isEmpty();

        harness.processWatermark(Long.MAX_VALUE);
        assertThat(closedEvents()).extracting(e -> e.checkpoint, e -> e.sourceRows, e -> e.shortCheckpoint)
                .containsExactly(tuple(0, 2L, true), tuple(1, 1L, true));
        assertThat(released()).as("the end of input is not a TTL expiry").isEmpty();
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(progress().isEmpty()).isTrue();
    }

    @Test
    void withTrainSourceACheckpointClosesOnlyWhenTheNextIsReadyOrInputEnds() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records(InfluenceSource.TRAIN);
        process(records.runStart());
        process(records.sketches(batch(0, 2, 1, 0)));
        process(records.checkpointComplete(0, 3));
        // TRAIN rows of window 0 (steps after checkpoint 0), and one before the first checkpoint.
        process(records.sketches(batch(0, 0, 0, 4)));
        process(records.sketches(OperatorTestData.batch(-1, 0, 0, 1)));
        assertThat(closedEvents()).as("window 0 is open until checkpoint 1 is ready").isEmpty();

        process(records.sketches(batch(1, 2, 0, 0)));
        process(records.checkpointComplete(1, 2));
        assertThat(closedEvents()).extracting(e -> e.checkpoint, e -> e.sourceRows, e -> e.shortCheckpoint)
                .containsExactly(tuple(0, 4L, false));
        assertThat(inputs.sourceRows(harness)).extracting(r -> r.checkpoint)
                .as("TRAIN rows of checkpoint 0 only; the pool row and the row before checkpoint 0 feed nothing")
                .containsExactly(0, 0, 0, 0);

        harness.processWatermark(Long.MAX_VALUE);
        assertThat(closedEvents()).extracting(e -> e.checkpoint, e -> e.sourceRows, e -> e.shortCheckpoint)
                .containsExactly(tuple(0, 4L, false), tuple(1, 0L, false));
        assertThat(progress().isEmpty()).isTrue();
    }

    /**
     * A checkpoint-complete record repeated after its checkpoint closed (a producer retry, a replayed
     * trainer) must not bring the checkpoint's progress back: nothing would ever remove it again.
     */
    @Test
    void aRepeatedCheckpointCompleteAfterCloseLeavesNoProgressBehind() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        process(records.runStart());
        process(records.sketches(batch(0, 1, 1, 0)));
        process(records.checkpointComplete(0, 2));
        assertThat(closedEvents()).hasSize(1);

        KafkaRecord repeated = records.checkpointComplete(0, 2);
        process(repeated);
        harness.processWatermark(2 * GRACE_MS);

        assertThat(closedEvents()).hasSize(1);
        assertThat(progress().keys()).as("progress of already closed checkpoints").isEmpty();
        assertThat(sideOutput(harness, SketchValidator.DEAD_LETTERS)).singleElement()
                .satisfies(letter -> assertDeadLetter(letter, repeated, ReasonCode.INVALID_VALUE));
    }

    @Test
    void aPendingCheckpointAndItsGraceTimerSurviveARestore() throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, DecodedRecord, RunEvent> before =
                OperatorTestData.keyedHarness(new SketchValidator(GRACE_MS, RUN_TTL_MS), OperatorTestData.BY_RUN, null);
        before.setProcessingTime(1_000L);
        OperatorTestData.Records records = OperatorTestData.records();
        before.processElement(inputs.summary(records.runStart()), 0L);
        before.processElement(inputs.summary(records.sketches(batch(0, 2, 1, 0))), 0L);
        before.processElement(inputs.summary(records.checkpointComplete(0, 5)), 0L);
        before.processElement(inputs.summary(records.sketches(batch(1, 1, 1, 0))), 0L);
        OperatorSubtaskState snapshot = before.snapshot(1L, 1_000L);
        before.close();

        try (KeyedOneInputStreamOperatorTestHarness<String, DecodedRecord, RunEvent> after =
                OperatorTestData.keyedHarness(new SketchValidator(GRACE_MS, RUN_TTL_MS), OperatorTestData.BY_RUN, snapshot)) {
            after.processElement(inputs.summary(records.sketches(batch(0, 0, 1, 0))), 0L);
            after.processElement(inputs.summary(records.checkpointComplete(1, 2)), 0L);
            assertThat(after.extractOutputValues()).isEmpty();
            after.processWatermark(GRACE_MS);
            assertThat(after.extractOutputValues()).extracting(e -> e.closed.checkpoint, e -> e.closed.sourceRows, e -> e.closed.shortCheckpoint)
                    .containsExactly(tuple(0, 2L, true), tuple(1, 1L, false));
            assertThat(sideOutput(after, SketchValidator.DEAD_LETTERS)).isEmpty();
        }
    }

    private void process(KafkaRecord record) throws Exception {
        harness.processElement(inputs.summary(record), 0L);
    }

    private List<RunEvent.Closed> closedEvents() {
        return harness.extractOutputValues().stream().filter(e -> e.kind() == RunEvent.Kind.CHECKPOINT_CLOSED).map(e -> e.closed).toList();
    }

    private List<RunEvent.Released> released() {
        return harness.extractOutputValues().stream().filter(e -> e.kind() == RunEvent.Kind.RUN_RELEASED).map(e -> e.released).toList();
    }

    private MapState<Integer, CheckpointProgress> progress() throws Exception {
        return keyedState(harness, RUN, PROGRESS);
    }

    private static void assertDeadLetter(OutputRecord letter, KafkaRecord source, ReasonCode reason) {
        DeadLetter deadLetter = deadLetterOf(letter);
        assertThat(deadLetter.reason()).isEqualTo(reason);
        assertThat(deadLetter.sourceTopic()).isEqualTo(SOURCE_TOPIC);
        assertThat(deadLetter.sourcePartition()).isEqualTo(SOURCE_PARTITION);
        assertThat(deadLetter.sourceOffset()).isEqualTo(source.offset);
        assertThat(deadLetter.detail()).isNotBlank();
        assertThat(letter.topic).isEqualTo(WireFormat.TOPIC_DEAD_LETTER);
        assertThat(letter.key).isEqualTo(source.key);
        assertThat(letter.value).isEqualTo(source.value);
        // The original headers follow the cadc-dlq-* ones, unchanged.
        assertThat(letter.headerNames).endsWith(source.headerNames);
        assertThat(letter.headerNames[0]).isEqualTo(DeadLetter.HEADER_REASON);
    }

}
