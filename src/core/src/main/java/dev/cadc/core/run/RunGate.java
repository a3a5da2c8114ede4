package dev.cadc.core.run;

import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunEnd;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.sketch.ProjectionSpec;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission rules of one run, record by record and in progress time: the one place that decides
 * which of a run's records count, when its checkpoints close and when its state is released. The job's
 * {@code SketchValidator} drives it with Flink keyed state and event-time timers; {@code RunGateTest}
 * with fields and a list, which is also how a replay of a record stream can drive it.
 *
 * <p>A record is judged in this order, and the first fault decides its dead-letter reason: its headers
 * and key (found by the decoder); the run's release (RUN_ENDED while the run's tombstone lasts); the
 * run-start (a record that comes before it waits up to the grace period, then NO_RUN_START); its body
 * (decoding, then the run-start's projection and layers, then the checkpoint's state). Then:
 * <ul>
 *   <li>a checkpoint closes in checkpoint order, by {@link CheckpointTracker}'s rule (its announced rows
 *       arrived, or its grace passed, or the input ended);
 *   <li>a run-end releases the run once its last checkpoint has closed, and a run idle for longer than
 *       the run TTL is released terminally; either leaves only a tombstone, forgotten one TTL later.
 * </ul>
 *
 * <p>A gate holds no run's state (the store does), so one gate serves every run of a driver; it is not
 * thread-safe (one per driver thread, as one per Flink subtask).
 *
 * @param <R> the record type of the driver
 */
public final class RunGate<R extends RunGate.GateRecord> {

    private static final Logger LOG = LoggerFactory.getLogger(RunGate.class);

    /** What the gate reads of a record; decoding happened before, and its faults travel with the record. */
    public interface GateRecord {

        /** Null when the headers or key failed ({@link #requireValidHeaders} throws then). */
        RecordKind kind();

        String runId();

        /** The record's time in progress time (the job: its Kafka timestamp). */
        long eventTime();

        /** Throws the fault found in the record's headers or key, if any. */
        void requireValidHeaders();

        /** Throws the fault found in a sketch batch's body, if any. */
        void requireValidBody();

        /** A control record's encoded value. */
        byte[] controlValue();

        /** A sketch batch's projection. */
        ProjectionSpec projection();

        /** A sketch batch's role codes, one per row. */
        byte[] roles();

        /** A sketch batch's checkpoint numbers, one per row. */
        int[] checkpoints();
    }

    /** The run's state. Every method reads or writes the run the driver is on. */
    public interface Store<R> {

        /** The run-start, or null before it came and after the run's release. */
        RunStart runStart();

        void setRunStart(RunStart start);

        /** The run's open checkpoints. */
        CheckpointLedger ledger();

        /** The last checkpoint named by the run's run-end, or null. */
        Integer lastCheckpoint();

        void setLastCheckpoint(int checkpoint);

        /** The event time after which the run, idle, is released; null when none is set. */
        Long idleDeadline();

        void setIdleDeadline(long deadline);

        /** Until when (event time) records of a released run are RUN_ENDED; null when the run is not released. */
        Long tombstoneUntil();

        void setTombstoneUntil(Long until);

        /** Holds a record that came before the run-start, after those held before it. */
        void await(R record) throws Exception;

        /** Removes the held records whose wait {@code isOver} (all of them: {@code null}) and hands each to {@code action}, in arrival order. */
        void takeAwaiting(java.util.function.LongPredicate isOver, Action<R> action) throws Exception;

        /** Releases everything held for the run but the tombstone. */
        void clearRun() throws Exception;
    }

    /** What is done with a record. */
    @FunctionalInterface
    public interface Action<R> {
        void accept(R record) throws Exception;
    }

    /** What the gate's decisions do: the driver forwards, dead-letters, counts and sets its timers. */
    public interface Effects<R> {

        /** The run's first run-start was accepted. */
        void started(RunStart start);

        /** A sketch batch counts; {@code sourceRole} is the run's influence source (POOL or TRAIN). */
        void accepted(R batch, Role sourceRole) throws Exception;

        /** A checkpoint closed; {@code progress} is what it had received (empty when nothing was counted). */
        void closed(CheckpointTracker.Closing closing, CheckpointProgress progress, long watermark) throws Exception;

        /** The run is released: its run-end's last checkpoint closed, or ({@code expired}) its TTL passed. */
        void released(int lastCheckpoint, boolean expired, long watermark) throws Exception;

