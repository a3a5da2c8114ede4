package dev.cadc.flink.operators;

import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.core.influence.ProbeCheckpoint;
import dev.cadc.core.influence.SampleCheckpoint;
import dev.cadc.flink.records.BucketInput;
import dev.cadc.flink.records.BucketSummary;
import dev.cadc.flink.records.BulkArrays;
import dev.cadc.flink.records.CandidateBatch;
import dev.cadc.flink.records.CheckpointClosing;
import dev.cadc.flink.records.Contribution;
import dev.cadc.flink.records.ProbeModel;
import dev.cadc.flink.records.SampleBuckets;
import dev.cadc.flink.records.SourceRow;
import dev.cadc.flink.records.VersionPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * A run's influence, keyed by (run, sample bucket): each key holds the {@code A(i, .)} and the
 * trajectory of the samples of one bucket, so a run's influence state and its scoring are spread over
 * every subtask.
 *
 * <ul>
 *   <li>Rows wait in keyed state until their version is folded. The run's validator sends every bucket
 *       a closing marker after the checkpoint's rows, on the same channel ({@link CheckpointClosing}), so
 *       once the marker is here every row of j is here; the fold runs as soon as the marker, the bucket's
 *       copy of the plan and the checkpoint's probe model (broadcast) are all in, whichever comes last,
 *       without waiting for event time. The fold is core {@link dev.cadc.core.influence.CheckpointFold}
 *       (the batch reference's), a block of samples per pass over the probes: the {@code N x P x k} products of
 *       TracIn, spread over every subtask. Versions are folded in checkpoint order, each sample adding
 *       its term of j after those of 0..j-1, so the sums are the batch reference's bit for bit.
 *   <li>Then every sample of the bucket is scored under clustering j and the candidates go to their
 *       capability's selector ({@link CandidateBatch}, one per capability, with the bucket's sample
 *       count), the bucket's summary (attributed counts, harmful ids) to the run's assembler. Every
 *       bucket answers every version that has probes, even without samples, so the selectors and the
 *       assembler know they have every part by count ({@link SampleBuckets#COUNT}).
 * </ul>
 *
 * <p>State per pool sample: {@code A(i, .)} ({@code 8 P} bytes) and its trajectory parts ({@code 4 k}
 * bytes per checkpoint with a row); rows of a checkpoint not yet folded; the plans not yet used.
 * Probe models live in broadcast state until this subtask's watermark passes the validator's at the
 * checkpoint's closing: every marker and plan of the checkpoint came before that, so every bucket here
 * has folded it.
 */
public final class SampleInfluence extends KeyedBroadcastProcessFunction<String, BucketInput, ProbeModel, CandidateBatch> {

    /** Probe models by run and checkpoint, broadcast to every subtask. */
    public static final MapStateDescriptor<String, ProbeModel> MODELS =
            new MapStateDescriptor<>("probe-models", Types.STRING, Types.POJO(ProbeModel.class));

    /** Each bucket's summary of a version, for the run's assembler. */
    public static final OutputTag<BucketSummary> SUMMARIES = new OutputTag<>("bucket-summaries", Types.POJO(BucketSummary.class));

    /**
     * The bucket's rows not folded yet (their version's watermark has not passed), in
     * {@value #ROW_SLOTS} lists by checkpoint modulo {@value #ROW_SLOTS}: a fold reads only its own
     * checkpoint's list and clears it, instead of reading and rewriting every waiting row (on RocksDB each
     * read deserialises the whole list). Rows of another checkpoint share a list only when
     * {@value #ROW_SLOTS} or more checkpoints are open at once; the fold then keeps them.
     */
    static final int ROW_SLOTS = 4;

    static final List<ListStateDescriptor<Contribution>> ROWS = java.util.stream.IntStream.range(0, ROW_SLOTS)
            .mapToObj(slot -> new ListStateDescriptor<>("rows-not-folded-" + slot, Types.POJO(Contribution.class)))
            .toList();

    /** The newest checkpoint whose closing marker is here and whose version is not folded yet. */
    static final ValueStateDescriptor<Integer> CLOSED_THROUGH = new ValueStateDescriptor<>("closed-through", Types.INT);

    /** The bucket's samples by id. */
    static final MapStateDescriptor<Long, SampleState> SAMPLES =
            new MapStateDescriptor<>("samples", Types.LONG, Types.POJO(SampleState.class));

    /** What a bucket keeps of one sample. */
    public static class SampleState {
        @TypeInfo(BulkArrays.Doubles.class)
        public double[] influence;
        public int[] partCheckpoints;
        @TypeInfo(BulkArrays.Floats.class)
        public float[] parts;

        public SampleState() {}
    }

    private final JobConfig jobConfig;

    private transient CuratorConfig config;

    private transient List<ListState<Contribution>> rows;
    private transient MapState<Long, SampleState> samples;
    private transient PendingVersions plans;
    private transient ValueState<long[]> probeIds;
    private transient ValueState<Integer> releaseAfter;
    private transient ValueState<Integer> closedThrough;
    private transient Map<String, ProbeCheckpoint> probeCheckpoints;
    private transient Map<String, Integer> samplesByBucket;
    private transient volatile long buffered;

    public SampleInfluence(JobConfig jobConfig) {
        this.jobConfig = jobConfig;
    }

    @Override
    public void open(OpenContext openContext) {
        config = jobConfig.curatorConfig();
        var context = getRuntimeContext();
        rows = ROWS.stream().map(context::getListState).toList();
        samples = context.getMapState(SAMPLES);
        plans = new PendingVersions(context.getMapState(PendingVersions.PLANS));
        probeIds = context.getState(new ValueStateDescriptor<>("probe-ids", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        releaseAfter = context.getState(new ValueStateDescriptor<>("release-after-version", Types.INT));
        closedThrough = context.getState(CLOSED_THROUGH);
        probeCheckpoints = new HashMap<>();
        samplesByBucket = new java.util.concurrent.ConcurrentHashMap<>();
        // Rows waiting for their version's fold, counted since this subtask started (not restored with the state).
        context.getMetricGroup().gauge("bufferedSketches", () -> Math.max(0, buffered));
        context.getMetricGroup().gauge("influenceStateSamples",
                () -> samplesByBucket.values().stream().mapToLong(Integer::longValue).sum());
    }

    @Override
    public void processElement(BucketInput input, ReadOnlyContext ctx, Collector<CandidateBatch> out) throws Exception {
        if (input.row != null) {
            SourceRow row = input.row;
            if (ctx.getBroadcastState(MODELS).contains(ProbeModel.releaseKey(row.runId))) {
                return; // released by its TTL: its open checkpoints never close
            }
            Contribution contribution = new Contribution(row.runId, row.sampleId, row.checkpoint, row.step,
                    row.learningRate, row.sketch, null);
            buffered++;
            rowsOf(row.checkpoint).add(contribution);
            return;
        }
        if (input.closing != null) {
            if (ctx.getBroadcastState(MODELS).contains(ProbeModel.releaseKey(input.closing.runId))) {
                return;
            }
            // Markers come in checkpoint order: the newest covers the older ones still waiting for their plan.
            closedThrough.update(input.closing.checkpoint);
            foldWhatIsReady(ctx.getCurrentKey(), ctx.getBroadcastState(MODELS), summary -> ctx.output(SUMMARIES, summary), out);
            return;
        }
        VersionPlan plan = input.plan;
        if (plan.kind == VersionPlan.Kind.RELEASE) {
            if (plan.expired) {
                clear(ctx.getCurrentKey());
                return;
            }
            releaseAfter.update(plan.checkpoint);
            releaseIfDone(ctx.getCurrentKey());
            return;
        }
        plans.add(plan);
        foldWhatIsReady(ctx.getCurrentKey(), ctx.getBroadcastState(MODELS), summary -> ctx.output(SUMMARIES, summary), out);
    }

    @Override
    public void processBroadcastElement(ProbeModel model, Context ctx, Collector<CandidateBatch> out) throws Exception {
        BroadcastState<String, ProbeModel> models = ctx.getBroadcastState(MODELS);
        dropModelsNoRowCanNeed(models, ctx.currentWatermark());
        models.put(model.modelKey(), model);
        if (model.released) {
            // Rows and markers of a run the TTL released may have reached a bucket after its release copy: drop them.
            for (ListStateDescriptor<Contribution> slot : ROWS) {
                ctx.applyToKeyedState(slot, (key, state) -> ListStates.take(state, row -> row.runId.equals(model.runId)));
            }
            Set<String> runKeys = IntStream.range(0, SampleBuckets.COUNT)
                    .mapToObj(bucket -> SampleBuckets.key(model.runId, bucket)).collect(Collectors.toSet());
            ctx.applyToKeyedState(CLOSED_THROUGH, (key, state) -> {
                if (runKeys.contains(key)) {
                    state.clear();
                }
            });
            return;
        }
        // Buckets whose marker and plan of this checkpoint came before its model fold now.
        String runKey = model.runId;
        ctx.applyToKeyedState(PendingVersions.PLANS, (key, state) -> {
            if (state.contains(model.checkpoint) && state.get(model.checkpoint).runId.equals(runKey)) {
                foldWhatIsReady(key, models, summary -> ctx.output(SUMMARIES, summary), out);
            }
        });
    }

    /**
     * Folds and scores, in checkpoint order, every held version whose three parts are here: its plan,
     * its closing marker (so every row of the checkpoint is here: they came before it on the same
     * channel) and its probe model (broadcast; it may come before or after the other two, so this runs
     * on each of the three). Then releases the bucket if its run ended and nothing is left to build.
     */
    private void foldWhatIsReady(String key, ReadOnlyBroadcastState<String, ProbeModel> models,
            Consumer<BucketSummary> summaries, Collector<CandidateBatch> out) throws Exception {
        Integer closed = closedThrough.value();
        VersionPlan plan;
        while (closed != null && (plan = plans.first()) != null && plan.checkpoint <= closed) {
            ProbeModel model = models.get(ProbeModel.modelKey(plan.runId, plan.checkpoint));
            if (model == null) {
                break; // it is on its way on the broadcast input
            }
            plans.remove(plan);
            emit(key, plan, fold(plan, model), summaries, out);
            if (plan.checkpoint == closed) {
                closedThrough.clear();
                closed = null;
            }
        }
        releaseIfDone(key);
    }

    /**
     * Adds checkpoint j's terms to the bucket's samples and appends their trajectory parts
     * ({@link BucketFold}), with j's probe model.
     */
    private Map<Long, SampleState> fold(VersionPlan plan, ProbeModel model) throws Exception {
        List<Contribution> later = new ArrayList<>();
        ListState<Contribution> slot = rowsOf(plan.checkpoint);
        TreeMap<Long, List<SampleCheckpoint.RowContribution>> bySample = BucketFold.rowsOf(plan.checkpoint, slot.get(), later);
        if (bySample.isEmpty() && samples.isEmpty()) {
            return Map.of(); // a bucket without samples keeps nothing
        }
        BucketFold.alignProbes(samples, probeIds.value(), plan.probeIds);
        probeIds.update(plan.probeIds);
        if (bySample.isEmpty()) {
            return Map.of();
        }
        if (later.isEmpty()) {
            slot.clear();
        } else {
            slot.update(later);
        }
        buffered -= bySample.values().stream().mapToInt(List::size).sum();
        ProbeCheckpoint probes = probeCheckpoints.computeIfAbsent(model.modelKey(),
                key -> new ProbeCheckpoint(model.checkpoint, model.sketchDim, model.unitSketches));
        return BucketFold.fold(samples, bySample, probes, plan);
    }

    /** Scores the bucket's samples under clustering j; candidates to their selectors, the summary to the assembler. */
    private void emit(String key, VersionPlan plan, Map<Long, SampleState> folded, Consumer<BucketSummary> summaries,
            Collector<CandidateBatch> out) throws Exception {
        List<Long> ids = new ArrayList<>();
        for (Long id : samples.keys()) {
            ids.add(id);
        }
        if (ids.isEmpty()) {
            samplesByBucket.remove(key);
        } else {
            samplesByBucket.put(key, ids.size());
        }
        if (plan.probeIds.length == 0) {
            return; // no capabilities: the assembler expects no parts
        }
        long[] sampleIds = ids.stream().mapToLong(Long::longValue).sorted().toArray();
        SampleState[] states = new SampleState[sampleIds.length];
        for (int i = 0; i < sampleIds.length; i++) {
            SampleState state = folded.get(sampleIds[i]);
            states[i] = state != null ? state : samples.get(sampleIds[i]);
        }
        BucketScores scores = BucketScores.of(plan, sampleIds, states, config);
        scores.batches().forEach(out::collect);
        summaries.accept(scores.summary());
    }

    /** The list of waiting rows that holds checkpoint {@code checkpoint}'s. */
    private ListState<Contribution> rowsOf(int checkpoint) {
        return rows.get(Math.floorMod(checkpoint, ROW_SLOTS));
    }

    /**
     * After the run-end's last version is folded and sent, nothing of the bucket is kept. The release
     * copy comes after the copies of every plan up to the last (one channel, in order), so once it is
     * here and no plan is pending, every version has been sent.
     */
    private void releaseIfDone(String key) throws Exception {
        if (releaseAfter.value() != null && plans.isEmpty()) {
            clear(key);
        }
    }

    private void clear(String key) {
        rows.forEach(ListState::clear);
        samples.clear();
        plans.clear();
        probeIds.clear();
        releaseAfter.clear();
        closedThrough.clear();
        samplesByBucket.remove(key);
    }

    /**
     * Drops models (and TTL release notices) whose checkpoint's rows have all been seen here: this
     * subtask's watermark is past the validator's watermark when it closed the checkpoint (see
     * {@link ProbeModel}); every marker and plan copy of that checkpoint came before that watermark, so
     * every bucket here has folded it. Done when
     * the next model comes, since broadcast state is read-only elsewhere.
     */
    private void dropModelsNoRowCanNeed(BroadcastState<String, ProbeModel> models, long watermark) throws Exception {
        List<String> done = new ArrayList<>();
        for (Map.Entry<String, ProbeModel> entry : models.entries()) {
            if (entry.getValue().freeAfterWatermark < watermark) {
                done.add(entry.getKey());
            }
        }
        for (String key : done) {
            models.remove(key);
            probeCheckpoints.remove(key);
        }
    }

}
