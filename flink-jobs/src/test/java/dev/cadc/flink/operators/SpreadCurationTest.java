package dev.cadc.flink.operators;

import static dev.cadc.flink.operators.OperatorTestData.CHECKPOINT_ZERO_CLOSED_AT;
import static dev.cadc.flink.operators.OperatorTestData.RUN;
import static dev.cadc.flink.operators.OperatorTestData.batchesOfCheckpointZero;
import static dev.cadc.flink.operators.OperatorTestData.plantedCheckpointZero;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.curriculum.SketchSource;
import dev.cadc.core.format.CapabilitiesCodec;
import dev.cadc.core.format.CapabilitySet;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.synth.PlantedConfig;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.records.BucketInput;
import dev.cadc.flink.records.CandidateBatch;
import dev.cadc.flink.records.CapabilityChoice;
import dev.cadc.flink.records.CheckpointClosing;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.ProbeModel;
import dev.cadc.flink.records.SampleBuckets;
import dev.cadc.flink.records.Contribution;
import dev.cadc.flink.records.RecordVerdict;
import dev.cadc.flink.records.RowParcel;
import dev.cadc.flink.records.SketchColumns;
import dev.cadc.core.format.Role;
import dev.cadc.flink.records.VersionPart;
import dev.cadc.flink.records.VersionPlan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The three operators that spread a run (SampleInfluence by run and bucket, CapabilitySelector by run
 * and capability, VersionAssembler by run), chained by hand in harnesses: a version appears as soon as
 * every bucket has the checkpoint's closing marker, its plan and its probe model, in any order and
 * without waiting for event time; it equals the batch reference, survives a restore, and leaves no
 * state behind a run-end or a TTL release.
 */
class SpreadCurationTest {

    private static final int K = 16;
    private static final JobConfig CONFIG = JobConfig.of(Map.of("budget", "0.2", "k-min", "2", "k-max", "6", "stages", "2"));

    /** The three operators of one job, wired by hand. */
    private static final class Pipeline implements AutoCloseable {
        final KeyedBroadcastOperatorTestHarness<String, BucketInput, ProbeModel, CandidateBatch> buckets;
        final KeyedOneInputStreamOperatorTestHarness<String, CandidateBatch, CapabilityChoice> selectors;
        final KeyedTwoInputStreamOperatorTestHarness<String, VersionPlan, VersionPart, OutputRecord> assembler;
        /** Every choice the selectors sent. */
        final List<CapabilityChoice> choices = new ArrayList<>();

