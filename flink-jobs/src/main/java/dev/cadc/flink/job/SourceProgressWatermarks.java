package dev.cadc.flink.job;

import dev.cadc.flink.records.KafkaRecord;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event time for the job's progress decisions (grace periods, waits for a run-start, the run TTL):
 * per Kafka partition (the Kafka source runs one generator per split), the largest record timestamp
 * seen, so a partition that lags behind holds the job's watermark back; a partition that has had
 * nothing to read for {@code idleMs} has caught up, and its watermark follows the wall clock minus
 * {@code idleMs}, so a live job whose trainer has paused still sees time pass.
 *
 * <p>Flink combines the partitions' watermarks by their minimum; records that arrive behind the
 * watermark are still processed (the job's functions never drop late records).
 */
public final class SourceProgressWatermarks implements WatermarkGenerator<KafkaRecord> {

    private final long idleMs;
    private final java.util.function.LongSupplier clock;
    private long maxTimestamp = Long.MIN_VALUE;
    private long lastActivity;
    private long emitted = Long.MIN_VALUE;

    SourceProgressWatermarks(long idleMs, java.util.function.LongSupplier clock) {
        this.idleMs = idleMs;
        this.clock = clock;
        this.lastActivity = clock.getAsLong();
    }

    /** The strategy for the sketches source: record timestamps, this generator. */
    public static WatermarkStrategy<KafkaRecord> strategy(long idleMs) {
        return WatermarkStrategy.<KafkaRecord>forGenerator(context -> new SourceProgressWatermarks(idleMs, System::currentTimeMillis))
                .withTimestampAssigner((record, previous) -> record.timestamp);
    }

    @Override
    public void onEvent(KafkaRecord record, long timestamp, WatermarkOutput output) {
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        lastActivity = clock.getAsLong();
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long now = clock.getAsLong();
        long candidate = maxTimestamp == Long.MIN_VALUE ? Long.MIN_VALUE : maxTimestamp - 1;
        if (now - lastActivity >= idleMs) {
            candidate = Math.max(candidate, now - idleMs);
        }
        if (candidate > emitted) {
            emitted = candidate;
            output.emitWatermark(new Watermark(candidate));
        }
    }
}
