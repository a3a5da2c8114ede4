package dev.cadc.core.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.format.ReasonCode;
import org.junit.jupiter.api.Test;

class RunLifecycleTest {

    private final RunLifecycle lifecycle = new RunLifecycle(1_000, 60_000);

    @Test
    void aRecordWaitsForItsRunStartUpToTheGracePeriodAfterItsOwnTimestamp() {
        assertThat(lifecycle.waitEnds(5_000)).isEqualTo(6_000);
        assertThat(lifecycle.waitIsOver(5_000, 5_999)).isFalse();
        assertThat(lifecycle.waitIsOver(5_000, 6_000)).isTrue();
        assertThat(lifecycle.waitEnds(Long.MAX_VALUE - 10)).as("saturates").isEqualTo(Long.MAX_VALUE);
        assertThat(lifecycle.noRunStart("r").reason()).isEqualTo(ReasonCode.NO_RUN_START);
        assertThat(RunLifecycle.runEnded("r").reason()).isEqualTo(ReasonCode.RUN_ENDED);
    }

    @Test
    void theIdleDeadlineOnlyMovesForwardFromTheNewerOfRecordAndWatermark() {
        assertThat(lifecycle.idleDeadline(null, 10_000, 2_000)).isEqualTo(70_000);
        assertThat(lifecycle.idleDeadline(null, 2_000, 10_000)).as("a late record counts from the watermark").isEqualTo(70_000);
        assertThat(lifecycle.idleDeadline(90_000L, 10_000, 10_000)).as("never backwards").isEqualTo(90_000);
        assertThat(lifecycle.idleExpired(70_000L, 69_999)).isFalse();
        assertThat(lifecycle.idleExpired(70_000L, 70_000)).isTrue();
        assertThat(lifecycle.idleExpired(70_000L, Long.MAX_VALUE)).as("the end of input ends runs, it does not expire them").isFalse();
        assertThat(lifecycle.idleExpired(null, 1_000_000)).isFalse();
        assertThat(new RunLifecycle(1_000, Long.MAX_VALUE / 2).expiresIdleRuns()).isFalse();
        assertThat(lifecycle.expiresIdleRuns()).isTrue();
    }

    @Test
    void aTombstoneLastsOneTtlOrToTheEndOfInput() {
        assertThat(lifecycle.tombstoneUntil(5_000)).isEqualTo(65_000);
        assertThat(lifecycle.tombstoneUntil(Long.MIN_VALUE)).as("before any watermark").isEqualTo(60_000);
        assertThat(lifecycle.tombstoneUntil(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    }
}
