package dev.cadc.flink.operators;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.curriculum.CapabilityPicks;
import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.core.curriculum.CurriculumVersion;
import dev.cadc.flink.records.CapabilityChoice;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.SampleBuckets;
import dev.cadc.flink.records.VersionPart;
import dev.cadc.flink.records.VersionPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's curriculum versions, keyed by run: for version j it collects the plan (clustering,
 * difficulty), every sample bucket's summary and every capability's picks, and once it has them all
 * (by count: every bucket of the run answers every version, every capability's selector once) splits the budget
 * with the core {@link dev.cadc.core.curriculum.WaterFill.Split#of} (each selector ordered up to its own
 * reach), takes each capability's first picks and lays the version out with
 * {@link CurriculumVersion#assemble} (the batch reference's code). It holds per run only the plans and
 * parts of versions not yet built: the selection, the harmful ids and counts.
 */
public final class VersionAssembler extends KeyedCoProcessFunction<String, VersionPlan, VersionPart, OutputRecord> {

    private static final Logger LOG = LoggerFactory.getLogger(VersionAssembler.class);

    static final ListStateDescriptor<VersionPart> PARTS = new ListStateDescriptor<>("version-parts", Types.POJO(VersionPart.class));

    /** Parts received per version not built yet (the list is read only once a version is complete). */
    static final MapStateDescriptor<Integer, Integer> RECEIVED = new MapStateDescriptor<>("parts-received", Types.INT, Types.INT);

    private final JobConfig jobConfig;

    private transient CuratorConfig config;

    private transient PendingVersions plans;
    private transient ListState<VersionPart> parts;
    private transient MapState<Integer, Integer> received;
    private transient ValueState<Integer> releaseAfter;
    private transient ValueState<Long> tombstoneUntilWatermark;
    private transient RunGauges gauges;
    private transient org.apache.flink.metrics.Counter versionsSent;

    public VersionAssembler(JobConfig jobConfig) {
        this.jobConfig = jobConfig;
    }

    @Override
    public void open(OpenContext openContext) {
        config = jobConfig.curatorConfig();
        var context = getRuntimeContext();
        plans = new PendingVersions(context.getMapState(PendingVersions.PLANS));
        parts = context.getListState(PARTS);
        received = context.getMapState(RECEIVED);
        releaseAfter = context.getState(new ValueStateDescriptor<>("release-after-version", Types.INT));
        tombstoneUntilWatermark = context.getState(new ValueStateDescriptor<>("tombstone-until-watermark", Types.LONG));
        gauges = new RunGauges(context.getMetricGroup());
        versionsSent = context.getMetricGroup().counter("curriculumVersionsSent");
    }

    @Override
    public void processElement1(VersionPlan plan, Context ctx, Collector<OutputRecord> out) throws Exception {
        if (tombstoneUntilWatermark.value() != null) {
            return;
        }
        if (plan.kind == VersionPlan.Kind.RELEASE) {
            if (plan.expired) {
                clearRun(ctx.getCurrentKey());
                // Parts of closed versions may still be on their way: dropped until the watermark passes the release.
                tombstoneUntilWatermark.update(plan.watermark);
                ctx.timerService().registerEventTimeTimer(plan.readyAt());
                return;
            }
            releaseAfter.update(plan.checkpoint);
            releaseIfDone(ctx.getCurrentKey());
            return;
        }
        plans.add(plan);
        buildWhatIsReady(ctx.getCurrentKey(), out);
    }

    @Override
    public void processElement2(VersionPart part, Context ctx, Collector<OutputRecord> out) throws Exception {
        if (tombstoneUntilWatermark.value() != null) {
            return;
        }
        parts.add(part);
        Integer before = received.get(part.checkpoint());
        received.put(part.checkpoint(), before == null ? 1 : before + 1);
        buildWhatIsReady(ctx.getCurrentKey(), out);
    }

    /** Ends the tombstone of a run the TTL released, once no part of its versions can still come. */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<OutputRecord> out) throws Exception {
        Long until = tombstoneUntilWatermark.value();
        if (until != null && ctx.timerService().currentWatermark() > until) {
            tombstoneUntilWatermark.clear();
        }
    }

    /**
     * Builds, in checkpoint order, every held version whose parts are all here: with probes, one summary
     * from every sample bucket of the run and one choice from every capability's selector (each bucket
     * answers every version, and each selector once it has every bucket's batch); without probes none.
     */
    private void buildWhatIsReady(String runId, Collector<OutputRecord> out) throws Exception {
        VersionPlan plan;
        while ((plan = plans.first()) != null) {
            int expected = plan.probeIds.length == 0 ? 0
                    : SampleBuckets.COUNT + new Clustering(plan.probeIds, plan.assignment).capabilityIds().length;
            Integer arrived = received.get(plan.checkpoint);
            if ((arrived == null ? 0 : arrived) < expected) {
                return;
            }
            int checkpoint = plan.checkpoint;
            List<VersionPart> version = expected == 0 ? List.of() : ListStates.take(parts, part -> part.checkpoint() == checkpoint);
            received.remove(checkpoint);
            plans.remove(plan);
            build(runId, plan, version, out);
            releaseIfDone(runId);
        }
    }

    private void build(String runId, VersionPlan plan, List<VersionPart> versionParts, Collector<OutputRecord> out) {
        Clustering clustering = new Clustering(plan.probeIds, plan.assignment);
        int[] capabilityIds = clustering.capabilityIds();
        List<CurriculumVersion.Summary> summaries = new ArrayList<>();
        Map<Integer, CapabilityChoice> choices = new HashMap<>();
        for (VersionPart part : versionParts) {
            if (part.bucket != null) {
                summaries.add(new CurriculumVersion.Summary(part.bucket.sampleCount, part.bucket.attributed, part.bucket.harmful));
            } else {
                choices.put(part.choice.capabilityId, part.choice);
            }
        }
        CurriculumVersion.Summary summary = CurriculumVersion.Summary.merge(summaries, capabilityIds.length);
        if (summary.sampleCount() == 0 || plan.probeIds.length == 0) {
            LOG.info("run {}: checkpoint {} closed; nothing to curate yet ({} samples, {} probes)", runId, plan.checkpoint,
                    summary.sampleCount(), plan.probeIds.length);
            return;
        }
        long[][] ids = new long[capabilityIds.length][];
        double[][] influence = new double[capabilityIds.length][];
        CapabilityPicks.Picks[] picks = new CapabilityPicks.Picks[capabilityIds.length];
        for (int c = 0; c < capabilityIds.length; c++) {
            CapabilityChoice choice = choices.get(capabilityIds[c]);
            ids[c] = choice == null ? new long[0] : choice.picks;
            influence[c] = choice == null ? new double[0] : choice.influence;
            // The choice's picks and duplicates are already in order: local indices are positions.
            picks[c] = choice == null ? new CapabilityPicks.Picks(new int[0], new int[0], new int[0], true)
                    : new CapabilityPicks.Picks(IntStream.range(0, choice.picks.length).toArray(),
                            IntStream.range(0, choice.duplicates.length).toArray(), choice.duplicateDepths, choice.exhausted);
        }
        CurationResult result = CurriculumVersion.fromPicks(runId, plan.checkpoint, clustering, plan.difficulty, summary,
                ids, influence, picks, config);
        OutputRecord.version(result).forEach(out::collect);
        versionsSent.inc();
        gauges.versionSent(runId, plan.checkpoint, summary.sampleCount(), plan.watermark);
        LOG.info("run {}: curriculum version {}{}: {} of budget {} from {} samples, {} capabilities", runId, plan.checkpoint,
                plan.shortCheckpoint ? " (from a short checkpoint: rows were missing)" : "",
                result.selected().size(), result.budget(), summary.sampleCount(), result.capabilities().size());
    }

    /** After the run-end's last version is built, nothing of the run is kept. */
    private void releaseIfDone(String runId) throws Exception {
        if (releaseAfter.value() != null && plans.isEmpty()) {
            clearRun(runId);
        }
    }

    private void clearRun(String runId) {
        plans.clear();
        parts.clear();
        received.clear();
        releaseAfter.clear();
        gauges.released(runId);
        LOG.info("run {}: released", runId);
    }
}
