package dev.cadc.flink.operators;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.CurriculumVersion;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.curriculum.InfluenceTable;
import dev.cadc.core.curriculum.Selection;
import dev.cadc.core.format.CapabilitiesCodec;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.influence.CapabilityScorer;
import dev.cadc.core.influence.SampleCheckpoint;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.records.Contribution;
import dev.cadc.flink.records.VersionPlan;
import dev.cadc.flink.records.OutputRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The curriculum of each run (keyed by run id), version by version: version j folds the
 * contributions of checkpoint j into every sample's {@code A(i, p)} (after 0..j-1, so sums run in
 * checkpoint order) and then scores, selects and stages with the same core code as the batch
 * {@code Curator}, under the clustering of checkpoint j. It waits until checkpoint j's clustering and
 * all of its contributions (the count the validator forwarded) have arrived, whatever their order.
 *
 * <p>Why influence lives here and not in the per-sample accumulators: balanced selection with probe
 * coverage, water-filling and duplicate skipping must see every candidate's full row, and folding in
 * checkpoint order needs to know that a checkpoint is complete, which only the run's builder can
 * tell; the accumulators do the expensive part (the products) in parallel.
 *
 * <p>State per run: per sample its {@code A(i, .)} ({@code 8 P} bytes) and trajectory parts
 * ({@code 4 k} bytes per checkpoint), the contributions not yet folded, the clusterings not yet used.
 */
public final class CurriculumBuilder extends KeyedCoProcessFunction<String, VersionPlan, Contribution, OutputRecord> {

    private static final Logger LOG = LoggerFactory.getLogger(CurriculumBuilder.class);

    /** What the builder keeps of one sample. */
    public static class SampleState {
        public double[] influence;
        public int[] partCheckpoints;
        public float[] parts;

        public SampleState() {}
    }

    private final JobConfig config;

    private transient CuratorConfig curatorConfig;
    private transient MapState<Integer, VersionPlan> clusterings;
    private transient MapState<Integer, Long> received;
    private transient ListState<Contribution> pending;
    private transient MapState<Long, SampleState> samples;
    private transient ValueState<long[]> probeIds;
    private transient ValueState<int[]> sourceCheckpoints;
    private transient ValueState<Integer> nextVersion;
    private transient ValueState<Integer> releaseAfterVersion;
    private transient ValueState<Long> tombstoneUntilWatermark;
    private transient Map<String, long[]> versionAndSamplesByRun;

