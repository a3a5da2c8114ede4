package dev.cadc.flink.operators;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.curriculum.CapabilityPicks;
import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.curriculum.CurriculumVersion;
import dev.cadc.core.curriculum.WaterFill;
import dev.cadc.core.format.CapabilitiesCodec;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.records.CapabilityChoice;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.VersionPart;
import dev.cadc.flink.records.VersionPlan;
import java.nio.charset.StandardCharsets;
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
 * difficulty), every sample bucket's summary and every capability's picks, and once its watermark is
 * past the validator's at j's closing (all of them were sent before that watermark) splits the budget
 * with the core {@link WaterFill}, takes each capability's first picks and lays the version out with
 * {@link CurriculumVersion#assemble} (the batch reference's code). It holds per run only the plans and
 * parts of versions not yet built: the selection, the harmful ids and counts.
 */
public final class VersionAssembler extends KeyedCoProcessFunction<String, VersionPlan, VersionPart, OutputRecord> {

    private static final Logger LOG = LoggerFactory.getLogger(VersionAssembler.class);

    static final ListStateDescriptor<VersionPart> PARTS = new ListStateDescriptor<>("version-parts", Types.POJO(VersionPart.class));

    private final JobConfig jobConfig;

    private transient CuratorConfig config;

    private transient PendingVersions plans;
    private transient ListState<VersionPart> parts;
    private transient ValueState<Integer> releaseAfter;
    private transient ValueState<Long> tombstoneUntilWatermark;
    private transient Map<String, long[]> versionAndSamplesByRun;
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
        releaseAfter = context.getState(new ValueStateDescriptor<>("release-after-version", Types.INT));
        tombstoneUntilWatermark = context.getState(new ValueStateDescriptor<>("tombstone-until-watermark", Types.LONG));
        versionAndSamplesByRun = new java.util.concurrent.ConcurrentHashMap<>();
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
        plans.add(plan, ctx.timerService());
    }

    @Override
    public void processElement2(VersionPart part, Context ctx, Collector<OutputRecord> out) throws Exception {
        if (tombstoneUntilWatermark.value() == null) {
            parts.add(part);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<OutputRecord> out) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        Long until = tombstoneUntilWatermark.value();
        if (until != null) {
            if (watermark > until) {
                tombstoneUntilWatermark.clear();
            }
            return;
        }
        List<VersionPlan> ready = plans.takeReady(watermark);
        if (ready.isEmpty()) {
            return;
        }
        Map<Integer, List<VersionPart>> byVersion = new HashMap<>();
        List<VersionPart> later = new ArrayList<>();
        for (VersionPart part : parts.get()) {
            int checkpoint = part.checkpoint();
            if (ready.stream().anyMatch(plan -> plan.checkpoint == checkpoint)) {
                byVersion.computeIfAbsent(checkpoint, j -> new ArrayList<>()).add(part);
            } else {
                later.add(part);
            }
        }
        parts.update(later);
        for (VersionPlan plan : ready) {
            build(ctx.getCurrentKey(), plan, byVersion.getOrDefault(plan.checkpoint, List.of()), out);
        }
        releaseIfDone(ctx.getCurrentKey());
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
        long budget = config.budget().resolve(summary.sampleCount());
        CapabilityPicks.Picks[] picks = new CapabilityPicks.Picks[capabilityIds.length];
        for (int c = 0; c < capabilityIds.length; c++) {
            CapabilityChoice choice = choices.get(capabilityIds[c]);
            picks[c] = choice == null ? new CapabilityPicks.Picks(new int[0], new int[0], new int[0], true)
                    : new CapabilityPicks.Picks(IntStream.range(0, choice.picks.length).toArray(),
                            IntStream.range(0, choice.duplicates.length).toArray(), choice.duplicateDepths, choice.exhausted);
        }
        long[] given = WaterFill.counts(budget, java.util.Arrays.stream(picks).mapToLong(CapabilityPicks.Picks::available).toArray());
        long[][] ids = new long[capabilityIds.length][];
        double[][] influence = new double[capabilityIds.length][];
        long total = 0;
        int duplicates = 0;
        for (int c = 0; c < capabilityIds.length; c++) {
            CapabilityChoice choice = choices.get(capabilityIds[c]);
            int taken = (int) given[c];
            ids[c] = choice == null ? new long[0] : java.util.Arrays.copyOf(choice.picks, taken);
            influence[c] = choice == null ? new double[0] : java.util.Arrays.copyOf(choice.influence, taken);
            duplicates += picks[c].duplicatesMet(taken).length;
            total += taken;
        }
        CurationResult result = CurriculumVersion.assemble(runId, plan.checkpoint, clustering, plan.difficulty, summary,
                ids, influence, budget, budget - total, duplicates, config);

        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        String[] names = {WireFormat.HEADER_SCHEMA_VERSION, WireFormat.HEADER_CONTENT_TYPE};
        byte[][] values = {WireFormat.SCHEMA_VERSION_TEXT.getBytes(StandardCharsets.UTF_8),
            WireFormat.CONTENT_TYPE_ARROW.getBytes(StandardCharsets.UTF_8)};
        out.collect(new OutputRecord(CadcTopics.CAPABILITIES, key,
                CapabilitiesCodec.encode(CurriculumJson.toCapabilities(result)), names, values));
        out.collect(new OutputRecord(CadcTopics.CURRICULUM, key,
                CurriculumCodec.encode(CurriculumJson.toCurriculum(result)), names, values));
        versionsSent.inc();
        publishMetrics(runId, plan.checkpoint, summary.sampleCount(),
                plan.watermark == Long.MIN_VALUE ? -1 : Math.max(0, System.currentTimeMillis() - plan.watermark));
        LOG.info("run {}: curriculum version {}{}: {} of budget {} from {} samples, {} capabilities", runId, plan.checkpoint,
                plan.shortCheckpoint ? " (from a short checkpoint: rows were missing)" : "",
                result.selected().size(), budget, summary.sampleCount(), result.capabilities().size());
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
        releaseAfter.clear();
        versionAndSamplesByRun.remove(runId);
        LOG.info("run {}: released", runId);
    }

    /**
     * Per run: the newest curriculum version, the run's pool size, and the version's freshness: the
     * wall-clock time when it was sent minus the event time at which its checkpoint closed (the
     * producer's record timestamps), so in a live run how long after the trainer's checkpoint the version
     * went to the sink (it is committed at the next Flink checkpoint); -1 when unknown.
     */
    private void publishMetrics(String runId, long version, long samples, long freshnessMs) {
        long[] values = versionAndSamplesByRun.get(runId);
        if (values == null) {
            long[] fresh = new long[3];
            versionAndSamplesByRun.put(runId, fresh);
            var group = getRuntimeContext().getMetricGroup().addGroup("run", runId);
            group.gauge("curriculumVersion", () -> fresh[0]);
            group.gauge("poolSamples", () -> fresh[1]);
            group.gauge("freshnessMs", () -> fresh[2]);
            values = fresh;
        }
        values[0] = version;
        values[1] = samples;
        values[2] = freshnessMs;
    }
}
