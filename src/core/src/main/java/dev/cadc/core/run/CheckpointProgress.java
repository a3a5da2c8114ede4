package dev.cadc.core.run;

/**
 * What is known of one open checkpoint of a run: the row count its checkpoint-complete record
 * announced (-1 until it comes), the POOL and PROBE rows received so far, the influence-source rows
 * forwarded, and the progress time after which it closes short. A plain mutable value with public
 * fields, so that the job keeps it in Flink state without Kryo.
 */
public class CheckpointProgress {
    /** POOL + PROBE rows announced by the checkpoint-complete record, or -1 before it. */
    public long announcedRows = -1;
    /** POOL + PROBE rows received. */
    public long receivedScanRows;
    /** Rows of the run's influence source (POOL or TRAIN) received for the checkpoint. */
    public long sourceRows;
    /** Progress time from which the checkpoint closes even if rows are missing; none until announced. */
    public long graceDeadline = Long.MAX_VALUE;

    public CheckpointProgress() {}

    /** Whether the checkpoint may close at {@code progressTime}: announced, and every row in or the grace passed. */
    public boolean ready(long progressTime) {
        return announcedRows >= 0 && (receivedScanRows >= announcedRows || progressTime >= graceDeadline);
    }

    /** Whether rows are missing: never announced, or fewer rows than announced. */
    public boolean isShort() {
        return announcedRows < 0 || receivedScanRows < announcedRows;
    }
}
