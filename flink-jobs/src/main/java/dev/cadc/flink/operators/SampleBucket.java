package dev.cadc.flink.operators;

import dev.cadc.core.format.Role;
import dev.cadc.core.run.CheckpointTracker;
import dev.cadc.core.influence.ProbeCheckpoint;
import dev.cadc.core.influence.SampleCheckpoint;
import dev.cadc.flink.records.Contribution;
import dev.cadc.flink.records.RecordVerdict;
import dev.cadc.flink.records.RowParcel;
import dev.cadc.flink.records.SampleBuckets;
import dev.cadc.flink.records.SampleState;
import dev.cadc.flink.records.VersionPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
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
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;

/**
 * One sample bucket's keyed state (the current key of {@link SampleInfluence}) and what is done to it:
 * rows waiting for their version's fold, records whose rows came before their verdict, verdicts whose
 * rows have not come, the newest checkpoint whose closing marker is in, the plans not yet used, the
 * samples' influence rows and trajectory parts, and the run's release.
 *
 * <p>A parcel of rows and its record's verdict meet here in either order (they travel on different
 * channels: the decoder's and the validator's). Rows that come first join the waiting rows at once,
 * marked by their record, and the record is noted as unjudged: written once, as before the bypass (on
 * RocksDB a row is the largest thing a bucket writes). Its verdict then only removes the note
 * (accepted) or the rows (refused, rare). A verdict that comes first waits for its parcel.
 *
 * <p>A version folds once its marker is in and no accepted record with influence-source rows of its
 * checkpoint or an older one still misses its parcel: those verdicts came before the marker on the
 * validator's channel, so that is every row of the checkpoint that counts. The fold counts a row only
 * if its record is judged and its role is the run's influence source (the plan says which); it drops
 * rows of the other role and of checkpoints already folded, and leaves unjudged rows of its checkpoint
 * for their refusal (every record accepted with influence-source rows of j was judged before j's
 * marker). The run's release clears the bucket's samples, rows and plans but not unjudged notes or
 * waiting verdicts: each still meets its other half, which then finds nothing to join (docs/job.md,
 * "Why rows may bypass the validator").
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

    /** Records whose rows are here (with the waiting rows) and whose verdict has not come, by record key. */
    static final MapStateDescriptor<String, Boolean> UNJUDGED =
            new MapStateDescriptor<>("records-awaiting-verdict", Types.STRING, Types.BOOLEAN);

    /** Verdicts whose parcel has not come, by record key. */
    static final MapStateDescriptor<String, RecordVerdict> VERDICTS =
            new MapStateDescriptor<>("verdicts-awaiting-parcel", Types.STRING, Types.POJO(RecordVerdict.class));

    private final List<ListState<Contribution>> rows;
    private final MapState<String, Boolean> unjudged;
    private final MapState<String, RecordVerdict> verdicts;
    private final MapState<Long, SampleState> samples;
    private final PendingVersions plans;
    private final ValueState<long[]> probeIds;
    private final ValueState<Integer> releaseAfter;
    private final ValueState<Integer> closedThrough;

    SampleBucket(RuntimeContext context) {
        rows = ROWS.stream().map(context::getListState).toList();
        unjudged = context.getMapState(UNJUDGED);
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
     * A parcel came: its rows join the waiting ones, judged already if its verdict is here (accepted:
     * the rows of the run's influence source; refused: none), else marked unjudged. Rows of a run the
     * TTL released ({@code released}) are dropped: nothing of the run folds any more.
     */
    Arrival arrived(RowParcel parcel, boolean released) throws Exception {
        RecordVerdict verdict = verdicts.get(parcel.recordKey);
        if (verdict == null) {
            unjudged.put(parcel.recordKey, Boolean.TRUE);
            return new Arrival(released ? 0 : join(parcel.rows(null)), false);
        }
        verdicts.remove(parcel.recordKey);
        if (!verdict.isAccepted() || released) {
            return new Arrival(0, verdict.isAccepted());
        }
        return new Arrival(join(parcel.rows(verdict.sourceRole)), true);
    }

    /** A verdict came: it judges its record's rows if they are here, else waits for them. */
    Arrival arrived(RecordVerdict verdict) throws Exception {
        if (!unjudged.contains(verdict.recordKey)) {
            verdicts.put(verdict.recordKey, verdict);
            return Arrival.NOTHING;
        }
        unjudged.remove(verdict.recordKey);
        if (verdict.isAccepted()) {
            return Arrival.NOTHING;
        }
        int dropped = 0;
        for (ListState<Contribution> slot : rows) {
            dropped += ListStates.take(slot, row -> verdict.recordKey.equals(row.recordKey)).size();
        }
        return new Arrival(-dropped, false);
    }

    private int join(List<Contribution> counting) throws Exception {
        for (Contribution row : counting) {
            rowsOf(row.checkpoint).add(row);
        }
        return counting.size();
    }

    /** Whether an accepted record with influence-source rows of {@code checkpoint} or older still misses its parcel here. */
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

    /** A fold's outcome: the folded samples' new states by id, and how many waiting rows it used up. */
    record Folded(Map<Long, SampleState> states, int rows) {}

    /**
     * Folds {@code plan}'s checkpoint into the bucket's samples ({@link BucketFold}) and uses up the
     * plan. Of the checkpoint's waiting rows it counts those of judged records and the run's influence
     * source, drops those of the other role and keeps those of unjudged records (their refusal takes them).
     */
    Folded fold(VersionPlan plan, ProbeCheckpoint probes) throws Exception {
        plans.remove(plan);
        if (Integer.valueOf(plan.checkpoint).equals(closedThrough.value())) {
            closedThrough.clear();
        }
        ListState<Contribution> slot = rowsOf(plan.checkpoint);
        Set<String> waiting = new HashSet<>();
        if (!unjudged.isEmpty()) {
            unjudged.keys().forEach(waiting::add);
        }
        Role source = plan.trainSource ? Role.TRAIN : Role.POOL;
        List<Contribution> counting = new ArrayList<>();
        List<Contribution> later = new ArrayList<>();
        int dropped = 0;
        Iterable<Contribution> held = slot.get();
        for (Contribution row : held == null ? List.<Contribution>of() : held) {
            if (row.checkpoint < plan.checkpoint) {
                dropped++; // can never count: its checkpoint is folded (a row of the other role, or of a record to be refused)
            } else if (row.checkpoint != plan.checkpoint || waiting.contains(row.recordKey)) {
                later.add(row);
            } else if (CheckpointTracker.isSourceRow(row.role, row.checkpoint, source)) {
                counting.add(row);
            } else {
                dropped++;
            }
        }
        if (counting.isEmpty() && samples.isEmpty()) {
            clearUsed(slot, later, dropped);
            return new Folded(Map.of(), dropped); // a bucket without samples keeps nothing
        }
        TreeMap<Long, List<SampleCheckpoint.RowContribution>> bySample = BucketFold.rowsOf(plan.checkpoint, counting, later);
        BucketFold.alignProbes(samples, probeIds.value(), plan.probeIds);
        probeIds.update(plan.probeIds);
        clearUsed(slot, later, dropped + counting.size());
        if (bySample.isEmpty()) {
            return new Folded(Map.of(), dropped);
        }
        return new Folded(BucketFold.fold(samples, bySample, probes, plan), dropped + counting.size());
    }

    /** Leaves only {@code later} in {@code slot}, written only when {@code used} rows went. */
    private static void clearUsed(ListState<Contribution> slot, List<Contribution> later, int used) throws Exception {
        if (used == 0) {
            return;
        }
        if (later.isEmpty()) {
            slot.clear();
        } else {
            slot.update(later);
        }
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

    /**
     * A run the TTL released (its notice is in): rows and markers of the run that reached a bucket on
     * this subtask after its release copy go too.
     */
    static void dropReleased(String runId, KeyedBroadcastProcessFunction<String, ?, ?, ?>.Context ctx) throws Exception {
        for (ListStateDescriptor<Contribution> slot : ROWS) {
            ctx.applyToKeyedState(slot, (key, state) -> ListStates.take(state, row -> row.runId.equals(runId)));
        }
        Set<String> runKeys = IntStream.range(0, SampleBuckets.COUNT).mapToObj(b -> SampleBuckets.key(runId, b)).collect(Collectors.toSet());
        ctx.applyToKeyedState(CLOSED_THROUGH, (key, state) -> {
            if (runKeys.contains(key)) {
                state.clear();
            }
        });
    }

    /** Clears everything of the bucket but unjudged notes and waiting verdicts (see the class comment). */
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
