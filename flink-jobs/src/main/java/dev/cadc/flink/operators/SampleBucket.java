package dev.cadc.flink.operators;

import dev.cadc.core.influence.ProbeCheckpoint;
import dev.cadc.core.influence.SampleCheckpoint;
import dev.cadc.flink.operators.SampleInfluence.SampleState;
import dev.cadc.flink.records.Contribution;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.RecordVerdict;
import dev.cadc.flink.records.RowParcel;
import dev.cadc.flink.records.VersionPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * One sample bucket's keyed state (the current key of {@link SampleInfluence}) and what is done to it:
 * parcels of rows waiting for their record's verdict and verdicts waiting for their parcel, rows waiting
 * for their version's fold, the newest checkpoint whose closing marker is in, the plans not yet used,
 * the samples' influence rows and trajectory parts, and the run's release.
 *
 * <p>A parcel and its verdict meet here in either order (they travel on different channels: the
 * decoder's and the validator's). Accepted, the parcel's rows of the run's influence source join the
 * rows waiting for their fold; refused, they are dropped and, on the record's home parcel, its dead
 * letter is written. A version folds only once its marker is in and no accepted record with rows of its
 * checkpoint or an older one still misses its parcel: the verdicts came before the marker on the
 * validator's channel, so that is every row of the checkpoint. The run's release clears the bucket's
 * samples, rows and plans but not unmet parcels and verdicts: each still meets its other half, which
 * then finds nothing to join (pitfall 5 in docs/job.md).
 */
final class SampleBucket {

    /**
     * The bucket's rows not folded yet, in {@value #ROW_SLOTS} lists by checkpoint modulo
     * {@value #ROW_SLOTS}: a fold reads only its own checkpoint's list and clears it, instead of reading
     * and rewriting every waiting row (on RocksDB each read deserialises the whole list). Rows of another
     * checkpoint share a list only when {@value #ROW_SLOTS} or more checkpoints are open at once; the
     * fold then keeps them.
     */
    static final int ROW_SLOTS = 4;

    static final List<ListStateDescriptor<Contribution>> ROWS = IntStream.range(0, ROW_SLOTS)
            .mapToObj(slot -> new ListStateDescriptor<>("rows-not-folded-" + slot, Types.POJO(Contribution.class)))
            .toList();

    /** The newest checkpoint whose closing marker is here and whose version is not folded yet. */
    static final ValueStateDescriptor<Integer> CLOSED_THROUGH = new ValueStateDescriptor<>("closed-through", Types.INT);

    /** The bucket's samples by id. */
    static final MapStateDescriptor<Long, SampleState> SAMPLES =
            new MapStateDescriptor<>("samples", Types.LONG, Types.POJO(SampleState.class));

    /** Parcels whose record's verdict has not come, by record key. */
    static final MapStateDescriptor<String, RowParcel> PARCELS =
            new MapStateDescriptor<>("parcels-awaiting-verdict", Types.STRING, Types.POJO(RowParcel.class));

    /** Verdicts whose parcel has not come, by record key. */
    static final MapStateDescriptor<String, RecordVerdict> VERDICTS =
            new MapStateDescriptor<>("verdicts-awaiting-parcel", Types.STRING, Types.POJO(RecordVerdict.class));

    private final List<ListState<Contribution>> rows;
    private final MapState<String, RowParcel> parcels;
    private final MapState<String, RecordVerdict> verdicts;
    private final MapState<Long, SampleState> samples;
    private final PendingVersions plans;
    private final ValueState<long[]> probeIds;
    private final ValueState<Integer> releaseAfter;
    private final ValueState<Integer> closedThrough;

