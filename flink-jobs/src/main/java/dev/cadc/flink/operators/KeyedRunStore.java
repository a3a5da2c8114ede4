package dev.cadc.flink.operators;

import dev.cadc.core.format.RunStart;
import dev.cadc.core.run.CheckpointLedger;
import dev.cadc.core.run.CheckpointProgress;
import dev.cadc.core.run.RunGate;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.RunEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The core {@link RunGate}'s state of the current key (a run) in Flink keyed state. Records that came
 * before the run-start wait by arrival number and are taken one at a time: during a replay of a run
 * spread over partitions many batches can arrive before the run-start, and reading them all at once
 * ran a 1 GB heap out of memory on RocksDB.
 */
final class KeyedRunStore implements RunGate.Store<DecodedRecord> {

    static final MapStateDescriptor<Long, DecodedRecord> AWAITING =
            new MapStateDescriptor<>("awaiting-run-start-by-arrival", Types.LONG, Types.POJO(DecodedRecord.class));
    static final ValueStateDescriptor<Long> NEXT_ARRIVAL = new ValueStateDescriptor<>("awaiting-run-start-next", Types.LONG);

    private final ValueState<RunEvent> runStart;
    private final MapState<Integer, CheckpointProgress> progress;
    private final ValueState<Integer> nextToClose;
    private final ValueState<Integer> lastCheckpoint;
    private final ValueState<Long> idleDeadline;
    private final ValueState<Long> tombstoneUntil;
    private final MapState<Long, DecodedRecord> awaiting;
    private final ValueState<Long> nextArrival;

    KeyedRunStore(RuntimeContext context) {
        runStart = context.getState(new ValueStateDescriptor<>("run-start", Types.POJO(RunEvent.class)));
        progress = context.getMapState(new MapStateDescriptor<>("checkpoint-progress", Types.INT, Types.POJO(CheckpointProgress.class)));
        nextToClose = context.getState(new ValueStateDescriptor<>("next-to-close", Types.INT));
        lastCheckpoint = context.getState(new ValueStateDescriptor<>("last-checkpoint", Types.INT));
        idleDeadline = context.getState(new ValueStateDescriptor<>("idle-deadline", Types.LONG));
        tombstoneUntil = context.getState(new ValueStateDescriptor<>("tombstone-until", Types.LONG));
        awaiting = context.getMapState(AWAITING);
        nextArrival = context.getState(NEXT_ARRIVAL);
    }

    @Override
    public RunStart runStart() {
        RunEvent event = KeyedCheckpointLedger.unchecked(runStart::value);
        return event == null ? null : event.toRunStart();
    }

    @Override
    public void setRunStart(RunStart start) {
        update(runStart, RunEvent.runStart(start.runId(), start));
    }

    @Override
    public CheckpointLedger ledger() {
        return new KeyedCheckpointLedger(progress, nextToClose);
    }

    @Override
    public Integer lastCheckpoint() {
        return KeyedCheckpointLedger.unchecked(lastCheckpoint::value);
    }

    @Override
    public void setLastCheckpoint(int checkpoint) {
        update(lastCheckpoint, checkpoint);
    }

    @Override
    public Long idleDeadline() {
        return KeyedCheckpointLedger.unchecked(idleDeadline::value);
    }

    @Override
    public void setIdleDeadline(long deadline) {
        update(idleDeadline, deadline);
    }

    @Override
    public Long tombstoneUntil() {
        return KeyedCheckpointLedger.unchecked(tombstoneUntil::value);
    }

    @Override
    public void setTombstoneUntil(Long until) {
        if (until == null) {
            tombstoneUntil.clear();
        } else {
            update(tombstoneUntil, until);
        }
    }

    @Override
    public void await(DecodedRecord record) throws Exception {
        long arrival = nextArrival.value() == null ? 0 : nextArrival.value();
        awaiting.put(arrival, record);
        nextArrival.update(arrival + 1);
    }

    @Override
    public void takeAwaiting(LongPredicate isOver, RunGate.Action<DecodedRecord> action) throws Exception {
        List<Long> arrivals = new ArrayList<>();
        for (Map.Entry<Long, DecodedRecord> entry : awaiting.entries()) {
            if (isOver == null || isOver.test(entry.getValue().eventTime())) {
                arrivals.add(entry.getKey());
            }
        }
        arrivals.sort(null);
        for (long arrival : arrivals) {
            DecodedRecord record = awaiting.get(arrival);
            awaiting.remove(arrival);
            action.accept(record);
        }
        if (awaiting.isEmpty()) {
            nextArrival.clear();
        }
    }

    @Override
    public void clearRun() {
        runStart.clear();
        progress.clear();
        nextToClose.clear();
        lastCheckpoint.clear();
        idleDeadline.clear();
        awaiting.clear();
        nextArrival.clear();
    }

    private static <T> void update(ValueState<T> state, T value) {
        KeyedCheckpointLedger.unchecked(() -> {
            state.update(value);
            return null;
        });
    }
}
