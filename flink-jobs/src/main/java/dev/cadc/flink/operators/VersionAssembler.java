package dev.cadc.flink.operators;

import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.core.curriculum.CurriculumVersion;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.VersionPart;
import dev.cadc.flink.records.VersionPlan;
import java.util.List;
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
 * (by count, {@link VersionParts#expected}) lays the version out with the core
 * {@link CurriculumVersion#fromPicks} (the batch reference's split of the budget and stages). It holds
 * per run only the plans and parts of versions not yet built.
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
    }

    @Override
    public void processElement1(VersionPlan plan, Context ctx, Collector<OutputRecord> out) throws Exception {
        if (tombstoneUntilWatermark.value() != null) {
            return;
        }
        if (plan.kind == VersionPlan.Kind.CLUSTERING) {
            plans.add(plan);
            buildWhatIsReady(ctx.getCurrentKey(), out);
        } else if (plan.expired) {
            clearRun(ctx.getCurrentKey());
            // Parts of closed versions may still be on their way: dropped until the watermark passes the release.
            tombstoneUntilWatermark.update(plan.watermark);
            ctx.timerService().registerEventTimeTimer(plan.readyAt());
        } else {
            releaseAfter.update(plan.checkpoint);
            releaseIfDone(ctx.getCurrentKey());
        }
    }

    @Override
    public void processElement2(VersionPart part, Context ctx, Collector<OutputRecord> out) throws Exception {
        if (tombstoneUntilWatermark.value() != null) {
            return;
        }
        parts.add(part);
        ListStates.countOne(received, part.checkpoint());
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

    /** Builds, in checkpoint order, every held version whose parts are all here. */
    private void buildWhatIsReady(String runId, Collector<OutputRecord> out) throws Exception {
        VersionPlan plan;
        while ((plan = plans.first()) != null) {
            int checkpoint = plan.checkpoint;
            Integer arrived = received.get(checkpoint);
            if ((arrived == null ? 0 : arrived) < VersionParts.expected(plan)) {
                return;
            }
            List<VersionPart> version = ListStates.take(parts, part -> part.checkpoint() == checkpoint);
            received.remove(checkpoint);
            plans.remove(plan);
            build(runId, plan, version, out);
            releaseIfDone(runId);
        }
    }

    private void build(String runId, VersionPlan plan, List<VersionPart> versionParts, Collector<OutputRecord> out) {
        CurriculumVersion.Summary summary = VersionParts.summary(plan, versionParts);
        if (summary.sampleCount() == 0 || plan.probeIds.length == 0) {
            LOG.info("run {}: checkpoint {} closed; nothing to curate yet ({} samples, {} probes)", runId, plan.checkpoint,
                    summary.sampleCount(), plan.probeIds.length);
            return;
        }
        CurationResult result = VersionParts.result(runId, plan, versionParts, summary, config);
        OutputRecord.version(result).forEach(out::collect);
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