        Pipeline(JobConfig config, OperatorSubtaskState bucketState) throws Exception {
            buckets = new KeyedBroadcastOperatorTestHarness<>(
                    new CoBroadcastWithKeyedOperator<>(new SampleInfluence(config), List.of(SampleInfluence.MODELS)),
                    BucketInput::key, Types.STRING, 1, 1, 0);
            OperatorTestData.withoutGenericTypes(buckets);
            if (bucketState == null) {
                buckets.initializeEmptyState();
            } else {
                buckets.initializeState(bucketState);
            }
            buckets.open();
            selectors = OperatorTestData.keyedHarness(new CapabilitySelector(config), CandidateBatch::capabilityKey, null);
            assembler = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new VersionAssembler(config)),
                    plan -> plan.runId, part -> part.runId, Types.STRING);
            OperatorTestData.withoutGenericTypes(assembler);
            assembler.open();
        }

        void plan(VersionPlan plan) throws Exception {
            for (int bucket = 0; bucket < SampleBuckets.COUNT; bucket++) {
                buckets.processElement(BucketInput.of(plan.forBucket(bucket)), 0L);
            }
            assembler.processElement1(plan, 0L);
        }

        private int records;

        /**
         * {@code row} as the job delivers it: a parcel of one row from the decoder and the validator's
         * verdict accepting its record, the verdict first for every other row (they meet in either order).
         */
        void row(Contribution row) throws Exception {
            RowParcel parcel = parcelOf(row, "row@" + records++);
            RecordVerdict verdict = RecordVerdict.accepted(row.runId, parcel.bucket, parcel.recordKey, Role.POOL, row.checkpoint);
            if (records % 2 == 0) {
                buckets.processElement(BucketInput.of(verdict), 0L);
                buckets.processElement(BucketInput.of(parcel), 0L);
            } else {
                buckets.processElement(BucketInput.of(parcel), 0L);
                buckets.processElement(BucketInput.of(verdict), 0L);
            }
        }

        /** Checkpoint 0's probe model, its plan and every row, in that order (no closing markers yet). */
        void modelPlanAndRows(OperatorTestData.PlantedCheckpoint zero) throws Exception {
            buckets.processBroadcastElement(zero.model(), 0L);
            plan(zero.clustering());
            for (Contribution row : zero.rows()) {
                row(row);
            }
        }

        /** The validator's closing markers of {@code checkpoint} to every bucket of the run, except {@code skipped}. */
        void closed(int checkpoint, int... skipped) throws Exception {
            for (int bucket = 0; bucket < SampleBuckets.COUNT; bucket++) {
                int current = bucket;
                if (java.util.Arrays.stream(skipped).noneMatch(b -> b == current)) {
                    buckets.processElement(BucketInput.of(new CheckpointClosing(RUN, checkpoint, bucket)), 0L);
                }
            }
        }

        /** Passes each operator's output so far downstream (no watermark). */
        void flush() throws Exception {
            List<CandidateBatch> batches = buckets.extractOutputValues();
            buckets.getOutput().clear();
            for (CandidateBatch batch : batches) {
                selectors.processElement(batch, 0L);
            }
            for (var summary : OperatorTestData.sideOutput(buckets, SampleInfluence.SUMMARIES)) {
                assembler.processElement2(VersionPart.of(summary), 0L);
            }
            if (buckets.getSideOutput(SampleInfluence.SUMMARIES) != null) {
                buckets.getSideOutput(SampleInfluence.SUMMARIES).clear();
            }
            List<CapabilityChoice> choices = selectors.extractOutputValues();
            selectors.getOutput().clear();
            for (CapabilityChoice choice : choices) {
                assembler.processElement2(VersionPart.of(choice), 0L);
            }
            this.choices.addAll(choices);
        }

        /** Advances every operator's watermark to {@code watermark}, passing each one's output downstream. */
        void watermark(long watermark) throws Exception {
            buckets.watermark(watermark);
            flush();
            selectors.processWatermark(watermark);
            flush();
            assembler.processBothWatermarks(new org.apache.flink.streaming.api.watermark.Watermark(watermark));
        }

        @Override
        public void close() throws Exception {
            buckets.close();
            selectors.close();
            assembler.close();
        }
    }

    private Pipeline pipeline;

    @AfterEach
    void close() throws Exception {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private static OperatorTestData.PlantedCheckpoint checkpointZero(int poolPerCapability) {
        PlantedSketches.PlantedSet planted = PlantedSketches.generate(
                PlantedConfig.of(RUN, 21, 3, K).withPool(poolPerCapability, 4).withCheckpoints(1));
        return plantedCheckpointZero(planted, CONFIG.curatorConfig().clustering());
    }

    @Test
    void aVersionAppearsOnceEveryBucketHasItsClosingMarkerWithoutWaitingForEventTimeAndEqualsTheBatchReference() throws Exception {
        PlantedSketches.PlantedSet planted = PlantedSketches.generate(PlantedConfig.of(RUN, 21, 5, K).withPool(12, 4).withCheckpoints(1));
        OperatorTestData.PlantedCheckpoint zero = plantedCheckpointZero(planted, CONFIG.curatorConfig().clustering());
        pipeline = new Pipeline(CONFIG, null);
        List<Contribution> rows = new ArrayList<>(zero.rows());
        Collections.shuffle(rows, new Random(5));
        // Some rows arrive before their probe model, the plan overtakes others.
        for (Contribution row : rows.subList(0, rows.size() / 3)) {
            pipeline.row(row);
        }
        pipeline.buckets.processBroadcastElement(zero.model(), 0L);
        pipeline.plan(zero.clustering());
        for (Contribution row : rows.subList(rows.size() / 3, rows.size())) {
            pipeline.row(row);
        }
        pipeline.flush();
        assertThat(pipeline.assembler.extractOutputValues()).as("before the closing markers rows may still come").isEmpty();

        // One bucket's marker is still on its way: that bucket cannot answer, so the version waits.
        int lastBucket = SampleBuckets.bucketOf(rows.get(0).sampleId);
        pipeline.closed(0, lastBucket);
        pipeline.flush();
        assertThat(pipeline.assembler.extractOutputValues()).as("a bucket has not answered").isEmpty();
        assertThat(pipeline.choices).as("no selector decides before every bucket answered").isEmpty();

        // Its marker: the version is out at once (no operator here has seen a watermark).
        pipeline.buckets.processElement(BucketInput.of(new CheckpointClosing(RUN, 0, lastBucket)), 0L);
        pipeline.flush();
        List<OutputRecord> records = pipeline.assembler.extractOutputValues();
        assertThat(records).extracting(r -> r.topic)
                .containsExactlyInAnyOrder(WireFormat.TOPIC_CURRICULUM, WireFormat.TOPIC_CAPABILITIES);
        Curriculum curriculum = CurriculumCodec.decode(valueOf(records, WireFormat.TOPIC_CURRICULUM), RUN);
        CapabilitySet capabilities = CapabilitiesCodec.decode(valueOf(records, WireFormat.TOPIC_CAPABILITIES), RUN);
        assertThat(curriculum.poolSize()).isEqualTo(planted.pool().size());
        assertThat(curriculum.entries()).isNotEmpty();

        CurationResult batch = new Curator(CONFIG.curatorConfig())
                .curate(SketchSource.of(batchesOfCheckpointZero(planted)), RUN, K, InfluenceSource.POOL);
        assertThat(curriculum).isEqualTo(CurriculumJson.toCurriculum(batch));
        assertThat(capabilities).isEqualTo(CurriculumJson.toCapabilities(batch));

        // Each selector orders its capability only up to twice its limit, and the limits add up to at most B:
        // the selectors together order at most 2 B picks, not up to B each.
        long budget = CONFIG.curatorConfig().budget().resolve(curriculum.poolSize());
        assertThat(pipeline.choices).hasSizeGreaterThan(2);
        assertThat(pipeline.choices.stream().mapToLong(choice -> choice.picks.length).sum()).isLessThanOrEqualTo(2 * budget);
        assertThat(pipeline.selectors.numKeyedStateEntries()).as("selectors hold candidates only until their version is decided").isZero();
        assertThat(pipeline.assembler.numKeyedStateEntries()).as("the assembler holds nothing between versions").isZero();
    }

    @Test
    void betweenVersionsOnlyTheBucketsHoldStateAndEachBucketHoldsItsShareOfThePool() throws Exception {
        long[] largestBucket = new long[2];
        int[] poolSizes = new int[2];
        int[] poolPerCapability = {20, 80};
        for (int n = 0; n < 2; n++) {
            OperatorTestData.PlantedCheckpoint zero = checkpointZero(poolPerCapability[n]);
            try (Pipeline run = new Pipeline(CONFIG, null)) {
                run.buckets.processBroadcastElement(zero.model(), 0L);
                run.plan(zero.clustering());
                zero.rows().forEach(row -> {
                    try {
                        run.row(row);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                run.closed(0);
                run.flush();
                assertThat(run.assembler.extractOutputValues()).hasSize(2);
                assertThat(run.selectors.numKeyedStateEntries()).isZero();
                assertThat(run.assembler.numKeyedStateEntries()).isZero();
                poolSizes[n] = (int) zero.rows().stream().mapToLong(r -> r.sampleId).distinct().count();
                Map<Integer, Long> perBucket = new java.util.HashMap<>();
                zero.rows().stream().mapToLong(r -> r.sampleId).distinct()
                        .forEach(id -> perBucket.merge(SampleBuckets.bucketOf(id), 1L, Long::sum));
                long held = 0;
                for (int bucket : perBucket.keySet()) {
                    long size = 0;
                    for (Long ignored : OperatorTestData.keyedState(run.buckets, SampleBuckets.key(RUN, bucket),
                            SampleBucket.SAMPLES).keys()) {
                        size++;
                    }
                    assertThat(size).isEqualTo(perBucket.get(bucket));
                    largestBucket[n] = Math.max(largestBucket[n], size);
                    held += size;
                }
                assertThat(held).as("every sample is held once, in its bucket").isEqualTo(poolSizes[n]);
                // Per occupied bucket: its sample map and its probe order; nothing else between versions.
                assertThat(OperatorTestData.keyedStateEntries(run.buckets)).isEqualTo(2 * perBucket.size());
            }
        }
        assertThat(poolSizes[1]).isGreaterThan(3 * poolSizes[0]);
        assertThat(largestBucket[1]).as("a key holds one bucket's samples, not the run's")
                .isLessThanOrEqualTo((poolSizes[1] + SampleBuckets.COUNT - 1) / SampleBuckets.COUNT + 1);
    }

    @Test
    void aRunEndReleasesEveryOperatorsStateOnceTheLastVersionIsOut() throws Exception {
        OperatorTestData.PlantedCheckpoint zero = checkpointZero(12);
        pipeline = new Pipeline(CONFIG, null);
        pipeline.modelPlanAndRows(zero);
        pipeline.plan(release(0, false));
        assertThat(OperatorTestData.keyedStateEntries(pipeline.buckets)).as("held until version 0 is out").isPositive();

        pipeline.closed(0);
        pipeline.flush();
        assertThat(pipeline.assembler.extractOutputValues()).hasSize(2);
        assertThat(OperatorTestData.keyedStateEntries(pipeline.buckets)).isZero();
        assertThat(pipeline.selectors.numKeyedStateEntries()).isZero();
        assertThat(pipeline.assembler.numKeyedStateEntries()).isZero();
    }

    @Test
    void aTtlReleaseDropsEverythingAtOnceAndPartsStillInFlight() throws Exception {
        OperatorTestData.PlantedCheckpoint zero = checkpointZero(12);
        pipeline = new Pipeline(CONFIG, null);
        pipeline.buckets.processBroadcastElement(zero.model(), 0L);
        for (Contribution row : zero.rows()) {
            pipeline.row(row);
        }
        ProbeModel notice = ProbeModel.releaseOf(RUN, 500L);
        pipeline.plan(release(-1, true));
        // Markers of a checkpoint closed just before the release may come after the release copy or after the notice.
        pipeline.closed(0);
        pipeline.buckets.processBroadcastElement(notice, 0L);
        pipeline.row(zero.rows().get(0));
        pipeline.closed(0);
        assertThat(OperatorTestData.keyedStateEntries(pipeline.buckets)).isZero();
        assertThat(pipeline.assembler.numKeyedStateEntries()).as("only the tombstone").isEqualTo(1);

        pipeline.watermark(501L);
        assertThat(pipeline.assembler.numKeyedStateEntries()).isZero();
        assertThat(pipeline.assembler.extractOutputValues()).isEmpty();
    }

    /**
     * Rows travel from the decoders straight to their buckets, the verdict on their record from the
     * validator, before the closing marker. A bucket with the marker must still wait for the parcel of
     * every record accepted before it, which may be slower on its own channel.
     */
    @Test
    void aVersionWaitsForTheParcelOfEveryRecordAcceptedBeforeItsMarker() throws Exception {
        OperatorTestData.PlantedCheckpoint zero = checkpointZero(12);
        List<OutputRecord> uninterrupted = versionZeroInOneGo(zero);
        pipeline = new Pipeline(CONFIG, null);
        pipeline.buckets.processBroadcastElement(zero.model(), 0L);
        pipeline.plan(zero.clustering());
        Contribution late = zero.rows().get(0);
        zero.rows().subList(1, zero.rows().size()).forEach(this::row);
        RowParcel parcel = parcelOf(late, "late@0");
        pipeline.buckets.processElement(BucketInput.of(RecordVerdict.accepted(RUN, parcel.bucket, parcel.recordKey, Role.POOL, 0)), 0L);
        pipeline.closed(0);
        pipeline.flush();
        assertThat(pipeline.assembler.extractOutputValues()).as("an accepted record's parcel is not in yet").isEmpty();

        pipeline.buckets.processElement(BucketInput.of(parcel), 0L);
        pipeline.flush();
        assertVersionZero(pipeline, uninterrupted);
    }

    /**
     * A refused record's rows never count, whichever of its parcel and its refusal comes first (rows that
     * came first wait with the others, marked by their record, until the refusal takes them). Unmet
     * halves outlive the run's release, and nothing is left once they meet.
     */
    @Test
    void aRefusedRecordsRowsAreDroppedWhicheverComesFirstEvenAfterTheRelease() throws Exception {
        OperatorTestData.PlantedCheckpoint zero = checkpointZero(12);
        List<OutputRecord> uninterrupted = versionZeroInOneGo(zero);
        Contribution first = zero.rows().get(0);
        Contribution second = zero.rows().stream().filter(row -> SampleBuckets.bucketOf(row.sampleId) != SampleBuckets.bucketOf(first.sampleId))
                .findFirst().orElseThrow();
        RowParcel early = parcelOf(first, "refused@7");
        RowParcel late = parcelOf(second, "refused@7");

        pipeline = new Pipeline(CONFIG, null);
        pipeline.modelPlanAndRows(zero);
        pipeline.buckets.processElement(BucketInput.of(early), 0L);
        pipeline.buckets.processElement(BucketInput.of(RecordVerdict.refused(RUN, late.bucket, late.recordKey)), 0L);
        pipeline.buckets.processElement(BucketInput.of(RecordVerdict.refused(RUN, early.bucket, early.recordKey)), 0L);
        pipeline.plan(release(0, false));
        pipeline.closed(0);
        pipeline.flush();

        assertVersionZero(pipeline, uninterrupted);
        assertThat(OperatorTestData.keyedStateEntries(pipeline.buckets)).as("the released run's refusal still waits for its parcel")
                .isEqualTo(1);

        pipeline.buckets.processElement(BucketInput.of(late), 0L);
        assertThat(OperatorTestData.keyedStateEntries(pipeline.buckets)).isZero();
    }

    /**
     * Rows whose verdict has not come wait with the others; at the fold a row counts only if its record
     * is judged (an unjudged one of a closed checkpoint can only be refused) and its role is the run's
     * influence source (the TRAIN rows of a POOL run are dropped there). Both rows here would win their
     * sample's fold (an earlier step than its own row) and change its influence (another learning rate)
     * if they counted.
     */
    @Test
    void aFoldCountsOnlyJudgedRowsOfTheInfluenceSource() throws Exception {
        OperatorTestData.PlantedCheckpoint zero = checkpointZero(12);
        List<OutputRecord> uninterrupted = versionZeroInOneGo(zero);
        Contribution row = zero.rows().get(0);
        RowParcel unjudged = parcelOf(new Contribution(RUN, row.sampleId, 0, row.step - 1, 3 * row.learningRate, row.sketch), "unjudged@1");
        RowParcel train = parcelOf(new Contribution(RUN, row.sampleId, 0, row.step - 2, 5 * row.learningRate, row.sketch), "train@2");
        train.rows.roles[0] = Role.TRAIN.code();

        pipeline = new Pipeline(CONFIG, null);
        pipeline.buckets.processElement(BucketInput.of(unjudged), 0L);
        pipeline.buckets.processElement(BucketInput.of(train), 0L);
        pipeline.buckets.processElement(BucketInput.of(RecordVerdict.accepted(RUN, train.bucket, train.recordKey, Role.POOL, 0)), 0L);
        pipeline.modelPlanAndRows(zero);
        pipeline.closed(0);
        pipeline.flush();

        assertVersionZero(pipeline, uninterrupted);
        pipeline.buckets.processElement(BucketInput.of(RecordVerdict.refused(RUN, unjudged.bucket, unjudged.recordKey)), 0L);
        pipeline.plan(release(0, false));
        assertThat(OperatorTestData.keyedStateEntries(pipeline.buckets)).isZero();
    }

    /**
     * Waiting rows are kept in lists by checkpoint modulo {@link SampleInfluence#ROW_SLOTS}; rows of a
     * checkpoint that shares its list with the one being folded (here 0 and 4, both open) stay for
     * their own fold, and the version is the one made without them.
     */
    @Test
    void rowsOfALaterCheckpointSharingTheFoldsListWaitForTheirOwnFold() throws Exception {
        OperatorTestData.PlantedCheckpoint zero = checkpointZero(12);
        List<OutputRecord> alone = versionZeroInOneGo(zero);

        int later = SampleBucket.ROW_SLOTS;
        List<Contribution> laterRows = zero.rows().stream()
                .map(row -> new Contribution(row.runId, row.sampleId, later, row.step, row.learningRate, row.sketch))
                .toList();
        pipeline = new Pipeline(CONFIG, null);
        pipeline.buckets.processBroadcastElement(zero.model(), 0L);
        pipeline.plan(zero.clustering());
        for (int i = 0; i < zero.rows().size(); i++) {
            row(zero.rows().get(i));
            row(laterRows.get(i));
        }
        pipeline.closed(0);
        pipeline.flush();
        assertVersionZero(pipeline, alone);
        long waiting = 0;
        for (int bucket = 0; bucket < SampleBuckets.COUNT; bucket++) {
            // The backend's own list state (not the operator's view) is null when empty.
            Iterable<dev.cadc.flink.records.Contribution> held = OperatorTestData.keyedState(pipeline.buckets,
                    SampleBuckets.key(RUN, bucket), SampleBucket.ROWS.get(0)).get();
            for (dev.cadc.flink.records.Contribution row : held == null ? List.<dev.cadc.flink.records.Contribution>of() : held) {
                assertThat(row.checkpoint).isEqualTo(later);
                waiting++;
            }
        }
        assertThat(waiting).as("checkpoint %d's rows wait in the list they share with checkpoint 0", later).isEqualTo(laterRows.size());
    }

    /** The probe model is broadcast on another channel than the plan and the markers, and may come last: the fold waits for it. */
    @Test
    void bucketsWhoseMarkerAndPlanCameBeforeTheModelFoldWhenItComes() throws Exception {
        OperatorTestData.PlantedCheckpoint zero = checkpointZero(12);
        List<OutputRecord> modelFirst = versionZeroInOneGo(zero);

        pipeline = new Pipeline(CONFIG, null);
        zero.rows().forEach(this::row);
        pipeline.closed(0);
        pipeline.plan(zero.clustering());
        pipeline.flush();
        assertThat(pipeline.assembler.extractOutputValues()).as("no bucket can fold without the probe model").isEmpty();

        pipeline.buckets.processBroadcastElement(zero.model(), 0L);
        pipeline.flush();
        assertVersionZero(pipeline, modelFirst);
        assertThat(OperatorTestData.keyedState(pipeline.buckets, SampleBuckets.key(RUN, 0), SampleBucket.CLOSED_THROUGH).value())
                .as("a folded marker is not kept").isNull();
    }

    /**
     * A version some bucket never answers (its run was released by the TTL while the version was on its
     * way) cannot complete; once the watermark passes its closing, the selector drops its batches.
     */
    @Test
    void aSelectorDropsAVersionStillIncompleteWhenTheWatermarkPassesItsClosing() throws Exception {
        OperatorTestData.PlantedCheckpoint zero = checkpointZero(12);
        pipeline = new Pipeline(CONFIG, null);
        pipeline.modelPlanAndRows(zero);
        pipeline.closed(0, 7);
        pipeline.flush();
        assertThat(pipeline.selectors.numKeyedStateEntries()).as("each selector holds 255 batches").isPositive();
        // The batches are held without their trajectories, which wait apart, one entry per candidate.
        long candidates = 0;
        long trajectories = 0;
        for (int c = 0; c < 64; c++) {
            String key = SampleBuckets.capabilityKey(RUN, c);
            Iterable<CandidateBatch> held = OperatorTestData.keyedState(pipeline.selectors, key, CapabilitySelector.BATCHES).get();
            for (CandidateBatch batch : held == null ? List.<CandidateBatch>of() : held) {
                assertThat(batch.trajectories).isEmpty();
                candidates += batch.ids.length;
            }
            for (var ignored : OperatorTestData.keyedState(pipeline.selectors, key, CapabilitySelector.TRAJECTORIES).keys()) {
                trajectories++;
            }
        }
        assertThat(candidates).isPositive();
        assertThat(trajectories).isEqualTo(candidates);

        pipeline.watermark(CHECKPOINT_ZERO_CLOSED_AT);
        assertThat(pipeline.selectors.numKeyedStateEntries()).as("at the closing's own watermark a batch may still come").isPositive();
        pipeline.watermark(CHECKPOINT_ZERO_CLOSED_AT + 1);
        assertThat(pipeline.selectors.numKeyedStateEntries()).isZero();
        assertThat(pipeline.choices).isEmpty();
    }

    @Test
    void restoredBucketsFoldTheSameVersionAsBucketsThatNeverFailed() throws Exception {
        OperatorTestData.PlantedCheckpoint zero = checkpointZero(12);
        List<OutputRecord> uninterrupted = versionZeroInOneGo(zero);

        int half = zero.rows().size() / 2;
        OperatorSubtaskState snapshot;
        pipeline = new Pipeline(CONFIG, null);
        pipeline.buckets.processBroadcastElement(zero.model(), 0L);
        zero.rows().subList(0, half).forEach(this::row);
        pipeline.plan(zero.clustering());
        snapshot = pipeline.buckets.snapshot(1L, 0L);
        VersionPlan plan = zero.clustering();
        pipeline.close();
        pipeline = null;

        try (Pipeline resumed = new Pipeline(CONFIG, snapshot)) {
            resumed.assembler.processElement1(plan, 0L);
            for (Contribution row : zero.rows().subList(half, zero.rows().size())) {
                resumed.row(row);
            }
            resumed.closed(0);
            resumed.flush();
            assertVersionZero(resumed, uninterrupted);
        }
    }

    /** Version 0's records from a pipeline given the model, the plan and every row before the closing markers. */
    private List<OutputRecord> versionZeroInOneGo(OperatorTestData.PlantedCheckpoint zero) throws Exception {
        try (Pipeline run = new Pipeline(CONFIG, null)) {
            run.modelPlanAndRows(zero);
            run.closed(0);
            run.flush();
            return run.assembler.extractOutputValues();
        }
    }

    private void row(Contribution row) {
        try {
            pipeline.row(row);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** {@code pipeline}'s assembler has sent version 0 (its curriculum and its capabilities), the records of {@code expected}. */
    private static void assertVersionZero(Pipeline pipeline, List<OutputRecord> expected) {
        List<OutputRecord> output = pipeline.assembler.extractOutputValues();
        assertThat(output).hasSize(2);
        assertSameRecords(output, expected);
    }

    /** {@code output} is {@code expected}: the same records (topic and value), in the same order. */
    private static void assertSameRecords(List<OutputRecord> output, List<OutputRecord> expected) {
        assertThat(output).hasSameSizeAs(expected);
        for (int i = 0; i < output.size(); i++) {
            assertThat(output.get(i).topic).isEqualTo(expected.get(i).topic);
            assertThat(output.get(i).value).as(output.get(i).topic).isEqualTo(expected.get(i).value);
        }
    }

    /** A parcel holding {@code row} alone, as the decoder sends a record's rows to their bucket. */
    static RowParcel parcelOf(Contribution row, String recordKey) {
        RowParcel parcel = new RowParcel();
        parcel.runId = row.runId;
        parcel.bucket = SampleBuckets.bucketOf(row.sampleId);
        parcel.recordKey = recordKey;
        parcel.rows = new SketchColumns();
        parcel.rows.runId = row.runId;
        parcel.rows.sketchDim = row.sketch.length;
        parcel.rows.sampleIds = new long[] {row.sampleId};
        parcel.rows.checkpoints = new int[] {row.checkpoint};
        parcel.rows.steps = new long[] {row.step};
        parcel.rows.roles = new byte[] {Role.POOL.code()};
        parcel.rows.learningRates = new float[] {row.learningRate};
        parcel.rows.losses = new float[] {0f};
        parcel.rows.sketches = row.sketch.clone();
        return parcel;
    }

    private static VersionPlan release(int lastCheckpoint, boolean expired) {
        VersionPlan release = new VersionPlan();
        release.runId = RUN;
        release.kind = VersionPlan.Kind.RELEASE;
        release.checkpoint = lastCheckpoint;
        release.expired = expired;
        release.watermark = 500L;
        return release;
    }

    private static byte[] valueOf(List<OutputRecord> records, String topic) {
        return records.stream().filter(r -> r.topic.equals(topic)).findFirst().orElseThrow().value;
    }
}
