package dev.cadc.core.run;

import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides when the checkpoints of one run are complete, in checkpoint order: the one implementation
 * of the closing rule (SPEC: "versioned"), over a {@link CheckpointLedger}.
 *
 * <p>Checkpoint j closes, after 0..j-1, when
 * <ul>
 *   <li>its checkpoint-complete record has come and every POOL and PROBE row it announced has been
 *       received, wherever (in whichever partition) the rows and the record travelled; or
 *   <li>its grace period has passed in <em>progress time</em> (a dead-lettered batch's rows can never
 *       arrive); the version built from it says it was short; or
 *   <li>the input ends (bounded mode).
 * </ul>
 * With TRAIN as influence source, window j (the steps after checkpoint j) is complete only when
 * checkpoint j + 1 is, so j closes only then (or at the end of input).
 *
 * <p>Progress time is whatever clock the caller trusts not to run ahead of the input: the job passes
 * the event-time watermark of its source (per partition, from record timestamps, so a lagging
 * partition holds it back and cannot make a checkpoint close short during replay or catch-up).
 */
public final class CheckpointTracker {

    /** One closed checkpoint: how many influence-source rows it forwarded, and whether rows were missing. */
    public record Closing(int checkpoint, long sourceRows, boolean isShort) {}

    /** {@code lastCheckpoint} of a run whose run-end record has not come. */
    public static final int NOT_ENDED = Integer.MAX_VALUE;

    /**
     * How far past the oldest open checkpoint a record may name one (rows, checkpoint-complete,
     * run-end). Closing is in order, one checkpoint at a time, so a record naming checkpoint 2^30 (one
     * flipped bit) would otherwise make the end of input close, and the job build a version for, every
     * checkpoint up to it, and a run-end naming it would open as many entries of state. A trainer is
     * never this far ahead of its oldest open checkpoint (that would be 1024 checkpoints published
     * while one still misses rows); such a record is INVALID_VALUE.
     */
    public static final int MAX_CHECKPOINTS_AHEAD = 1024;

    private final CheckpointLedger ledger;
    private final boolean trainSource;
    private final long graceMs;
    private final int lastCheckpoint;

    /**
     * @param trainSource whether the run's influence source is TRAIN (window j waits for checkpoint j + 1)
     * @param graceMs how long in progress time after a checkpoint-complete record missing rows are awaited
     * @param lastCheckpoint the last checkpoint named by the run's run-end record, or {@link #NOT_ENDED};
     *     nothing after it closes, and with TRAIN as source its window closes without a successor
     */
    public CheckpointTracker(CheckpointLedger ledger, boolean trainSource, long graceMs, int lastCheckpoint) {
        if (graceMs < 0) {
            throw new IllegalArgumentException("grace must be >= 0 ms, got " + graceMs);
        }
        this.ledger = ledger;
        this.trainSource = trainSource;
        this.graceMs = graceMs;
        this.lastCheckpoint = lastCheckpoint;
    }

    /** Whether every checkpoint up to the run-end's last one has closed. */
    public boolean allClosed() {
        return lastCheckpoint != NOT_ENDED && ledger.nextToClose() > lastCheckpoint;
    }

    /** Whether {@code checkpoint} has closed. */
    public boolean isClosed(int checkpoint) {
        return checkpoint < ledger.nextToClose();
    }

    /** Checkpoints below this one are closed. */
    public int nextToClose() {
        return ledger.nextToClose();
    }

