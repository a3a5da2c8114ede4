package dev.cadc.flink.operators;

import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.influence.ProbeCheckpoint;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.records.BucketInput;
import dev.cadc.flink.records.BucketSummary;
import dev.cadc.flink.records.CandidateBatch;
import dev.cadc.flink.records.ProbeModel;
import dev.cadc.flink.records.SampleState;
import dev.cadc.flink.records.VersionPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * A run's influence, keyed by (run, sample bucket): each key ({@link SampleBucket}) holds the
 * {@code A(i, .)} and the trajectory of the samples of one bucket, so a run's influence state and its
 * scoring are spread over every subtask.
 *
 * <ul>
 *   <li>Rows come from the decoders in parcels, one per record and bucket, and count once the run's
 *       validator accepts their record (its verdict comes on the validator's channel, before the
 *       closing marker of their checkpoint); a refused record's rows are dropped (the validator writes
 *       its dead letter). So once the marker of j is here and every
 *       accepted record's parcel is in, every row of j is here ({@link SampleBucket}); the fold runs as
 *       soon as that, the bucket's copy of the plan and the checkpoint's probe model (broadcast) are all
 *       in, whichever comes last, without waiting for event time. The fold is core {@link dev.cadc.core.influence.CheckpointFold} (the batch
 *       reference's): the {@code N x P x k} products of TracIn, spread over every subtask, in checkpoint
 *       order, so the sums are the batch reference's bit for bit.
 *   <li>Then every sample of the bucket is scored under clustering j and the candidates go to their
 *       capability's selector ({@link CandidateBatch}, one per capability, with the bucket's sample
 *       count), the bucket's summary to the run's assembler. Every bucket answers every version that has
 *       probes, even without samples, so the selectors and the assembler know they have every part by
 *       count ({@link dev.cadc.flink.records.SampleBuckets#COUNT}).
 * </ul>
 *
 * <p>State per pool sample: {@code A(i, .)} ({@code 8 P} bytes) and its trajectory parts ({@code 4 k}
 * bytes per checkpoint with a row); rows of a checkpoint not yet folded; the plans not yet used.
 * Probe models live in broadcast state until this subtask's watermark passes the closing's (the
 * validator's watermark then, or the decoders' stamp on the parcels it had accepted, whichever is
 * larger): every marker, plan and parcel of the checkpoint came before that, so every bucket here has
 * folded it.
 */
public final class SampleInfluence extends KeyedBroadcastProcessFunction<String, BucketInput, ProbeModel, CandidateBatch> {

    /** Probe models by run and checkpoint, broadcast to every subtask. */
    public static final MapStateDescriptor<String, ProbeModel> MODELS =
            new MapStateDescriptor<>("probe-models", Types.STRING, Types.POJO(ProbeModel.class));

    /** Each bucket's summary of a version, for the run's assembler. */
    public static final OutputTag<BucketSummary> SUMMARIES = new OutputTag<>("bucket-summaries", Types.POJO(BucketSummary.class));

    private final JobConfig jobConfig;

    private transient CuratorConfig config;
    private transient SampleBucket bucket;
    private transient Map<String, ProbeCheckpoint> probeCheckpoints;
    private transient Map<String, Integer> samplesByBucket;
    private transient volatile long buffered;

    public SampleInfluence(JobConfig jobConfig) {
        this.jobConfig = jobConfig;
    }

    @Override
    public void open(OpenContext openContext) {
        config = jobConfig.curatorConfig();
        bucket = new SampleBucket(getRuntimeContext());
        probeCheckpoints = new HashMap<>();
        samplesByBucket = new ConcurrentHashMap<>();
        var metrics = getRuntimeContext().getMetricGroup();
        // Rows waiting for their version's fold, counted since this subtask started (not restored with the state).
        metrics.gauge("bufferedSketches", () -> Math.max(0, buffered));
        metrics.gauge("influenceStateSamples", () -> samplesByBucket.values().stream().mapToLong(Integer::longValue).sum());
    }

    @Override
    public void processElement(BucketInput input, ReadOnlyContext ctx, Collector<CandidateBatch> out) throws Exception {
        boolean released = ctx.getBroadcastState(MODELS).contains(ProbeModel.releaseKey(input.runId()));
        if (input.parcel != null || input.verdict != null) {
            // Even for a run released by its TTL: each half still meets its other half, and then nothing is left.
            SampleBucket.Arrival arrival = input.parcel != null
                    ? bucket.arrived(input.parcel, released)
                    : bucket.arrived(input.verdict);
            buffered += arrival.rows();
            if (arrival.unblocked()) {
                foldWhatIsReady(ctx.getCurrentKey(), ctx.getBroadcastState(MODELS), summary -> ctx.output(SUMMARIES, summary), out);
            }
            return;
        }
        if (input.plan == null && released) {
            return; // released by its TTL: its open checkpoints never close
        }
        if (input.closing != null) {
            bucket.closedThrough(input.closing.checkpoint);
        } else if (input.plan.kind == VersionPlan.Kind.RELEASE) {
            if (input.plan.expired) {
                clear(ctx.getCurrentKey());
                return;
            }
            bucket.releaseAfter(input.plan.checkpoint);
        } else {
            bucket.add(input.plan);
        }
        foldWhatIsReady(ctx.getCurrentKey(), ctx.getBroadcastState(MODELS), summary -> ctx.output(SUMMARIES, summary), out);
    }

    @Override
    public void processBroadcastElement(ProbeModel model, Context ctx, Collector<CandidateBatch> out) throws Exception {
        BroadcastState<String, ProbeModel> models = ctx.getBroadcastState(MODELS);
        dropModelsNoRowCanNeed(models, ctx.currentWatermark());
        models.put(model.modelKey(), model);
        if (model.released) {
            SampleBucket.dropReleased(model.runId, ctx);
            return;
        }
        // Buckets whose marker and plan of this checkpoint came before its model fold now.
        ctx.applyToKeyedState(PendingVersions.PLANS, (key, state) -> {
            if (state.contains(model.checkpoint) && state.get(model.checkpoint).runId.equals(model.runId)) {
                foldWhatIsReady(key, models, summary -> ctx.output(SUMMARIES, summary), out);
            }
        });
    }

    /**
     * Folds and scores, in checkpoint order, every held version whose three parts are here: its plan,
     * its closing marker and its probe model (broadcast; it may come before or after the other two, so
     * this runs on each of the three). Then releases the bucket if its run ended and nothing is left.
     */
    private void foldWhatIsReady(String key, ReadOnlyBroadcastState<String, ProbeModel> models,
            Consumer<BucketSummary> summaries, Collector<CandidateBatch> out) throws Exception {
        VersionPlan plan;
        while ((plan = bucket.nextClosed()) != null) {
            ProbeModel model = models.get(ProbeModel.modelKey(plan.runId, plan.checkpoint));
            if (model == null) {
                break; // it is on its way on the broadcast input
            }
            ProbeCheckpoint probes = probeCheckpoints.computeIfAbsent(model.modelKey(),
                    k -> new ProbeCheckpoint(model.checkpoint, model.sketchDim, model.unitSketches));
            SampleBucket.Folded folded = bucket.fold(plan, probes);
            buffered -= folded.rows();
            emit(key, plan, folded.states(), summaries, out);
        }
        if (bucket.releaseIfDone()) {
            samplesByBucket.remove(key);
        }
    }

    /** Scores the bucket's samples under clustering j; candidates to their selectors, the summary to the assembler. */
    private void emit(String key, VersionPlan plan, Map<Long, SampleState> folded, Consumer<BucketSummary> summaries,
            Collector<CandidateBatch> out) throws Exception {
        long[] sampleIds = bucket.sampleIds();
        if (sampleIds.length == 0) {
            samplesByBucket.remove(key);
        } else {
            samplesByBucket.put(key, sampleIds.length);
        }
        if (plan.probeIds.length == 0) {
            return; // no capabilities: the assembler expects no parts
        }
        BucketScores scores = BucketScores.of(plan, sampleIds, bucket.states(sampleIds, folded), config);
        scores.batches().forEach(out::collect);
        summaries.accept(scores.summary());
    }

    private void clear(String key) {
        bucket.clear();
        samplesByBucket.remove(key);
    }

    /**
     * Drops models (and TTL release notices) whose checkpoint's rows have all been seen here: this
     * subtask's watermark is past the closing's watermark (see {@link ProbeModel}); every marker, plan
     * copy and accepted parcel of that checkpoint came before that watermark, so
     * every bucket here has folded it. Done when the next model comes, since broadcast state is
     * read-only elsewhere.
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
