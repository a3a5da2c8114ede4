package dev.cadc.core.run;

import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.math.LongMath;

/**
 * When a run's state comes and goes, in event time (the job's validator applies these rules; the
 * batch reference reads a finished file and has no lifecycle):
 *
 * <ul>
 *   <li>a record that comes before its run's run-start (it may travel in another partition) waits up to
 *       the grace period after its own timestamp, then is a NO_RUN_START dead letter;
 *   <li>a started run idle longer than the run TTL (no record for that long past the newer of its last
 *       record and the watermark) is released terminally;
 *   <li>a released run leaves a tombstone for one TTL (until the end of input when released by it), so
 *       its later records are RUN_ENDED dead letters, and is then forgotten.
 * </ul>
 *
 * A TTL of {@code Long.MAX_VALUE / 2} or more means "never idle".
 */
public final class RunLifecycle {

    private final long graceMs;
    private final long runTtlMs;

    /**
     * @param graceMs how long (event time) a record waits for its run-start
     * @param runTtlMs how long (event time) a run may stay idle before it is released
     */
    public RunLifecycle(long graceMs, long runTtlMs) {
        this.graceMs = graceMs;
        this.runTtlMs = runTtlMs;
    }

    public long graceMs() {
        return graceMs;
    }

    public long runTtlMs() {
        return runTtlMs;
    }

    /** The watermark at which a record of event time {@code timestamp} stops waiting for its run-start. */
    public long waitEnds(long timestamp) {
        return LongMath.saturatedAdd(timestamp, graceMs);
    }

    /** Whether a record of event time {@code timestamp} has waited for its run-start long enough at {@code watermark}. */
    public boolean waitIsOver(long timestamp, long watermark) {
        return waitEnds(timestamp) <= watermark;
    }

    /** Whether runs can be idle at all (a TTL below {@code Long.MAX_VALUE / 2}). */
    public boolean expiresIdleRuns() {
        return runTtlMs < Long.MAX_VALUE / 2;
    }

    /**
     * The idle deadline after a record of event time {@code eventTime} at {@code watermark}, or
     * {@code current} when that is later: a deadline only moves forward.
     *
     * @param current the run's deadline so far, or {@code null}
     */
    public long idleDeadline(Long current, long eventTime, long watermark) {
        long deadline = LongMath.saturatedAdd(Math.max(eventTime, watermark), runTtlMs);
        return current == null ? deadline : Math.max(current, deadline);
    }

    /** Whether a run with idle deadline {@code deadline} ({@code null}: none) is idle too long at {@code watermark}. */
    public boolean idleExpired(Long deadline, long watermark) {
        return watermark != Long.MAX_VALUE && deadline != null && watermark >= deadline;
    }

    /** Until which watermark a run released at {@code watermark} keeps its tombstone. */
    public long tombstoneUntil(long watermark) {
        return watermark == Long.MAX_VALUE ? Long.MAX_VALUE : LongMath.saturatedAdd(Math.max(watermark, 0), runTtlMs);
    }

    /** The dead-letter reason of a record of a released run. */
    public static InvalidRecordException runEnded(String runId) {
        return new InvalidRecordException(ReasonCode.RUN_ENDED, "run " + runId
                + " was released (after its run-end record, or idle longer than the run TTL); use a new run id");
    }

    /** The dead-letter reason of a record whose run-start did not come within the grace period. */
    public InvalidRecordException noRunStart(String runId) {
        return new InvalidRecordException(ReasonCode.NO_RUN_START, "run " + runId
                + " has no run-start record within the grace period (" + graceMs
                + " ms of event time) after this record; publish run-start first (SketchPublisher.startRun)");
    }

}