    /**
     * Records a checkpoint-complete record that came at progress time {@code at}.
     *
     * @return the progress time at which the checkpoint closes short if its rows are still missing
     * @throws InvalidRecordException INVALID_VALUE when the checkpoint is already closed (a repeated record)
     *     or after the run's last checkpoint
     */
    public long announce(int checkpoint, long rows, long at) {
        requireNotAfterEnd(checkpoint);
        if (isClosed(checkpoint)) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE, "checkpoint-complete for checkpoint "
                    + checkpoint + ", which was already closed; a repeated record is ignored");
        }
        requireWithinReach(checkpoint);
        CheckpointProgress progress = progressOf(checkpoint);
        progress.announcedRows = rows;
        progress.graceDeadline = deadline(at);
        ledger.put(checkpoint, progress);
        return progress.graceDeadline;
    }

    /**
     * The run ended with {@code lastCheckpoint} at progress time {@code at}: a checkpoint up to it that
     * was never announced closes short after the grace period (its checkpoint-complete record was
     * lost or never sent).
     *
     * @return the progress time by which every checkpoint up to {@code lastCheckpoint} may close
     * @throws InvalidRecordException INVALID_VALUE when {@code lastCheckpoint} is out of reach
     *     ({@link #requireWithinReach})
     */
    public long end(int lastCheckpoint, long at) {
        requireWithinReach(lastCheckpoint);
        long deadline = deadline(at);
        for (int checkpoint = ledger.nextToClose(); checkpoint <= lastCheckpoint; checkpoint++) {
            CheckpointProgress progress = progressOf(checkpoint);
            if (progress.announcedRows < 0) {
                progress.announcedRows = Long.MAX_VALUE;
                progress.graceDeadline = deadline;
                ledger.put(checkpoint, progress);
            }
        }
        return deadline;
    }

    /**
     * Counts rows of a batch for {@code checkpoint}.
     *
     * @param scanRows POOL and PROBE rows (what checkpoint-complete counts)
     * @param sourceRows rows of the influence source
     * @throws InvalidRecordException INVALID_VALUE as {@link #requireCountable} says
     */
    public void count(int checkpoint, long scanRows, long sourceRows) {
        requireCountable(checkpoint);
        CheckpointProgress progress = progressOf(checkpoint);
        progress.receivedScanRows += scanRows;
        progress.sourceRows += sourceRows;
        ledger.put(checkpoint, progress);
    }

    /**
     * Whether a row (its role code and checkpoint) is an influence-source row of a run whose source is
     * {@code source}: the rows a checkpoint counts and forwards, and the only ones an accepted batch
     * must have of open checkpoints.
     */
    public static boolean isSourceRow(byte role, int checkpoint, Role source) {
        return role == source.code() && checkpoint >= 0;
    }

    /**
     * Counts the rows of one batch, given each row's role code ({@link Role#code()}) and checkpoint: POOL
     * and PROBE rows are what a checkpoint-complete announces; rows of the influence source
     * ({@code trainSource}: TRAIN, else POOL) at a checkpoint {@code >= 0} are what the checkpoint's
     * version folds. Every checkpoint is checked before any is counted, so a batch is counted whole or
     * rejected whole.
     *
     * @throws InvalidRecordException INVALID_VALUE as {@link #requireCountable} says
     */
    public void countBatch(byte[] roles, int[] checkpoints) {
        byte train = Role.TRAIN.code();
        Role source = trainSource ? Role.TRAIN : Role.POOL;
        Map<Integer, long[]> counts = new TreeMap<>();
        for (int row = 0; row < roles.length; row++) {
            boolean scan = roles[row] != train;
            boolean sourceRow = isSourceRow(roles[row], checkpoints[row], source);
            if (scan || sourceRow) {
                long[] count = counts.computeIfAbsent(checkpoints[row], c -> new long[2]);
                count[0] += scan ? 1 : 0;
                count[1] += sourceRow ? 1 : 0;
            }
        }
        for (int checkpoint : counts.keySet()) {
            requireCountable(checkpoint);
        }
        counts.forEach((checkpoint, count) -> count(checkpoint, count[0], count[1]));
    }

    /** A checkpoint closed, with what it had received when it closed. */
    public record Closed(Closing closing, CheckpointProgress progress) {}

    /** Closes checkpoints in order for as long as the next one is ready at {@code progressTime}. */
    public List<Closing> closeReady(long progressTime, boolean endOfInput) {
        return close(progressTime, endOfInput).stream().map(Closed::closing).toList();
    }

    /** {@link #closeReady}, each closing with its checkpoint's progress (for logs and metrics). */
    public List<Closed> close(long progressTime, boolean endOfInput) {
        List<Closed> closed = new ArrayList<>();
        int next = ledger.nextToClose();
        int highest = Math.min(ledger.highestOpen(), lastCheckpoint);
        while (next <= highest) {
            CheckpointProgress progress = progressOf(next);
            boolean closable = endOfInput || (progress.ready(progressTime)
                    && (!trainSource || next == lastCheckpoint || progressOf(next + 1).ready(progressTime)));
            if (!closable) {
                break;
            }
            closed.add(new Closed(new Closing(next, progress.sourceRows, progress.isShort()), progress));
            ledger.remove(next);
            next++;
        }
        ledger.setNextToClose(next);
        return closed;
    }

    /** Whether anything is still open (announced, counted or awaited). */
    public boolean hasOpenCheckpoints() {
        return ledger.highestOpen() >= ledger.nextToClose();
    }

    /**
     * Checks that rows of {@code checkpoint} can be counted now; a caller checks every checkpoint of a
     * batch first, so that a batch is rejected whole, before counting any.
     *
     * @throws InvalidRecordException INVALID_VALUE when the checkpoint is already closed, after the
     *     run's last checkpoint, or out of reach ({@link #requireWithinReach})
     */
    public void requireCountable(int checkpoint) {
        requireNotAfterEnd(checkpoint);
        if (isClosed(checkpoint)) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE, "rows of checkpoint " + checkpoint
                    + ", which was already closed (its grace period passed, or the input ended)");
        }
        requireWithinReach(checkpoint);
    }

    /**
     * @throws InvalidRecordException INVALID_VALUE when {@code checkpoint} is more than
     *     {@link #MAX_CHECKPOINTS_AHEAD} past the oldest open one
     */
    public void requireWithinReach(int checkpoint) {
        long next = ledger.nextToClose();
        if ((long) checkpoint - next >= MAX_CHECKPOINTS_AHEAD) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE, "checkpoint " + checkpoint + " is "
                    + ((long) checkpoint - next) + " checkpoints past the oldest open one (" + next + "); at most "
                    + (MAX_CHECKPOINTS_AHEAD - 1) + " are accepted (a corrupted checkpoint number?)");
        }
    }

    private void requireNotAfterEnd(int checkpoint) {
        if (checkpoint > lastCheckpoint) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE, "checkpoint " + checkpoint
                    + " comes after the run's last checkpoint " + lastCheckpoint + " (its run-end record)");
        }
    }

    private long deadline(long at) {
        if (graceMs >= Long.MAX_VALUE / 2 || at >= Long.MAX_VALUE - graceMs) {
            return Long.MAX_VALUE;
        }
        return at + graceMs;
    }

    private CheckpointProgress progressOf(int checkpoint) {
        CheckpointProgress existing = ledger.get(checkpoint);
        return existing == null ? new CheckpointProgress() : existing;
    }
}
