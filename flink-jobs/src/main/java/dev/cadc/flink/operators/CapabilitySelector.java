package dev.cadc.flink.operators;

import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.core.curriculum.WaterFill;
import dev.cadc.flink.records.CandidateBatch;
import dev.cadc.flink.records.CapabilityChoice;
import dev.cadc.flink.records.SampleBuckets;
import dev.cadc.flink.records.VersionPlan;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * One capability's selection, keyed by (run, capability): the capabilities of a run are selected on
 * different subtasks. At version j it gathers the capability's candidates from every sample bucket and,
 * once it has the batch of every bucket of the run (each answers every version, so it knows by their
 * count, {@link SampleBuckets#COUNT}), decides ({@link CapabilityDecision}: the core
 * {@code CapabilityPicks}, the same call the batch reference makes) up to twice the capability's limit
 * ({@link WaterFill#reach}), and sends the pick order to the run's assembler, which splits the budget
 * ({@link WaterFill.Split#of}). The limit is the capability's part of the budget split over every
 * capability's candidate count ({@link WaterFill#limits}); each bucket's batch carries its counts for
 * every capability, so the selector knows its limit from its own input, orders no further than its
 * reach, and needs nothing back from the assembler. Candidates are held only until their version is
 * decided; their trajectories apart from them, read one by one when the duplicate guard reaches them.
 */
public final class CapabilitySelector extends KeyedProcessFunction<String, CandidateBatch, CapabilityChoice> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CapabilitySelector.class);

    static final ListStateDescriptor<CandidateBatch> BATCHES =
            new ListStateDescriptor<>("candidate-batches", Types.POJO(CandidateBatch.class));

    /**
     * Each candidate's trajectory by (version, sample id), apart from its batch: a decision reads only
     * the trajectories its duplicate checks reach (a few per pick), so on RocksDB the others never come
     * onto the heap, where holding every candidate's {@code 4 J k} bytes at once used to set the job's heap.
     */
    static final MapStateDescriptor<Tuple2<Integer, Long>, float[]> TRAJECTORIES = new MapStateDescriptor<>("candidate-trajectories",
            Types.TUPLE(Types.INT, Types.LONG), dev.cadc.flink.records.BulkArrays.FLOATS);

    /** Batches received per version not decided yet (the list is read only once a version is complete). */
    static final MapStateDescriptor<Integer, Integer> RECEIVED = new MapStateDescriptor<>("batches-received", Types.INT, Types.INT);

    private final JobConfig jobConfig;

    private transient CuratorConfig config;

    private transient ListState<CandidateBatch> batches;
    private transient MapState<Integer, Integer> received;
    private transient MapState<Tuple2<Integer, Long>, float[]> trajectories;

    public CapabilitySelector(JobConfig jobConfig) {
        this.jobConfig = jobConfig;
    }

    @Override
    public void open(OpenContext openContext) {
        config = jobConfig.curatorConfig();
        batches = getRuntimeContext().getListState(BATCHES);
        received = getRuntimeContext().getMapState(RECEIVED);
        trajectories = getRuntimeContext().getMapState(TRAJECTORIES);
    }

    @Override
    public void processElement(CandidateBatch batch, Context ctx, Collector<CapabilityChoice> out) throws Exception {
        int floats = batch.trajectoryFloats;
        for (int n = 0; floats > 0 && n < batch.ids.length; n++) {
            trajectories.put(Tuple2.of(batch.checkpoint, batch.ids[n]), Arrays.copyOfRange(batch.trajectories, n * floats, (n + 1) * floats));
        }
        batch.trajectories = new float[0];
        batches.add(batch);
        ctx.timerService().registerEventTimeTimer(readyAt(batch));
        if (ListStates.countOne(received, batch.checkpoint) < SampleBuckets.COUNT) {
            return;
        }
        // Every bucket of the run has sent its batch of this version: decide it.
        received.remove(batch.checkpoint);
        List<CandidateBatch> version = ListStates.take(batches, held -> held.checkpoint == batch.checkpoint);
        out.collect(CapabilityDecision.choose(version, config, this::trajectoryOf));
        forgetTrajectories(version);
    }

    private void forgetTrajectories(List<CandidateBatch> parts) throws Exception {
        for (CandidateBatch part : parts) {
            if (part.trajectoryFloats > 0) {
                for (long id : part.ids) {
                    trajectories.remove(Tuple2.of(part.checkpoint, id));
                }
            }
        }
    }

    /**
     * A safety net, not the way versions are decided: once the watermark is past a version's closing,
     * every bucket that will answer it has, so a version still incomplete belongs to a run the TTL
     * released while it was on its way; its batches are dropped.
     */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<CapabilityChoice> out) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        List<CandidateBatch> dropped = ListStates.take(batches, held -> watermark >= readyAt(held));
        forgetTrajectories(dropped);
        for (int checkpoint : dropped.stream().mapToInt(part -> part.checkpoint).distinct().sorted().toArray()) {
            LOG.warn("{}: version {} dropped with {} of {} bucket batches (its run was released before every bucket answered)",
                    ctx.getCurrentKey().replace('\u0000', ' '), checkpoint, received.get(checkpoint), SampleBuckets.COUNT);
            received.remove(checkpoint);
        }
    }

    private static long readyAt(CandidateBatch batch) {
        return VersionPlan.readyAt(batch.watermark);
    }

    private float[] trajectoryOf(int checkpoint, long id) {
        try {
            return trajectories.get(Tuple2.of(checkpoint, id));
        } catch (Exception e) {
            throw new IllegalStateException("candidate " + id + ": its trajectory could not be read from state", e);
        }
    }
}