        void deadLetter(R record, InvalidRecordException fault);

        /** Calls {@link #onProgress} once progress time reaches {@code time}. */
        void wakeAt(long time);

        /** Cancels a {@link #wakeAt} that is no longer needed. */
        void cancelWake(long time);
    }

    private final long graceMs;
    private final RunLifecycle lifecycle;

    /**
     * @param graceMs how long (progress time) missing rows of an announced checkpoint, and records
     *     waiting for their run-start, are awaited
     * @param runTtlMs how long (progress time) a run may stay idle before it is released; 0 never
     */
    public RunGate(long graceMs, long runTtlMs) {
        this.graceMs = graceMs;
        this.lifecycle = new RunLifecycle(graceMs, runTtlMs);
    }

    /** Judges {@code record} of the store's run, then closes what is ready at {@code watermark}. */
    public void onRecord(R record, long watermark, Store<R> store, Effects<R> effects) throws Exception {
        try {
            record.requireValidHeaders();
            if (store.tombstoneUntil() != null) {
                throw RunLifecycle.runEnded(record.runId());
            }
            if (record.kind() == RecordKind.RUN_START) {
                startRun(ControlRecordCodec.decodeRunStart(record.controlValue()), record.runId(), store, effects);
            } else if (store.runStart() == null) {
                // Its run-start may be in another partition: wait for it (in event time) up to the grace period.
                store.await(record);
                effects.wakeAt(lifecycle.waitEnds(record.eventTime()));
                return;
            } else {
                accept(record, store, effects);
            }
            extendIdleDeadline(record.eventTime(), watermark, store, effects);
        } catch (InvalidRecordException e) {
            effects.deadLetter(record, e);
            return;
        }
        advance(record.runId(), watermark, store, effects);
    }

    /** Progress time reached {@code watermark} (a {@link Effects#wakeAt} came due, or the input ended: {@code Long.MAX_VALUE}). */
    public void onProgress(String runId, long watermark, Store<R> store, Effects<R> effects) throws Exception {
        Long tombstone = store.tombstoneUntil();
        if (tombstone != null) {
            if (watermark >= tombstone) {
                store.setTombstoneUntil(null);
                expireWaiting(Long.MAX_VALUE, store, effects);
            } else {
                expireWaiting(watermark, store, effects);
            }
            return;
        }
        expireWaiting(watermark, store, effects);
        if (store.runStart() == null) {
            return;
        }
        if (lifecycle.idleExpired(store.idleDeadline(), watermark)) {
            release(runId, true, watermark, store, effects);
            return;
        }
        advance(runId, watermark, store, effects);
    }

    private void accept(R record, Store<R> store, Effects<R> effects) throws Exception {
        switch (record.kind()) {
            case CHECKPOINT_COMPLETE -> {
                CheckpointComplete complete = ControlRecordCodec.decodeCheckpointComplete(record.controlValue());
                RunAdmission.admitRunId(complete.runId(), record.runId());
                wakeAt(tracker(store).announce(complete.checkpoint(), complete.rows(), record.eventTime()), effects);
            }
            case RUN_END -> {
                RunEnd end = ControlRecordCodec.decodeRunEnd(record.controlValue());
                RunAdmission.admitRunId(end.runId(), record.runId());
                CheckpointTracker tracker = tracker(store);
                RunAdmission.admitRunEnd(store.lastCheckpoint(), end.lastCheckpoint(), tracker.nextToClose());
                tracker.requireWithinReach(end.lastCheckpoint());
                store.setLastCheckpoint(end.lastCheckpoint());
                wakeAt(tracker(store).end(end.lastCheckpoint(), record.eventTime()), effects);
            }
            case SKETCH_BATCH -> {
                record.requireValidBody();
                RunStart run = store.runStart();
                RunAdmission.admitBatch(run, record.projection());
                tracker(store).countBatch(record.roles(), record.checkpoints());
                effects.accepted(record, sourceRole(run));
            }
            case RUN_START -> throw new IllegalStateException("run-start is handled before");
        }
    }

    private void startRun(RunStart start, String runId, Store<R> store, Effects<R> effects) throws Exception {
        RunAdmission.admitRunId(start.runId(), runId);
        RunStart current = store.runStart();
        if (current != null) {
            List<RunStart.Layer> layers = RunAdmission.admitRepeatedStart(current, start);
            if (!current.hasLayers() && layers != null) {
                store.setRunStart(current.withLayers(layers));
            }
            return;
        }
        store.setRunStart(start);
        effects.started(start);
        // Due when a bounded input ends (the final watermark): every pending checkpoint closes then.
        effects.wakeAt(Long.MAX_VALUE);
        store.takeAwaiting(null, record -> {
            try {
                accept(record, store, effects);
            } catch (InvalidRecordException e) {
                effects.deadLetter(record, e);
            }
        });
    }

