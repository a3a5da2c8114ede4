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
import java.util.Map;
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
 * {@code A(i, .)} and the trajectory parts of the samples of one bucket, so a run's influence state and
 * its scoring are spread over every subtask (docs/job.md, "Topology").
 *
 * <ul>
 *   <li>Rows come from the decoders in parcels, one per record and bucket, and count once the run's
 *       validator accepts their record (its verdict comes on the validator's channel, before the
 *       closing marker of their checkpoint). Version j folds as soon as its marker, every accepted
 *       record's parcel, the bucket's copy of the plan and the checkpoint's probe model (broadcast,
 *       {@link ProbeModels}) are all in, whichever comes last. The fold is the core
 *       {@link dev.cadc.core.influence.CheckpointFold} (the batch reference's), in checkpoint order, so
 *       the sums are the batch reference's bit for bit.
 *   <li>Then every sample of the bucket is scored under clustering j ({@link BucketScores}): the
 *       candidates go to their capability's selector, the bucket's summary to the run's assembler.
 *       Every bucket answers every version that has probes, even without samples, so the selectors and
 *       the assembler know they have every part by count.
 * </ul>
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
    private transient ProbeModels probeModels;
    private transient BucketGauges gauges;

    public SampleInfluence(JobConfig jobConfig) {
        this.jobConfig = jobConfig;
    }

    @Override
    public void open(OpenContext openContext) {
        config = jobConfig.curatorConfig();
        bucket = new SampleBucket(getRuntimeContext());
        probeModels = new ProbeModels();
        gauges = new BucketGauges(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(BucketInput input, ReadOnlyContext ctx, Collector<CandidateBatch> out) throws Exception {
        boolean released = ProbeModels.released(ctx.getBroadcastState(MODELS), input.runId());
        if (input.parcel != null || input.verdict != null) {
            // Even for a run released by its TTL: each half still meets its other half, and then nothing is left.
            SampleBucket.Arrival arrival = input.parcel != null
                    ? bucket.arrived(input.parcel, released)
                    : bucket.arrived(input.verdict);
            gauges.buffered(arrival.rows());
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
                bucket.clear();
                gauges.samples(ctx.getCurrentKey(), 0);
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
        probeModels.add(models, model, ctx.currentWatermark());
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
            ProbeCheckpoint probes = probeModels.probesOf(models, plan);
            if (probes == null) {
                break; // its model is on its way on the broadcast input
            }
            SampleBucket.Folded folded = bucket.fold(plan, probes);
            gauges.buffered(-folded.rows());
            emit(key, plan, folded.states(), summaries, out);
        }
        if (bucket.releaseIfDone()) {
            gauges.samples(key, 0);
        }
    }

    /** Scores the bucket's samples under clustering j; candidates to their selectors, the summary to the assembler. */
    private void emit(String key, VersionPlan plan, Map<Long, SampleState> folded, Consumer<BucketSummary> summaries,
            Collector<CandidateBatch> out) throws Exception {
        long[] sampleIds = bucket.sampleIds();
        gauges.samples(key, sampleIds.length);
        if (plan.probeIds.length == 0) {
            return; // no capabilities: the assembler expects no parts
        }
        BucketScores scores = BucketScores.of(plan, sampleIds, bucket.states(sampleIds, folded), config);
        scores.batches().forEach(out::collect);
        summaries.accept(scores.summary());
    }
}
