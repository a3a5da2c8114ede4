package dev.cadc.flink.operators;

import dev.cadc.core.capability.CapabilityClusterer;
import dev.cadc.core.capability.Clustering;
import dev.cadc.core.capability.ClusteringConfig;
import dev.cadc.core.capability.ProbeTrajectories;
import dev.cadc.core.curriculum.StageSequencer;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.records.VersionPlan;
import dev.cadc.flink.records.ProbeModel;
import dev.cadc.flink.records.RunEvent;
import dev.cadc.flink.records.SampleBuckets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The capability clusterer of each run (keyed by run id): keeps the run's probe rows and, at every
 * closed checkpoint, updates the clustering exactly as the batch {@code Curator} does
 * ({@link CapabilityClusterer#update} over the trajectories of checkpoints 0..j, warm-started from the
 * previous clustering). It then broadcasts the checkpoint's probe model to the sample buckets
 * ({@link #PROBE_MODELS}), sends each bucket its copy of the version's plan ({@link #BUCKET_PLANS}) and
 * the plan to the run's assembler.
 */
public final class CapabilityClustererFunction extends KeyedProcessFunction<String, RunEvent, VersionPlan> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CapabilityClustererFunction.class);

    public static final OutputTag<ProbeModel> PROBE_MODELS = new OutputTag<>("probe-models", Types.POJO(ProbeModel.class));

    /** Each plan once per sample bucket ({@link SampleBuckets#COUNT} copies), for the run's {@link SampleInfluence}. */
    public static final OutputTag<VersionPlan> BUCKET_PLANS = new OutputTag<>("bucket-plans", Types.POJO(VersionPlan.class));

    private final JobConfig config;

    private transient ClusteringConfig clusteringConfig;
    private transient ValueState<RunEvent> runStart;
    private transient ListState<RunEvent> probeRows;
    private transient ValueState<VersionPlan> clustering;
    private transient Map<String, Integer> capabilitiesByRun;

    public CapabilityClustererFunction(JobConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        clusteringConfig = config.curatorConfig().clustering();
        runStart = getRuntimeContext().getState(new ValueStateDescriptor<>("run-start", Types.POJO(RunEvent.class)));
        probeRows = getRuntimeContext().getListState(new ListStateDescriptor<>("probe-rows", Types.POJO(RunEvent.class)));
        clustering = getRuntimeContext().getState(new ValueStateDescriptor<>("clustering", Types.POJO(VersionPlan.class)));
        capabilitiesByRun = new ConcurrentHashMap<>();
    }

    @Override
    public void processElement(RunEvent event, Context ctx, Collector<VersionPlan> out) throws Exception {
        switch (event.kind()) {
            case RUN_START -> runStart.update(event);
            case PROBE_ROW -> probeRows.add(event);
            case CHECKPOINT_CLOSED -> close(event.runId, event.closed, ctx, out);
            case RUN_RELEASED -> release(event.runId, event.released, ctx, out);
            default -> throw new IllegalStateException("unknown run event kind " + event.kind());
        }
    }

    private void close(String runId, RunEvent.Closed closed, Context ctx, Collector<VersionPlan> out) throws Exception {
        long started = System.nanoTime();
        RunEvent.Start run = runStart.value().start;
        int j = closed.checkpoint;
        List<ProbeTrajectories.Row> rows = new ArrayList<>();
        boolean probesAtJ = false;
        for (RunEvent event : probeRows.get()) {
            RunEvent.ProbeRow row = event.probe;
            if (row.checkpoint <= j) {
                rows.add(new ProbeTrajectories.Row(row.checkpoint, row.sampleId, row.sketch, row.loss));
                probesAtJ |= row.checkpoint == j;
            }
        }
        // In core's order, as the batch curator adds them.
        ProbeTrajectories trajectories = new ProbeTrajectories(run.sketchDim);
        trajectories.addAll(rows);

        VersionPlan previous = clustering.value();
        Clustering current = previous == null ? Clustering.empty() : new Clustering(previous.probeIds, previous.assignment);
        int nextId = previous == null ? 0 : previous.nextCapabilityId;
        if (probesAtJ) {
            CapabilityClusterer clusterer = new CapabilityClusterer(clusteringConfig, current, nextId);
            current = clusterer.update(trajectories);
            nextId = clusterer.nextCapabilityId();
        }
        if (capabilitiesByRun.put(runId, current.capabilityCount()) == null) {
            getRuntimeContext().getMetricGroup().addGroup("run", runId).gauge("capabilities", () -> capabilitiesByRun.getOrDefault(runId, 0));
        }

        VersionPlan update = VersionPlan.clustering(runId, run, closed, previous, current, nextId,
                StageSequencer.difficulty(current, trajectories));
        clustering.update(update);

        ProbeModel model = new ProbeModel(runId, j, run.sketchDim, trajectories.probeIds(), trajectories.unitSketchMatrix(j));
        model.freeAfterWatermark = closed.watermark;
        ctx.output(PROBE_MODELS, model);
        toBuckets(update, ctx);
        out.collect(update);
        LOG.info("run {}: checkpoint {} clustered in {} ms: {} capabilities over {} probes; probe model and plan sent to the buckets",
                runId, j, (System.nanoTime() - started) / 1_000_000, current.capabilityCount(), current.probeIds().length);
    }

    /** Forgets the run; the builder releases after the run's last version, or at once when the TTL expired it. */
    private void release(String runId, RunEvent.Released released, Context ctx, Collector<VersionPlan> out) {
        runStart.clear();
        probeRows.clear();
        clustering.clear();
        capabilitiesByRun.remove(runId);
        if (released.expired) {
            ctx.output(PROBE_MODELS, ProbeModel.releaseOf(runId, released.watermark));
        }
        VersionPlan release = VersionPlan.release(runId, released);
        toBuckets(release, ctx);
        out.collect(release);
    }

    private static void toBuckets(VersionPlan plan, Context ctx) {
        for (int bucket = 0; bucket < SampleBuckets.COUNT; bucket++) {
            ctx.output(BUCKET_PLANS, plan.forBucket(bucket));
        }
    }
}
