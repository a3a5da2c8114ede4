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
 * <p>"Nothing to read" is measured on Flink's input activity clock, which stands still while the
 * source is back-pressured: a job busy folding a large version stops reading for a while, and on the
 * wall clock that pause looked like an idle partition, moved event time ahead of rows still in Kafka
 * and closed checkpoints short. Only a source that could read and found nothing is idle.
 *
 * <p>Flink combines the partitions' watermarks by their minimum; records that arrive behind the
 * watermark are still processed (the job's functions never drop late records).
 */
public final class SourceProgressWatermarks implements WatermarkGenerator<KafkaRecord> {

    private final long idleMs;
    private final java.util.function.LongSupplier activityClock;
    private final java.util.function.LongSupplier clock;
    private long maxTimestamp = Long.MIN_VALUE;
    private long lastActivity;
    private long emitted = Long.MIN_VALUE;

    /**
     * @param activityClock milliseconds that advance only while the source may read (not back-pressured)
     * @param clock the wall clock, for the watermark of an idle partition
     */
    SourceProgressWatermarks(long idleMs, java.util.function.LongSupplier activityClock, java.util.function.LongSupplier clock) {
        this.idleMs = idleMs;
        this.activityClock = activityClock;
        this.clock = clock;
        this.lastActivity = activityClock.getAsLong();
    }

    /** The strategy for the sketches source: record timestamps, this generator. */
    public static WatermarkStrategy<KafkaRecord> strategy(long idleMs) {
        return WatermarkStrategy.<KafkaRecord>forGenerator(context -> new SourceProgressWatermarks(idleMs,
                        context.getInputActivityClock()::relativeTimeMillis, System::currentTimeMillis))
                .withTimestampAssigner((record, previous) -> record.timestamp);
    }

    @Override
    public void onEvent(KafkaRecord record, long timestamp, WatermarkOutput output) {
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        lastActivity = activityClock.getAsLong();
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long candidate = maxTimestamp == Long.MIN_VALUE ? Long.MIN_VALUE : maxTimestamp - 1;
        if (activityClock.getAsLong() - lastActivity >= idleMs) {
            candidate = Math.max(candidate, clock.getAsLong() - idleMs);
        }
        if (candidate > emitted) {
            emitted = candidate;
            output.emitWatermark(new Watermark(candidate));
        }
    }
}
