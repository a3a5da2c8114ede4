package dev.cadc.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.Role;
import org.junit.jupiter.api.Test;

class CheckpointTrackerTest {

    private static final long GRACE = 100;

    private final CheckpointLedger ledger = CheckpointLedger.inMemory();

    private CheckpointTracker pool() {
        return new CheckpointTracker(ledger, false, GRACE, CheckpointTracker.NOT_ENDED);
    }

    @Test
    void closesInOrderWhenAnnouncedRowsArriveWhateverCameFirst() {
        CheckpointTracker tracker = pool();
        tracker.count(1, 3, 2);
        tracker.announce(1, 3, 10);
        assertThat(tracker.closeReady(10, false)).as("0 is not announced").isEmpty();
        tracker.announce(0, 2, 11);
        tracker.count(0, 1, 1);
        assertThat(tracker.closeReady(11, false)).isEmpty();
        tracker.count(0, 1, 1);

        assertThat(tracker.closeReady(12, false)).containsExactly(
                new CheckpointTracker.Closing(0, 2, false), new CheckpointTracker.Closing(1, 2, false));
        assertThat(tracker.hasOpenCheckpoints()).isFalse();
        assertThatThrownBy(() -> tracker.count(1, 1, 1)).isInstanceOf(InvalidRecordException.class);
        assertThatThrownBy(() -> tracker.announce(0, 2, 20)).isInstanceOf(InvalidRecordException.class);
    }

    @Test
    void aBatchCountsItsScanAndSourceRowsPerCheckpointOrNothing() {
        CheckpointTracker tracker = pool();
        byte pool = Role.POOL.code();
        byte probe = Role.PROBE.code();
        byte train = Role.TRAIN.code();
        tracker.countBatch(new byte[] {pool, probe, train, pool, train}, new int[] {0, 0, 0, 1, -1});
        assertThat(ledger.get(0).receivedScanRows).as("POOL and PROBE rows are announced").isEqualTo(2);
        assertThat(ledger.get(0).sourceRows).as("POOL is the source").isEqualTo(1);
        assertThat(ledger.get(1).sourceRows).isEqualTo(1);
        tracker.announce(0, 2, 0);
        assertThat(tracker.closeReady(0, false)).extracting(CheckpointTracker.Closing::checkpoint).containsExactly(0);

        assertThatThrownBy(() -> tracker.countBatch(new byte[] {pool, pool}, new int[] {1, 0}))
                .as("a row of closed checkpoint 0").isInstanceOf(InvalidRecordException.class);
        assertThat(ledger.get(1).sourceRows).as("the batch was rejected whole").isEqualTo(1);

        CheckpointTracker trainSource = new CheckpointTracker(CheckpointLedger.inMemory(), true, GRACE, CheckpointTracker.NOT_ENDED);
        trainSource.countBatch(new byte[] {train, train, pool}, new int[] {-1, 0, 0});
        assertThat(trainSource.closeReady(Long.MAX_VALUE, true)).containsExactly(new CheckpointTracker.Closing(0, 1, true));
    }

    @Test
    void closesShortOnlyWhenProgressTimePassesTheGrace() {
        CheckpointTracker tracker = pool();
        tracker.count(0, 1, 1);
        assertThat(tracker.announce(0, 5, 1_000)).isEqualTo(1_000 + GRACE);
        assertThat(tracker.closeReady(1_000 + GRACE - 1, false)).isEmpty();
        assertThat(tracker.closeReady(1_000 + GRACE, false)).containsExactly(new CheckpointTracker.Closing(0, 1, true));
    }

    @Test
    void endOfInputClosesEverythingShortOrNot() {
        CheckpointTracker tracker = pool();
        tracker.count(0, 2, 2);
        tracker.announce(0, 2, 0);
        tracker.count(1, 1, 1);
        tracker.count(3, 1, 1);
        assertThat(tracker.closeReady(Long.MAX_VALUE, true)).extracting(CheckpointTracker.Closing::checkpoint)
                .containsExactly(0, 1, 2, 3);
    }

    @Test
    void withTrainSourceAWindowWaitsForTheNextCheckpointUnlessItIsTheLast() {
        CheckpointTracker open = new CheckpointTracker(ledger, true, GRACE, CheckpointTracker.NOT_ENDED);
        open.count(0, 2, 0);
        open.announce(0, 2, 0);
        open.count(0, 0, 7);
        assertThat(open.closeReady(1, false)).isEmpty();

        CheckpointTracker ended = new CheckpointTracker(ledger, true, GRACE, 0);
        assertThat(ended.closeReady(1, false)).containsExactly(new CheckpointTracker.Closing(0, 7, false));
        assertThat(ended.allClosed()).isTrue();
    }

    @Test
    void runEndClosesUnannouncedCheckpointsShortAfterTheGraceAndRejectsLaterOnes() {
        CheckpointTracker tracker = new CheckpointTracker(ledger, false, GRACE, 1);
        tracker.count(0, 2, 2);
        tracker.announce(0, 2, 0);
        tracker.count(1, 1, 1);
        assertThat(tracker.end(1, 50)).isEqualTo(50 + GRACE);
        assertThat(tracker.closeReady(60, false)).extracting(CheckpointTracker.Closing::checkpoint).containsExactly(0);
        assertThat(tracker.allClosed()).isFalse();
        assertThat(tracker.closeReady(50 + GRACE, false)).containsExactly(new CheckpointTracker.Closing(1, 1, true));
        assertThat(tracker.allClosed()).isTrue();
        assertThatThrownBy(() -> tracker.count(2, 1, 1)).isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("after the run's last checkpoint");
    }

    /**
     * A checkpoint number far past the oldest open one (a flipped bit: 2^30) is rejected, in rows, a
     * checkpoint-complete and a run-end alike, before it touches the ledger: otherwise the end of input
     * would close (and the job version) every checkpoint up to it, and a run-end would open as many.
     */
    @Test
    void aCheckpointFarPastTheOldestOpenOneIsRejectedBeforeItTouchesTheLedger() {
        CheckpointTracker tracker = pool();
        int farAhead = 1 << 30;
        for (Runnable call : new Runnable[] {() -> tracker.count(farAhead, 1, 1), () -> tracker.announce(farAhead, 1, 0),
                () -> tracker.end(farAhead, 0), () -> tracker.requireCountable(CheckpointTracker.MAX_CHECKPOINTS_AHEAD)}) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(InvalidRecordException.class,
                    e -> assertThat(e.reason()).isEqualTo(dev.cadc.core.format.ReasonCode.INVALID_VALUE))
                    .hasMessageContaining("past the oldest open one");
        }
        assertThat(tracker.hasOpenCheckpoints()).isFalse();

        tracker.count(CheckpointTracker.MAX_CHECKPOINTS_AHEAD - 1, 1, 1);
        assertThat(tracker.closeReady(0, true)).hasSize(CheckpointTracker.MAX_CHECKPOINTS_AHEAD);
        tracker.count(2 * CheckpointTracker.MAX_CHECKPOINTS_AHEAD - 1, 1, 1);
    }
}
