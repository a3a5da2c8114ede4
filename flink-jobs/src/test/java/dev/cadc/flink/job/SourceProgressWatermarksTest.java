package dev.cadc.flink.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

class SourceProgressWatermarksTest {

    private final long[] activity = {0};
    private final long[] wall = {1_000_000};
    private final List<Long> emitted = new ArrayList<>();
    private final WatermarkOutput output = new WatermarkOutput() {
        @Override
        public void emitWatermark(Watermark watermark) {
            emitted.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}
    };
    private final SourceProgressWatermarks.ReaderProgress reader = new SourceProgressWatermarks.ReaderProgress(0);
    private final SourceProgressWatermarks generator = partition();

    private SourceProgressWatermarks partition() {
        return new SourceProgressWatermarks(5_000, () -> activity[0], () -> wall[0], reader);
    }

    @Test
    void followsTheLargestRecordTimestamp() {
        generator.onEvent(null, 500, output);
        generator.onEvent(null, 400, output);
        generator.onPeriodicEmit(output);
        assertThat(emitted).containsExactly(499L);
    }

    @Test
    void aBackPressuredSourceIsNotIdleHoweverLongTheWallClockRuns() {
        generator.onEvent(null, 500, output);
        wall[0] += 60_000; // the activity clock stands still while the source may not read
        generator.onPeriodicEmit(output);
        assertThat(emitted).containsExactly(499L);
    }

    @Test
    void aPartitionStarvedWhileTheReaderReadsOthersKeepsItsOwnProgress() {
        SourceProgressWatermarks other = partition();
        generator.onEvent(null, 500, output);
        for (int i = 0; i < 10; i++) {
            activity[0] += 1_000;
            wall[0] += 1_000;
            other.onEvent(null, 60_000L * i, output);
        }
        generator.onPeriodicEmit(output);
        assertThat(emitted).containsExactly(499L);
    }

    @Test
    void aPartitionWithoutRecordsFollowsTheNewestRecordOfItsReader() {
        SourceProgressWatermarks other = partition();
        other.onEvent(null, 7_000, output);
        generator.onPeriodicEmit(output);
        assertThat(emitted).containsExactly(6_999L);
    }

    @Test
    void aLiveSourceThatFoundNothingToReadFollowsTheClockMinusTheIdleTime() {
        // A live trainer stamps its records as it sends them: the newest is about now.
        generator.onEvent(null, wall[0], output);
        activity[0] += 5_000;
        wall[0] += 5_000;
        generator.onPeriodicEmit(output);
        assertThat(emitted).containsExactly(wall[0] - 5_000);
        activity[0] += 20_000;
        wall[0] += 20_000;
        generator.onPeriodicEmit(output);
        assertThat(emitted).containsExactly(wall[0] - 25_000, wall[0] - 5_000);
    }

    @Test
    void aReplayThatStallsMovesEventTimeOnByTheStallNotToThePresent() {
        // Records published an hour ago, read now; the fetcher stalls for 8 s (not back-pressure).
        long published = wall[0] - 3_600_000;
        generator.onEvent(null, published, output);
        activity[0] += 8_000;
        wall[0] += 8_000;
        generator.onPeriodicEmit(output);
        assertThat(emitted).as("8 s of stall, 5 s of it idle: 3 s past the newest record")
                .containsExactly(published + 3_000);
        assertThat(emitted.get(0)).isLessThan(published + 30_000);
    }

    @Test
    void aReaderThatNeverHadARecordFollowsTheWallClockOnceIdle() {
        activity[0] += 5_000;
        wall[0] += 5_000;
        generator.onPeriodicEmit(output);
        assertThat(emitted).containsExactly(wall[0] - 5_000);
    }

    @Test
    void withoutIdlenessOnlyRecordsMoveEventTime() {
        SourceProgressWatermarks never = new SourceProgressWatermarks(Long.MAX_VALUE, () -> activity[0], () -> wall[0], reader);
        never.onPeriodicEmit(output);
        activity[0] += 3_600_000;
        wall[0] += 3_600_000;
        never.onPeriodicEmit(output);
        assertThat(emitted).as("no record, no idleness: nothing").isEmpty();
        never.onEvent(null, 700, output);
        activity[0] += 3_600_000;
        never.onPeriodicEmit(output);
        assertThat(emitted).containsExactly(699L);
    }

    @Test
    void aBoundedJobHasNoIdleness() {
        assertThat(CadcCurationJob.sourceIdleMs(dev.cadc.flink.config.JobConfig.of(java.util.Map.of("bounded", "true"))))
                .isEqualTo(Long.MAX_VALUE);
        assertThat(CadcCurationJob.sourceIdleMs(dev.cadc.flink.config.JobConfig.of(java.util.Map.of())))
                .isEqualTo(5_000L);
    }
}