    public CurriculumBuilder(JobConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        curatorConfig = config.curatorConfig();
        var context = getRuntimeContext();
        clusterings = context.getMapState(new MapStateDescriptor<>("clusterings", Types.INT, Types.POJO(VersionPlan.class)));
        received = context.getMapState(new MapStateDescriptor<>("contributions-received", Types.INT, Types.LONG));
        pending = context.getListState(new ListStateDescriptor<>("contributions-pending", Types.POJO(Contribution.class)));
        samples = context.getMapState(new MapStateDescriptor<>("samples", Types.LONG, Types.POJO(SampleState.class)));
        probeIds = context.getState(new ValueStateDescriptor<>("probe-ids", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        sourceCheckpoints = context.getState(new ValueStateDescriptor<>("source-checkpoints", PrimitiveArrayTypeInfo.INT_PRIMITIVE_ARRAY_TYPE_INFO));
        nextVersion = context.getState(new ValueStateDescriptor<>("next-version", Types.INT));
        releaseAfterVersion = context.getState(new ValueStateDescriptor<>("release-after-version", Types.INT));
        tombstoneUntilWatermark = context.getState(new ValueStateDescriptor<>("tombstone-until-watermark", Types.LONG));
        versionAndSamplesByRun = new java.util.concurrent.ConcurrentHashMap<>();
    }

    @Override
    public void processElement1(VersionPlan plan, Context ctx, Collector<OutputRecord> out) throws Exception {
        if (tombstoneUntilWatermark.value() != null) {
            return;
        }
        if (plan.kind == VersionPlan.Kind.RELEASE) {
            if (plan.expired) {
                clearRun(ctx.getCurrentKey());
                // Contributions of closed checkpoints may still be on their way (they travel another path):
                // they are dropped until this builder's watermark passes the validator's at the release.
                tombstoneUntilWatermark.update(plan.watermark);
                ctx.timerService().registerEventTimeTimer(plan.watermark == Long.MAX_VALUE ? Long.MAX_VALUE : plan.watermark + 1);
                return;
            }
            releaseAfterVersion.update(plan.checkpoint);
        } else {
            clusterings.put(plan.checkpoint, plan);
            buildReadyVersions(ctx.getCurrentKey(), out);
        }
        releaseIfDone(ctx.getCurrentKey());
    }

    @Override
    public void processElement2(Contribution contribution, Context ctx, Collector<OutputRecord> out) throws Exception {
        if (tombstoneUntilWatermark.value() != null) {
            // Contributions still in flight when the TTL released the run.
            return;
        }
        pending.add(contribution);
        Long count = received.get(contribution.checkpoint);
        received.put(contribution.checkpoint, count == null ? 1 : count + 1);
        buildReadyVersions(ctx.getCurrentKey(), out);
        releaseIfDone(ctx.getCurrentKey());
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<OutputRecord> out) throws Exception {
        Long until = tombstoneUntilWatermark.value();
        if (until != null && ctx.timerService().currentWatermark() > until) {
            tombstoneUntilWatermark.clear();
        }
    }

    /** After the run-end's last version is built, nothing of the run is kept. */
    private void releaseIfDone(String runId) throws Exception {
        Integer last = releaseAfterVersion.value();
        int next = nextVersion.value() == null ? 0 : nextVersion.value();
        if (last != null && next > last) {
            clearRun(runId);
        }
    }

    private void clearRun(String runId) {
        clusterings.clear();
        received.clear();
        pending.clear();
        samples.clear();
        probeIds.clear();
        sourceCheckpoints.clear();
        nextVersion.clear();
        releaseAfterVersion.clear();
        versionAndSamplesByRun.remove(runId);
        LOG.info("run {}: released", runId);
    }

    private void buildReadyVersions(String runId, Collector<OutputRecord> out) throws Exception {
        while (true) {
            int version = nextVersion.value() == null ? 0 : nextVersion.value();
            VersionPlan clustering = clusterings.get(version);
            Long arrived = received.get(version);
            if (clustering == null || (arrived == null ? 0 : arrived) < clustering.sourceRows) {
                return;
            }
            fold(clustering);
            clusterings.remove(version);
            received.remove(version);
            nextVersion.update(version + 1);
            build(runId, clustering, out);
        }
    }

    /** Adds checkpoint j's contributions to every sample, in sample id order. */
    private void fold(VersionPlan clustering) throws Exception {
        int j = clustering.checkpoint;
        long[] runProbes = alignProbes(clustering.probeIds);
        TreeMap<Long, List<SampleCheckpoint.RowContribution>> bySample = new TreeMap<>();
        List<Contribution> later = new ArrayList<>();
        for (Contribution event : pending.get()) {
            if (event.checkpoint != j) {
                later.add(event);
                continue;
            }
            bySample.computeIfAbsent(event.sampleId, id -> new ArrayList<>())
                    .add(new SampleCheckpoint.RowContribution(event.step, event.learningRate, event.sketch, event.terms));
        }
        pending.update(later);
        if (!bySample.isEmpty()) {
            int[] checkpoints = sourceCheckpoints.value() == null ? new int[0] : sourceCheckpoints.value();
            int[] grown = Arrays.copyOf(checkpoints, checkpoints.length + 1);
            grown[checkpoints.length] = j;
            sourceCheckpoints.update(grown);
        }
        int k = clustering.sketchDim;
        for (Map.Entry<Long, List<SampleCheckpoint.RowContribution>> entry : bySample.entrySet()) {
            SampleState state = samples.get(entry.getKey());
            if (state == null) {
                state = new SampleState();
                state.influence = new double[runProbes.length];
                state.partCheckpoints = new int[0];
                state.parts = new float[0];
            }
            List<SampleCheckpoint.RowContribution> counted = SampleCheckpoint.counted(entry.getValue(), clustering.trainSource);
            double[] terms = SampleCheckpoint.terms(counted);
            for (int p = 0; p < terms.length; p++) {
                state.influence[p] += terms[p];
            }
            state.partCheckpoints = Arrays.copyOf(state.partCheckpoints, state.partCheckpoints.length + 1);
            state.partCheckpoints[state.partCheckpoints.length - 1] = j;
            float[] part = SampleCheckpoint.trajectoryPart(counted, k);
            state.parts = Arrays.copyOf(state.parts, state.parts.length + k);
            System.arraycopy(part, 0, state.parts, state.parts.length - k, k);
            samples.put(entry.getKey(), state);
        }
    }

    /**
     * Makes every sample's row use the probe order of {@code newProbeIds}; probes new at this
     * checkpoint start at zero (they had no earlier terms).
     */
    private long[] alignProbes(long[] newProbeIds) throws Exception {
        long[] current = probeIds.value();
        if (current != null && Arrays.equals(current, newProbeIds)) {
            return current;
        }
        if (current != null) {
            for (Map.Entry<Long, SampleState> entry : samples.entries()) {
                double[] remapped = new double[newProbeIds.length];
                for (int p = 0; p < current.length; p++) {
                    int index = Arrays.binarySearch(newProbeIds, current[p]);
                    if (index >= 0) {
                        remapped[index] = entry.getValue().influence[p];
                    }
                }
                entry.getValue().influence = remapped;
                entry.setValue(entry.getValue());
            }
        }
        probeIds.update(newProbeIds);
        return newProbeIds;
    }

    private void build(String runId, VersionPlan clusteringEvent, Collector<OutputRecord> out) throws Exception {
        int j = clusteringEvent.checkpoint;
        List<Long> ids = new ArrayList<>();
        for (Long id : samples.keys()) {
            ids.add(id);
        }
        if (ids.isEmpty() || clusteringEvent.probeIds.length == 0) {
            LOG.info("run {}: checkpoint {} closed; nothing to curate yet ({} samples, {} probes)", runId, j,
                    ids.size(), clusteringEvent.probeIds.length);
            return;
        }
        long[] sampleIds = ids.stream().mapToLong(Long::longValue).sorted().toArray();
        // The table reads the state's rows in place: a copy would double the run's largest state.
        SampleState[] states = new SampleState[sampleIds.length];
        double[][] rows = new double[sampleIds.length][];
        for (int i = 0; i < sampleIds.length; i++) {
            states[i] = samples.get(sampleIds[i]);
            rows[i] = states[i].influence;
        }
        InfluenceTable table = InfluenceTable.wrapping(sampleIds, rows);
        Clustering clustering = new Clustering(clusteringEvent.probeIds, clusteringEvent.assignment);
        CapabilityScorer.Score[] scores = CurriculumVersion.score(clustering, table::row, sampleIds.length, curatorConfig);
        int[] checkpoints = sourceCheckpoints.value() == null ? new int[0] : sourceCheckpoints.value();
        int k = clusteringEvent.sketchDim;
        Selection selection = CurriculumVersion.select(clustering, table, scores, curatorConfig,
                sample -> trajectory(states[sample], checkpoints, k), checkpoints.length);
        CurationResult result = CurriculumVersion.assemble(runId, j, clustering, clusteringEvent.difficulty, table, scores,
                selection, curatorConfig);
        long budget = selection.budget();

        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        String[] names = {WireFormat.HEADER_SCHEMA_VERSION, WireFormat.HEADER_CONTENT_TYPE};
        byte[][] values = {WireFormat.SCHEMA_VERSION_TEXT.getBytes(StandardCharsets.UTF_8),
            WireFormat.CONTENT_TYPE_ARROW.getBytes(StandardCharsets.UTF_8)};
        out.collect(new OutputRecord(CadcTopics.CAPABILITIES, key,
                CapabilitiesCodec.encode(CurriculumJson.toCapabilities(result)), names, values));
        out.collect(new OutputRecord(CadcTopics.CURRICULUM, key,
                CurriculumCodec.encode(CurriculumJson.toCurriculum(result)), names, values));
        publishMetrics(runId, j, sampleIds.length);
        LOG.info("run {}: curriculum version {}{}: {} of budget {} from {} samples, {} capabilities", runId, j,
                clusteringEvent.shortCheckpoint ? " (from a short checkpoint: rows were missing)" : "",
                result.selected().size(), budget, sampleIds.length, result.capabilities().size());
    }

    /** Per run: the newest curriculum version and the samples held in influence state. */
    private void publishMetrics(String runId, long version, long samplesHeld) {
        long[] values = versionAndSamplesByRun.get(runId);
        if (values == null) {
            long[] fresh = new long[2];
            versionAndSamplesByRun.put(runId, fresh);
            var group = getRuntimeContext().getMetricGroup().addGroup("run", runId);
            group.gauge("curriculumVersion", () -> fresh[0]);
            group.gauge("influenceStateSamples", () -> fresh[1]);
            values = fresh;
        }
        values[0] = version;
        values[1] = samplesHeld;
    }

    /** The sample's trajectory over the run's source checkpoints (zero where it has no part). */
    private static float[] trajectory(SampleState state, int[] checkpoints, int k) {
        float[] trajectory = new float[checkpoints.length * k];
        for (int part = 0; part < state.partCheckpoints.length; part++) {
            int slot = Arrays.binarySearch(checkpoints, state.partCheckpoints[part]);
            System.arraycopy(state.parts, part * k, trajectory, slot * k, k);
        }
        return trajectory;
    }
}