    /** Closes what is ready and releases the run when its run-end's last checkpoint has closed. */
    private void advance(String runId, long watermark, Store<R> store, Effects<R> effects) throws Exception {
        if (store.runStart() == null) {
            return;
        }
        CheckpointTracker tracker = tracker(store);
        boolean endOfInput = watermark == Long.MAX_VALUE;
        for (CheckpointTracker.Closed closed : tracker.close(watermark, endOfInput)) {
            CheckpointTracker.Closing closing = closed.closing();
            CheckpointProgress rows = closed.progress();
            if (closing.isShort()) {
                LOG.warn("run {}: checkpoint {} closed short ({}): {} POOL/PROBE rows arrived, {}; its version lacks"
                                + " the missing rows (metric checkpointsClosedShort; 'cadc inspect' shows it)",
                        runId, closing.checkpoint(), endOfInput ? "end of input" : "grace period passed",
                        rows.receivedScanRows,
                        rows.announcedRows < 0 ? "no checkpoint-complete announced any"
                                : rows.announcedRows + " announced");
            }
            LOG.info("run {}: checkpoint {} closed with {} influence rows at event time {}", runId, closing.checkpoint(),
                    closing.sourceRows(), endOfInput ? "end of input" : watermark);
            effects.closed(closing, rows, watermark);
        }
        if (tracker.allClosed()) {
            release(runId, false, watermark, store, effects);
        }
    }

    /** Releases everything held for the run, leaving a tombstone for one TTL. */
    private void release(String runId, boolean expired, long watermark, Store<R> store, Effects<R> effects) throws Exception {
        int lastClosed = tracker(store).nextToClose() - 1;
        if (expired) {
            LOG.warn("run {}: idle for more than the run TTL ({} ms of event time); released with checkpoints {} and later"
                    + " still open", runId, lifecycle.runTtlMs(), lastClosed + 1);
        } else {
            LOG.info("run {}: ended after checkpoint {}; its state is released", runId, store.lastCheckpoint());
        }
        effects.released(expired ? lastClosed : store.lastCheckpoint(), expired, watermark);
        effects.cancelWake(Long.MAX_VALUE);
        if (store.idleDeadline() != null) {
            effects.cancelWake(store.idleDeadline());
        }
        store.clearRun();
        long until = lifecycle.tombstoneUntil(watermark);
        store.setTombstoneUntil(until);
        effects.wakeAt(until);
    }

    /** Dead-letters the held records whose wait for their run-start ended at {@code watermark}. */
    private void expireWaiting(long watermark, Store<R> store, Effects<R> effects) throws Exception {
        store.takeAwaiting(eventTime -> lifecycle.waitIsOver(eventTime, watermark),
                record -> effects.deadLetter(record, lifecycle.noRunStart(record.runId())));
    }

    private void extendIdleDeadline(long eventTime, long watermark, Store<R> store, Effects<R> effects) {
        if (store.runStart() == null || !lifecycle.expiresIdleRuns()) {
            return;
        }
        Long current = store.idleDeadline();
        long deadline = lifecycle.idleDeadline(current, eventTime, watermark);
        if (current == null || deadline != current) {
            if (current != null) {
                effects.cancelWake(current);
            }
            store.setIdleDeadline(deadline);
            effects.wakeAt(deadline);
        }
    }

    private static void wakeAt(long deadline, Effects<?> effects) {
        if (deadline != Long.MAX_VALUE) {
            effects.wakeAt(deadline);
        }
    }

    /** The run's tracker over its store's ledger. */
    private CheckpointTracker tracker(Store<R> store) {
        RunStart run = store.runStart();
        Integer last = store.lastCheckpoint();
        return new CheckpointTracker(store.ledger(), run != null && sourceRole(run) == Role.TRAIN, graceMs,
                last == null ? CheckpointTracker.NOT_ENDED : last);
    }

    /** The run's influence source: TRAIN rows or POOL rows. */
    public static Role sourceRole(RunStart run) {
        return run.influenceSource() == InfluenceSource.TRAIN ? Role.TRAIN : Role.POOL;
    }
}
