package dev.cadc.flink.job;

import dev.cadc.flink.records.KafkaRecord;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event time for the job's progress decisions (grace periods, waits for a run-start, the run TTL, and
 * when a version is complete): per Kafka partition (the Kafka source runs one generator per split), the
 * largest record timestamp seen, so a partition that lags behind holds the job's watermark back.
 *
 * <p>Idleness, so that time still passes when nothing comes:
 * <ul>
 *   <li>when the whole source reader (all of its partitions) has had nothing to read for
 *       {@code idleMs}, the trainer may have paused: event time goes on from the newest record the
 *       reader has seen, as fast as the clock, {@code idleMs} behind: its partitions' watermarks are
 *       that record's timestamp plus the time since it came, minus {@code idleMs}. For a live trainer
 *       that pauses this is the wall clock minus {@code idleMs} (its records were stamped as they were
 *       sent). For a reader that stalls during a replay or catch-up (a slow broker, a starved fetcher:
 *       not back-pressure, which stops the activity clock), event time moves on only by the length of
 *       the stall, not to the present: a checkpoint whose rows are still to be read closes short only
 *       if the stall outlasts its grace period. (Following the wall clock from the first idle moment
 *       did close checkpoints short in a replay on a loaded machine.)
 *   <li>a partition that has never had a record (nobody writes to it) does not hold the others back:
 *       it follows the newest record the reader has seen.
 * </ul>
 * A partition that has had records keeps its own progress while the reader reads others: it may be
 * starved by the fetcher (large records, a loaded machine) with rows still unread, and moving its
 * watermark on would make those rows late and close their checkpoint short. "Nothing to read" is
 * measured on Flink's input activity clock, which stands still while the source is back-pressured (a
 * job busy folding a version stops reading; that is not a paused trainer).
 *
 * <p>Flink combines the partitions' watermarks by their minimum; records that arrive behind the
 * watermark are still processed (the job's functions never drop late records).
 */
public final class SourceProgressWatermarks implements WatermarkGenerator<KafkaRecord> {

    /** What the generators of one source reader share: the newest record and the last activity of any partition. */
    static final class ReaderProgress {
        private long maxTimestamp = Long.MIN_VALUE;
        private long lastActivity;

        ReaderProgress(long now) {
            this.lastActivity = now;
        }

        synchronized void record(long timestamp, long now) {
            maxTimestamp = Math.max(maxTimestamp, timestamp);
            lastActivity = now;
        }

        synchronized long maxTimestamp() {
            return maxTimestamp;
        }

        synchronized long lastActivity() {
            return lastActivity;
        }
    }

    private static final java.util.Map<Object, ReaderProgress> READERS =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private final long idleMs;
    private final java.util.function.LongSupplier activityClock;
    private final java.util.function.LongSupplier clock;
    private final ReaderProgress reader;
    private long maxTimestamp = Long.MIN_VALUE;
    private long emitted = Long.MIN_VALUE;

    /**
     * @param activityClock milliseconds that advance only while the source may read (not back-pressured)
     * @param clock the wall clock, for the watermark of an idle reader that has seen no record yet
     * @param reader shared by the generators of one source reader
     */
    SourceProgressWatermarks(long idleMs, java.util.function.LongSupplier activityClock, java.util.function.LongSupplier clock,
            ReaderProgress reader) {
        this.idleMs = idleMs;
        this.activityClock = activityClock;
        this.clock = clock;
        this.reader = reader;
    }

    /** The strategy for the sketches source: record timestamps, this generator. */
    public static WatermarkStrategy<KafkaRecord> strategy(long idleMs) {
        return WatermarkStrategy.<KafkaRecord>forGenerator(context -> {
            java.util.function.LongSupplier activity = context.getInputActivityClock()::relativeTimeMillis;
            // One context per source operator: every split's generator of a reader gets the same one.
            ReaderProgress reader = READERS.computeIfAbsent(context, c -> new ReaderProgress(activity.getAsLong()));
            return new SourceProgressWatermarks(idleMs, activity, System::currentTimeMillis, reader);
        }).withTimestampAssigner((record, previous) -> record.timestamp);
    }

    @Override
    public void onEvent(KafkaRecord record, long timestamp, WatermarkOutput output) {
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        reader.record(timestamp, activityClock.getAsLong());
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long candidate = maxTimestamp == Long.MIN_VALUE ? Long.MIN_VALUE : maxTimestamp - 1;
        long readerMax = reader.maxTimestamp();
        if (maxTimestamp == Long.MIN_VALUE && readerMax != Long.MIN_VALUE) {
            candidate = readerMax - 1;
        }
        long idleFor = activityClock.getAsLong() - reader.lastActivity();
        if (idleFor >= idleMs) {
            long since = readerMax == Long.MIN_VALUE ? clock.getAsLong() : dev.cadc.core.math.LongMath.saturatedAdd(readerMax, idleFor);
            candidate = Math.max(candidate, since - idleMs);
        }
        if (candidate > emitted) {
            emitted = candidate;
            output.emitWatermark(new Watermark(candidate));
        }
    }

}
