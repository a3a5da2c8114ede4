package dev.cadc.flink.operators;

import dev.cadc.core.run.RunLifecycle;
import dev.cadc.flink.records.DecodedRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimerService;

/**
 * The records of a run that came before its run-start, in keyed state, each with an event-time timer
 * at the end of its wait ({@link RunLifecycle#waitEnds}). The validator takes them all when the
 * run-start comes, or those whose wait is over at a watermark.
 */
final class AwaitingRunStart {

    static final ListStateDescriptor<DecodedRecord> RECORDS =
            new ListStateDescriptor<>("awaiting-run-start", Types.POJO(DecodedRecord.class));

    private final ListState<DecodedRecord> records;
    private final RunLifecycle lifecycle;

    AwaitingRunStart(ListState<DecodedRecord> records, RunLifecycle lifecycle) {
        this.records = records;
        this.lifecycle = lifecycle;
    }

    void add(DecodedRecord record, long eventTime, TimerService timers) throws Exception {
        records.add(record);
        timers.registerEventTimeTimer(lifecycle.waitEnds(eventTime));
    }

    /** Removes and returns every waiting record, in arrival order. */
    List<DecodedRecord> takeAll() throws Exception {
        List<DecodedRecord> waiting = new ArrayList<>();
        records.get().forEach(waiting::add);
        records.clear();
        return waiting;
    }

    /** Hands {@code expired} each record whose wait is over at {@code watermark}, and keeps the others. */
    void expire(long watermark, Consumer<DecodedRecord> expired) throws Exception {
        List<DecodedRecord> still = new ArrayList<>();
        boolean any = false;
        for (DecodedRecord record : records.get()) {
            if (lifecycle.waitIsOver(record.source.timestamp, watermark)) {
                any = true;
                expired.accept(record);
            } else {
                still.add(record);
            }
        }
        if (any) {
            records.update(still);
        }
    }

    void clear() {
        records.clear();
    }
}
