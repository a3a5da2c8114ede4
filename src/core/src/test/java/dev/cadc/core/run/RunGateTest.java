package dev.cadc.core.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunEnd;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

/**
 * The run's admission rules driven without Flink: the state in fields and a list (as a replay of a
 * record stream would keep it), progress time advanced by hand to each wake-up the gate asked for.
 * The job's {@code SketchValidatorTest} drives the same gate through Flink keyed state and timers.
 */
class RunGateTest {

    private static final String RUN = "run-1";
    private static final long GRACE_MS = 1_000;
    private static final long TTL_MS = 10_000;
    private static final int K = 8;
    private static final ProjectionSpec PROJECTION = new ProjectionSpec(K, 7L, ProjectionKind.DENSE);

    private final RunGate<Rec> gate = new RunGate<>(GRACE_MS, TTL_MS);
    private final FieldStore store = new FieldStore();
    private final Log log = new Log();

    @Test
    void recordsBeforeTheRunStartWaitAndCountInArrivalOrderOnceItComes() throws Exception {
        Rec second = batch(1, 10, Role.POOL, Role.POOL);
        Rec first = batch(0, 20, Role.POOL, Role.PROBE);
        gate.onRecord(second, 0, store, log);
        gate.onRecord(first, 0, store, log);
        assertThat(store.awaiting).containsExactly(second, first);
        assertThat(log.accepted).isEmpty();

        gate.onRecord(runStart(30), 0, store, log);

        assertThat(log.accepted).containsExactly(second, first);
        assertThat(store.awaiting).isEmpty();
        assertThat(log.deadLetters).isEmpty();
        assertThat(log.wakeUps).contains(Long.MAX_VALUE, 10 + GRACE_MS, 20 + GRACE_MS);
    }

    @Test
    void aRecordWhoseRunStartNeverComesIsDeadLetteredOnceTheGracePeriodHasPassed() throws Exception {
        Rec early = batch(0, 100, Role.POOL);
        gate.onRecord(early, 0, store, log);

        gate.onProgress(RUN, 100 + GRACE_MS - 1, store, log);
        assertThat(log.deadLetters).isEmpty();
        gate.onProgress(RUN, 100 + GRACE_MS, store, log);

        assertThat(log.deadLetters).containsExactly(Map.entry(early, ReasonCode.NO_RUN_START));
        assertThat(store.awaiting).isEmpty();
    }

    @Test
    void aCheckpointClosesWhenItsAnnouncedRowsHaveArrivedAndShortWhenTheGracePeriodPasses() throws Exception {
        gate.onRecord(runStart(0), 0, store, log);
        gate.onRecord(batch(0, 1, Role.POOL, Role.PROBE), 0, store, log);
        gate.onRecord(checkpointComplete(0, 2, 2), 0, store, log);
        assertThat(log.closings).containsExactly(new CheckpointTracker.Closing(0, 1, false));

        gate.onRecord(checkpointComplete(1, 5, 3), 0, store, log);
        gate.onRecord(batch(1, 6, Role.POOL), 0, store, log);
        gate.onProgress(RUN, 5 + GRACE_MS - 1, store, log);
        assertThat(log.closings).hasSize(1);
        gate.onProgress(RUN, 5 + GRACE_MS, store, log);

        assertThat(log.closings).containsExactly(new CheckpointTracker.Closing(0, 1, false), new CheckpointTracker.Closing(1, 1, true));
        assertThat(log.closedProgress.get(1).receivedScanRows).isEqualTo(1);
    }

