package dev.cadc.flink.operators;

import dev.cadc.core.curriculum.CapabilityPicks;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.core.curriculum.DuplicateGuard;
import dev.cadc.core.curriculum.WaterFill;
import dev.cadc.flink.records.CandidateBatch;
import dev.cadc.flink.records.CapabilityChoice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * One capability's selection, keyed by (run, capability): the capabilities of a run are selected on
 * different subtasks. At version j it gathers the capability's candidates from every sample bucket and,
 * once its watermark is past the validator's at j's closing (every bucket sent its batch before
 * forwarding that watermark), orders them with the core {@link CapabilityPicks} (the same call the batch
 * reference makes) up to twice the capability's limit ({@link WaterFill#reach}), and sends the pick
 * order to the run's assembler, which splits the budget ({@link WaterFill.Split#of}). The limit is the
 * capability's part of the budget split over every capability's candidate count
 * ({@link WaterFill#limits}); each bucket's batch carries its counts for every capability, so the
 * selector knows its limit from its own input, orders no further than its reach, and needs nothing
 * back from the assembler. Candidates are held only until their version is decided.
 */
public final class CapabilitySelector extends KeyedProcessFunction<String, CandidateBatch, CapabilityChoice> {

    static final ListStateDescriptor<CandidateBatch> BATCHES =
            new ListStateDescriptor<>("candidate-batches", Types.POJO(CandidateBatch.class));

    private final JobConfig jobConfig;

    private transient CuratorConfig config;

    private transient ListState<CandidateBatch> batches;

    public CapabilitySelector(JobConfig jobConfig) {
        this.jobConfig = jobConfig;
    }

    @Override
    public void open(OpenContext openContext) {
        config = jobConfig.curatorConfig();
        batches = getRuntimeContext().getListState(BATCHES);
    }

    @Override
    public void processElement(CandidateBatch batch, Context ctx, Collector<CapabilityChoice> out) throws Exception {
        batches.add(batch);
        ctx.timerService().registerEventTimeTimer(batch.watermark == Long.MAX_VALUE ? Long.MAX_VALUE : batch.watermark + 1);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<CapabilityChoice> out) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        TreeMap<Integer, List<CandidateBatch>> ready = new TreeMap<>();
        List<CandidateBatch> later = new ArrayList<>();
        for (CandidateBatch batch : batches.get()) {
            long readyAt = batch.watermark == Long.MAX_VALUE ? Long.MAX_VALUE : batch.watermark + 1;
            if (watermark >= readyAt) {
                ready.computeIfAbsent(batch.checkpoint, j -> new ArrayList<>()).add(batch);
            } else {
                later.add(batch);
            }
        }
        if (later.isEmpty()) {
            batches.clear();
        } else {
            batches.update(later);
        }
        for (List<CandidateBatch> version : ready.values()) {
            out.collect(choose(version));
        }
    }

    /** The capability's picks at one version, from every bucket's batch. */
    private CapabilityChoice choose(List<CandidateBatch> parts) {
        CandidateBatch first = parts.get(0);
        int slots = first.probeSlots;
        int floats = first.trajectoryFloats;
        long sampleCount = 0;
        long[] candidateCounts = new long[first.candidateCounts.length];
        List<int[]> entries = new ArrayList<>();
        for (int b = 0; b < parts.size(); b++) {
            sampleCount += parts.get(b).sampleCount;
            for (int c = 0; c < candidateCounts.length; c++) {
                candidateCounts[c] += parts.get(b).candidateCounts[c];
            }
            for (int n = 0; n < parts.get(b).ids.length; n++) {
                entries.add(new int[] {b, n});
            }
        }
        entries.sort(Comparator.comparingLong(e -> parts.get(e[0]).ids[e[1]]));
        long[] ids = new long[entries.size()];
        double[][] influence = new double[entries.size()][];
        double[] attributed = new double[entries.size()];
        CandidateBatch[] trajectoryOf = new CandidateBatch[entries.size()];
        int[] trajectoryAt = new int[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            CandidateBatch part = parts.get(entries.get(i)[0]);
            int n = entries.get(i)[1];
            ids[i] = part.ids[n];
            influence[i] = Arrays.copyOfRange(part.influence, n * slots, (n + 1) * slots);
            attributed[i] = part.attributed[n];
            trajectoryOf[i] = part;
            trajectoryAt[i] = n * floats;
        }
        long limit = WaterFill.limits(config.budget().resolve(sampleCount), candidateCounts)[first.capabilityIndex];
        DuplicateGuard guard = config.duplicateThreshold() >= 1 ? DuplicateGuard.disabled()
                // Trajectories are cut out of their batch only when the guard reads them (a few candidates per pick).
                : new DuplicateGuard(i -> Arrays.copyOfRange(trajectoryOf[i].trajectories, trajectoryAt[i], trajectoryAt[i] + floats),
                        first.trajectoryCheckpoints, config.duplicateThreshold());
        CapabilityPicks.Picks picks = CapabilityPicks.pick(config.withinCapability(), slots,
                CapabilityPicks.of(ids, influence, attributed), guard, WaterFill.reach(limit));

        CapabilityChoice choice = new CapabilityChoice();
        choice.runId = first.runId;
        choice.checkpoint = first.checkpoint;
        choice.capabilityId = first.capabilityId;
        choice.picks = Arrays.stream(picks.picks()).mapToLong(i -> ids[i]).toArray();
        choice.influence = Arrays.stream(picks.picks()).mapToDouble(i -> attributed[i]).toArray();
        choice.exhausted = picks.exhausted();
        choice.duplicates = Arrays.stream(picks.duplicates()).mapToLong(i -> ids[i]).toArray();
        choice.duplicateDepths = picks.duplicateDepths();
        return choice;
    }
}