    SampleBucket(RuntimeContext context) {
        rows = ROWS.stream().map(context::getListState).toList();
        parcels = context.getMapState(PARCELS);
        verdicts = context.getMapState(VERDICTS);
        samples = context.getMapState(SAMPLES);
        plans = new PendingVersions(context.getMapState(PendingVersions.PLANS));
        probeIds = context.getState(new ValueStateDescriptor<>("probe-ids", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        releaseAfter = context.getState(new ValueStateDescriptor<>("release-after-version", Types.INT));
        closedThrough = context.getState(CLOSED_THROUGH);
    }

    /**
     * What a parcel or a verdict came to: how many rows it added to the waiting ones, and whether it
     * met an accepted verdict that was holding back folds (so a fold may be ready now).
     */
    record Arrival(int rows, boolean unblocked) {
        static final Arrival NOTHING = new Arrival(0, false);
    }

    /**
     * A parcel came: it meets its verdict if that is here, else waits for it. Rows of a run the TTL
     * released ({@code released}) are dropped even when accepted: nothing of the run folds any more.
     */
    Arrival arrived(RowParcel parcel, boolean released, Consumer<OutputRecord> deadLetters) throws Exception {
        RecordVerdict verdict = verdicts.get(parcel.recordKey);
        if (verdict == null) {
            parcels.put(parcel.recordKey, parcel);
            return Arrival.NOTHING;
        }
        verdicts.remove(parcel.recordKey);
        return new Arrival(meet(parcel, verdict, released, deadLetters), verdict.isAccepted());
    }

    /** A verdict came: it meets its parcel if that is here, else waits for it. */
    Arrival arrived(RecordVerdict verdict, boolean released, Consumer<OutputRecord> deadLetters) throws Exception {
        RowParcel parcel = parcels.get(verdict.recordKey);
        if (parcel == null) {
            verdicts.put(verdict.recordKey, verdict);
            return Arrival.NOTHING;
        }
        parcels.remove(verdict.recordKey);
        return new Arrival(meet(parcel, verdict, released, deadLetters), false);
    }

    /** Joins a parcel's counting rows to the waiting ones, or writes the refused record's dead letter; returns the rows joined. */
    private int meet(RowParcel parcel, RecordVerdict verdict, boolean released, Consumer<OutputRecord> deadLetters) throws Exception {
        if (!verdict.isAccepted()) {
            if (parcel.source != null) {
                deadLetters.accept(OutputRecord.deadLetter(parcel.source, verdict.fault()));
            }
            return 0;
        }
        if (released) {
            return 0;
        }
        List<Contribution> counting = parcel.rows(verdict.sourceRole);
        for (Contribution row : counting) {
            rowsOf(row.checkpoint).add(row);
        }
        return counting.size();
    }

    /** Whether an accepted record with rows of {@code checkpoint} or older still misses its parcel here. */
    private boolean missesRowsThrough(int checkpoint) throws Exception {
        if (verdicts.isEmpty()) {
            return false;
        }
        for (RecordVerdict verdict : verdicts.values()) {
            if (verdict.isAccepted() && verdict.firstCheckpoint <= checkpoint) {
                return true;
            }
        }
        return false;
    }

    /** Checkpoint {@code checkpoint}'s closing marker is in: markers come in checkpoint order, so it covers the older ones. */
    void closedThrough(int checkpoint) throws Exception {
        closedThrough.update(checkpoint);
    }

    void add(VersionPlan plan) throws Exception {
        plans.add(plan);
    }

    /** The run ended after {@code checkpoint}: once no plan is pending, the bucket keeps nothing. */
    void releaseAfter(int checkpoint) throws Exception {
        releaseAfter.update(checkpoint);
    }

    /**
     * The plan of the oldest version whose closing marker is here and whose accepted records' parcels
     * are all here (so every row of its checkpoint is here), or null.
     */
    VersionPlan nextClosed() throws Exception {
        Integer closed = closedThrough.value();
        VersionPlan plan = closed == null ? null : plans.first();
        return plan != null && plan.checkpoint <= closed && !missesRowsThrough(plan.checkpoint) ? plan : null;
    }

    /** A fold's outcome: the folded samples' new states by id, and how many waiting rows it used. */
    record Folded(Map<Long, SampleState> states, int rows) {}

    /** Folds {@code plan}'s checkpoint into the bucket's samples ({@link BucketFold}) and uses up the plan. */
    Folded fold(VersionPlan plan, ProbeCheckpoint probes) throws Exception {
        plans.remove(plan);
        if (Integer.valueOf(plan.checkpoint).equals(closedThrough.value())) {
            closedThrough.clear();
        }
        List<Contribution> later = new ArrayList<>();
        ListState<Contribution> slot = rowsOf(plan.checkpoint);
        TreeMap<Long, List<SampleCheckpoint.RowContribution>> bySample = BucketFold.rowsOf(plan.checkpoint, slot.get(), later);
        if (bySample.isEmpty() && samples.isEmpty()) {
            return new Folded(Map.of(), 0); // a bucket without samples keeps nothing
        }
        BucketFold.alignProbes(samples, probeIds.value(), plan.probeIds);
        probeIds.update(plan.probeIds);
        if (bySample.isEmpty()) {
            return new Folded(Map.of(), 0);
        }
        if (later.isEmpty()) {
            slot.clear();
        } else {
            slot.update(later);
        }
        int folded = bySample.values().stream().mapToInt(List::size).sum();
        return new Folded(BucketFold.fold(samples, bySample, probes, plan), folded);
    }

    /** The bucket's sample ids, ascending. */
    long[] sampleIds() throws Exception {
        List<Long> ids = new ArrayList<>();
        for (Long id : samples.keys()) {
            ids.add(id);
        }
        return ids.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** The states of {@code ids}: from {@code folded} where there, else from state. */
    SampleState[] states(long[] ids, Map<Long, SampleState> folded) throws Exception {
        SampleState[] states = new SampleState[ids.length];
        for (int i = 0; i < ids.length; i++) {
            SampleState state = folded.get(ids[i]);
            states[i] = state != null ? state : samples.get(ids[i]);
        }
        return states;
    }

    /**
     * After the run-end's last version is folded and sent, nothing of the bucket is kept. The release
     * copy comes after the copies of every plan up to the last (one channel, in order), so once it is
     * here and no plan is pending, every version has been sent. Returns whether it released.
     */
    boolean releaseIfDone() throws Exception {
        if (releaseAfter.value() != null && plans.isEmpty()) {
            clear();
            return true;
        }
        return false;
    }

    /** Clears everything of the bucket but unmet parcels and verdicts (see the class comment). */
    void clear() {
        rows.forEach(ListState::clear);
        samples.clear();
        plans.clear();
        probeIds.clear();
        releaseAfter.clear();
        closedThrough.clear();
    }

    /** The list of waiting rows that holds checkpoint {@code checkpoint}'s. */
    private ListState<Contribution> rowsOf(int checkpoint) {
        return rows.get(Math.floorMod(checkpoint, ROW_SLOTS));
    }
}