    @Test
    void aRunEndReleasesTheRunOnceItsLastCheckpointClosedAndLaterRecordsAreRunEnded() throws Exception {
        gate.onRecord(runStart(0), 0, store, log);
        gate.onRecord(runEnd(0, 1), 0, store, log);
        assertThat(log.released).isEmpty();
        gate.onRecord(batch(0, 2, Role.POOL), 0, store, log);
        gate.onRecord(checkpointComplete(0, 3, 1), 0, store, log);

        assertThat(log.released).containsExactly("0 ended");
        assertThat(store.runStart).isNull();
        assertThat(store.ledger.highestOpen()).isEqualTo(-1);
        assertThat(store.tombstoneUntil).isEqualTo(TTL_MS);

        Rec late = batch(0, 4, Role.POOL);
        gate.onRecord(late, 0, store, log);
        assertThat(log.deadLetters).containsExactly(Map.entry(late, ReasonCode.RUN_ENDED));

        gate.onProgress(RUN, TTL_MS, store, log);
        assertThat(store.tombstoneUntil).as("the tombstone is forgotten one TTL later").isNull();
    }

    @Test
    void aRunIdleForLongerThanTheTtlIsReleasedWithItsOpenCheckpoints() throws Exception {
        gate.onRecord(runStart(0), 0, store, log);
        gate.onRecord(batch(0, 50, Role.POOL), 0, store, log);
        assertThat(store.idleDeadline).isNotNull();

        gate.onProgress(RUN, store.idleDeadline, store, log);

        assertThat(log.released).containsExactly("-1 expired");
        assertThat(store.runStart).isNull();
        assertThat(log.cancelled).contains(Long.MAX_VALUE);
    }

    @Test
    void aBatchOfAnotherProjectionIsDeadLetteredAndCountsNothing() throws Exception {
        gate.onRecord(runStart(0), 0, store, log);
        Rec other = new Rec(RecordKind.SKETCH_BATCH, 1, null, new ProjectionSpec(K, 8L, ProjectionKind.DENSE),
                new byte[] {Role.POOL.code()}, new int[] {0});
        gate.onRecord(other, 0, store, log);

        assertThat(log.deadLetters).containsExactly(Map.entry(other, ReasonCode.PROJECTION_MISMATCH));
        assertThat(store.ledger.get(0)).isNull();
        assertThat(log.accepted).isEmpty();
    }

    @Test
    void aRepeatedRunStartAddsTheLayersTheFirstOneLacked() throws Exception {
        gate.onRecord(runStart(0), 0, store, log);
        List<RunStart.Layer> layers = List.of(new RunStart.Layer("fc", 4, 2));
        RunStart withLayers = new RunStart(RUN, K, 7L, ProjectionKind.DENSE, InfluenceSource.POOL, layers);
        gate.onRecord(new Rec(RecordKind.RUN_START, 1, ControlRecordCodec.encode(withLayers), null, null, null), 0, store, log);

        assertThat(store.runStart.layers()).isEqualTo(layers);
        assertThat(log.started).hasSize(1);
    }

    private static Rec runStart(long time) {
        return new Rec(RecordKind.RUN_START, time,
                ControlRecordCodec.encode(new RunStart(RUN, K, 7L, ProjectionKind.DENSE, InfluenceSource.POOL)), null, null, null);
    }

    private static Rec checkpointComplete(int checkpoint, long time, long rows) {
        return new Rec(RecordKind.CHECKPOINT_COMPLETE, time, ControlRecordCodec.encode(new CheckpointComplete(RUN, checkpoint, rows)),
                null, null, null);
    }

    private static Rec runEnd(int lastCheckpoint, long time) {
        return new Rec(RecordKind.RUN_END, time, ControlRecordCodec.encode(new RunEnd(RUN, lastCheckpoint)), null, null, null);
    }

    private static Rec batch(int checkpoint, long time, Role... roles) {
        byte[] codes = new byte[roles.length];
        int[] checkpoints = new int[roles.length];
        for (int row = 0; row < roles.length; row++) {
            codes[row] = roles[row].code();
            checkpoints[row] = checkpoint;
        }
        return new Rec(RecordKind.SKETCH_BATCH, time, null, PROJECTION, codes, checkpoints);
    }

