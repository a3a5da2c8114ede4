package dev.cadc.flink.operators;

import dev.cadc.core.run.RunLifecycle;
import dev.cadc.flink.records.DecodedRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimerService;

/**
 * The records of a run that came before its run-start, in keyed state by arrival number, each with an
 * event-time timer at the end of its wait ({@link RunLifecycle#waitEnds}). The validator takes them all
 * when the run-start comes, or those whose wait is over at a watermark, in arrival order and one at a
 * time: during a replay of a run spread over partitions, many batches can arrive before the run-start,
 * and reading them all at once ran a 1 GB heap out of memory on RocksDB.
 */
final class AwaitingRunStart {

    static final MapStateDescriptor<Long, DecodedRecord> RECORDS =
            new MapStateDescriptor<>("awaiting-run-start-by-arrival", Types.LONG, Types.POJO(DecodedRecord.class));
    static final ValueStateDescriptor<Long> NEXT = new ValueStateDescriptor<>("awaiting-run-start-next", Types.LONG);

    /** What is done with a record taken out. */
    @FunctionalInterface
    interface Action {
        void accept(DecodedRecord record) throws Exception;
    }

    private final MapState<Long, DecodedRecord> records;
    private final ValueState<Long> next;
    private final RunLifecycle lifecycle;

    AwaitingRunStart(MapState<Long, DecodedRecord> records, ValueState<Long> next, RunLifecycle lifecycle) {
        this.records = records;
        this.next = next;
        this.lifecycle = lifecycle;
    }

    void add(DecodedRecord record, long eventTime, TimerService timers) throws Exception {
        long arrival = next.value() == null ? 0 : next.value();
        records.put(arrival, record);
        next.update(arrival + 1);
        timers.registerEventTimeTimer(lifecycle.waitEnds(eventTime));
    }

    /** Removes every waiting record and hands it to {@code action}, in arrival order. */
    void takeAll(Action action) throws Exception {
        List<Long> arrivals = new ArrayList<>();
        for (Long arrival : records.keys()) {
            arrivals.add(arrival);
        }
        take(arrivals, action);
        next.clear();
    }

    /** Removes each record whose wait is over at {@code watermark} and hands it to {@code expired}, in arrival order. */
    void expire(long watermark, Action expired) throws Exception {
        List<Long> over = new ArrayList<>();
        for (Map.Entry<Long, DecodedRecord> entry : records.entries()) {
            if (lifecycle.waitIsOver(entry.getValue().source.timestamp, watermark)) {
                over.add(entry.getKey());
            }
        }
        take(over, expired);
        if (records.isEmpty()) {
            next.clear();
        }
    }

    private void take(List<Long> arrivals, Action action) throws Exception {
        arrivals.sort(null);
        for (long arrival : arrivals) {
            DecodedRecord record = records.get(arrival);
            records.remove(arrival);
            action.accept(record);
        }
    }

    void clear() {
        records.clear();
        next.clear();
    }
}