    /** A record as a driver hands it over: decoded, no fault in its headers or body. */
    private record Rec(RecordKind kind, long eventTime, byte[] controlValue, ProjectionSpec projection, byte[] roles,
            int[] checkpoints) implements RunGate.GateRecord {
        @Override
        public String runId() {
            return RUN;
        }

        @Override
        public void requireValidHeaders() {}

        @Override
        public void requireValidBody() {}
    }

    /** The run's state in fields, a ledger in memory and a list of waiting records. */
    private static final class FieldStore implements RunGate.Store<Rec> {
        RunStart runStart;
        final CheckpointLedger ledger = CheckpointLedger.inMemory();
        Integer lastCheckpoint;
        Long idleDeadline;
        Long tombstoneUntil;
        final List<Rec> awaiting = new ArrayList<>();

        @Override
        public RunStart runStart() {
            return runStart;
        }

        @Override
        public void setRunStart(RunStart start) {
            runStart = start;
        }

        @Override
        public CheckpointLedger ledger() {
            return ledger;
        }

        @Override
        public Integer lastCheckpoint() {
            return lastCheckpoint;
        }

        @Override
        public void setLastCheckpoint(int checkpoint) {
            lastCheckpoint = checkpoint;
        }

        @Override
        public Long idleDeadline() {
            return idleDeadline;
        }

        @Override
        public void setIdleDeadline(long deadline) {
            idleDeadline = deadline;
        }

        @Override
        public Long tombstoneUntil() {
            return tombstoneUntil;
        }

        @Override
        public void setTombstoneUntil(Long until) {
            tombstoneUntil = until;
        }

        @Override
        public void await(Rec record) {
            awaiting.add(record);
        }

        @Override
        public void takeAwaiting(LongPredicate isOver, RunGate.Action<Rec> action) throws Exception {
            List<Rec> taken = awaiting.stream().filter(r -> isOver == null || isOver.test(r.eventTime())).toList();
            awaiting.removeAll(taken);
            for (Rec record : taken) {
                action.accept(record);
            }
        }

        @Override
        public void clearRun() {
            runStart = null;
            for (int checkpoint = ledger.highestOpen(); checkpoint >= 0; checkpoint--) {
                ledger.remove(checkpoint);
            }
            ledger.setNextToClose(0);
            lastCheckpoint = null;
            idleDeadline = null;
            awaiting.clear();
        }
    }

    /** What the gate decided, in order. */
    private static final class Log implements RunGate.Effects<Rec> {
        final List<RunStart> started = new ArrayList<>();
        final List<Rec> accepted = new ArrayList<>();
        final List<CheckpointTracker.Closing> closings = new ArrayList<>();
        final Map<Integer, CheckpointProgress> closedProgress = new java.util.HashMap<>();
        final List<String> released = new ArrayList<>();
        final List<Map.Entry<Rec, ReasonCode>> deadLetters = new ArrayList<>();
        final TreeSet<Long> wakeUps = new TreeSet<>();
        final List<Long> cancelled = new ArrayList<>();

        @Override
        public void started(RunStart start) {
            started.add(start);
        }

        @Override
        public void accepted(Rec batch, Role sourceRole) {
            assertThat(sourceRole).isEqualTo(Role.POOL);
            accepted.add(batch);
        }

        @Override
        public void closed(CheckpointTracker.Closing closing, CheckpointProgress progress, long watermark) {
            closings.add(closing);
            closedProgress.put(closing.checkpoint(), progress);
        }

        @Override
        public void released(int lastCheckpoint, boolean expired, long watermark) {
            released.add(lastCheckpoint + (expired ? " expired" : " ended"));
        }

        @Override
        public void deadLetter(Rec record, InvalidRecordException fault) {
            deadLetters.add(Map.entry(record, fault.reason()));
        }

        @Override
        public void wakeAt(long time) {
            wakeUps.add(time);
        }

        @Override
        public void cancelWake(long time) {
            cancelled.add(time);
        }
    }
}
