package dev.cadc.flink.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.apache.flink.util.UserCodeClassLoader;
import org.junit.jupiter.api.Test;

/**
 * {@link CatchUpReader}: when a reader reports that it has caught up (a young record, nothing to read
 * for the lag, the end of input), once; {@link CatchUpSource.Enumerator}: the backlog is on from the
 * start and off once every reader has reported. The job end to end: {@code CatchUpITCase}.
 */
class CatchUpSourceTest {

    private static final long LAG = 5_000;

    private final long[] clock = {1_000_000};
    private final List<SourceEvent> sent = new ArrayList<>();
    private final ScriptedReader delegate = new ScriptedReader();
    private final CatchUpReader<String, SourceSplit> reader = new CatchUpReader<>(delegate, readerContext(sent), LAG, () -> clock[0]);
    private final List<String> emitted = new ArrayList<>();

    @Test
    void oldRecordsAreABacklogAndTheFirstYoungOneEndsIt() throws Exception {
        delegate.next(InputStatus.MORE_AVAILABLE, "a", clock[0] - 60_000);
        delegate.next(InputStatus.MORE_AVAILABLE, "b", clock[0] - LAG - 1);
        reader.pollNext(output());
        reader.pollNext(output());
        assertThat(sent).isEmpty();

        delegate.next(InputStatus.MORE_AVAILABLE, "c", clock[0] - LAG);
        delegate.next(InputStatus.MORE_AVAILABLE, "d", clock[0]);
        reader.pollNext(output());
        reader.pollNext(output());
        assertThat(emitted).containsExactly("a", "b", "c", "d");
        assertThat(reasons()).containsExactly("read a record 5000 ms old");
    }

    @Test
    void recordsEmittedThroughASplitsOutputCountToo() throws Exception {
        delegate.throughSplit = true;
        delegate.next(InputStatus.MORE_AVAILABLE, "a", clock[0] - 60_000);
        reader.pollNext(output());
        assertThat(sent).isEmpty();
        delegate.next(InputStatus.MORE_AVAILABLE, "b", clock[0] - 10);
        reader.pollNext(output());
        assertThat(emitted).containsExactly("a", "b");
        assertThat(reasons()).containsExactly("read a record 10 ms old");
    }

    @Test
    void nothingToReadForTheLagEndsIt_recordsInBetweenStartTheWaitAgain() throws Exception {
        delegate.next(InputStatus.NOTHING_AVAILABLE, "a", clock[0] - 60_000);
        reader.pollNext(output());
        clock[0] += LAG - 1;
        delegate.next(InputStatus.NOTHING_AVAILABLE, "b", clock[0] - 60_000);
        reader.pollNext(output());
        clock[0] += LAG - 1;
        delegate.next(InputStatus.NOTHING_AVAILABLE, null, 0);
        reader.pollNext(output());
        assertThat(sent).as("the last record came %s ms ago", LAG - 1).isEmpty();
        clock[0] += 1;
        reader.pollNext(output());
        assertThat(reasons()).containsExactly("nothing to read for 5000 ms");
    }

    @Test
    void aReaderThatNeverHasARecordHasCaughtUpAfterTheLag() throws Exception {
        delegate.next(InputStatus.NOTHING_AVAILABLE, null, 0);
        reader.pollNext(output());
        clock[0] += LAG;
        reader.pollNext(output());
        assertThat(reasons()).containsExactly("nothing to read for 5000 ms");
    }

    @Test
    void theEndOfABoundedInputEndsIt_andEachReaderReportsOnce() throws Exception {
        delegate.next(InputStatus.END_OF_INPUT, "a", clock[0] - 60_000);
        reader.pollNext(output());
        delegate.next(InputStatus.MORE_AVAILABLE, "b", clock[0]);
        reader.pollNext(output());
        clock[0] += 10 * LAG;
        reader.pollNext(output());
        assertThat(reasons()).containsExactly("end of input");
    }

    @Test
    void untilItReportsItsAvailabilityAlsoCompletesAfterTheLag() throws Exception {
        CatchUpReader<String, SourceSplit> quick = new CatchUpReader<>(delegate, readerContext(sent), 50, () -> clock[0]);
        CompletableFuture<Void> available = quick.isAvailable();
        assertThat(delegate.available).isNotDone();
        available.get(10, TimeUnit.SECONDS); // completes by the lag, though the delegate has nothing
        assertThat(delegate.available).isNotDone();

        delegate.next(InputStatus.END_OF_INPUT, null, 0);
        quick.pollNext(output());
        assertThat(quick.isAvailable()).as("after its report, the delegate's own").isSameAs(delegate.available);
    }

    @Test
    void theEnumeratorIsInBacklogFromItsStartUntilEveryReaderHasCaughtUp() {
        List<Boolean> backlog = new ArrayList<>();
        List<SourceEvent> delegated = new ArrayList<>();
        CatchUpSource.Enumerator<SourceSplit, Void> enumerator =
                new CatchUpSource.Enumerator<>(enumerator(delegated), enumeratorContext(3, backlog), 30_000);
        enumerator.start();
        assertThat(backlog).containsExactly(true);

        enumerator.handleSourceEvent(0, new CatchUpSource.CaughtUp("end of input"));
        enumerator.handleSourceEvent(0, new CatchUpSource.CaughtUp("again, restarted"));
        enumerator.handleSourceEvent(2, new CatchUpSource.CaughtUp("read a record 3 ms old"));
        SourceEvent theirs = new SourceEvent() {};
        enumerator.handleSourceEvent(1, theirs);
        assertThat(backlog).as("reader 1 has not reported").containsExactly(true);
        assertThat(delegated).containsExactly(theirs);

        enumerator.handleSourceEvent(1, new CatchUpSource.CaughtUp("nothing to read for 5000 ms"));
        enumerator.handleSourceEvent(1, new CatchUpSource.CaughtUp("after a restart"));
        assertThat(backlog).containsExactly(true, false);
        assertThat(delegated).containsExactly(theirs);
    }

    private List<String> reasons() {
        return sent.stream().map(event -> ((CatchUpSource.CaughtUp) event).reason()).toList();
    }

    private ReaderOutput<String> output() {
        return new ReaderOutput<>() {
            @Override
            public void collect(String record) {
                emitted.add(record);
            }

            @Override
            public void collect(String record, long timestamp) {
                emitted.add(record);
            }

            @Override
            public void emitWatermark(Watermark watermark) {}

            @Override
            public void markIdle() {}

            @Override
            public void markActive() {}

            @Override
            public SourceOutput<String> createOutputForSplit(String splitId) {
                return this;
            }

            @Override
            public void releaseOutputForSplit(String splitId) {}
        };
    }

    /** A reader that emits, at each poll, the next scripted record (if any) and returns its status. */
    private static final class ScriptedReader implements SourceReader<String, SourceSplit> {
        private record Step(InputStatus status, String record, long timestamp) {}

        private final Deque<Step> script = new ArrayDeque<>();
        private final CompletableFuture<Void> available = new CompletableFuture<>();
        private boolean throughSplit;
        private SourceOutput<String> splitOutput;

        void next(InputStatus status, String record, long timestamp) {
            script.add(new Step(status, record, timestamp));
        }

        @Override
        public InputStatus pollNext(ReaderOutput<String> output) {
            Step step = script.isEmpty() ? new Step(InputStatus.NOTHING_AVAILABLE, null, 0) : script.poll();
            if (step.record() != null) {
                if (throughSplit && splitOutput == null) {
                    splitOutput = output.createOutputForSplit("split-0"); // kept across polls, as SourceReaderBase does
                }
                (throughSplit ? splitOutput : output).collect(step.record(), step.timestamp());
            }
            return step.status();
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return available;
        }

        @Override
        public void start() {}

        @Override
        public List<SourceSplit> snapshotState(long checkpointId) {
            return List.of();
        }

        @Override
        public void addSplits(List<SourceSplit> splits) {}

        @Override
        public void notifyNoMoreSplits() {}

        @Override
        public void close() {}
    }

    private static SourceReaderContext readerContext(List<SourceEvent> sent) {
        return new SourceReaderContext() {
            @Override
            public SourceReaderMetricGroup metricGroup() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Configuration getConfiguration() {
                return new Configuration();
            }

            @Override
            public String getLocalHostName() {
                return "localhost";
            }

            @Override
            public int getIndexOfSubtask() {
                return 0;
            }

            @Override
            public void sendSplitRequest() {}

            @Override
            public void sendSourceEventToCoordinator(SourceEvent event) {
                sent.add(event);
            }

            @Override
            public UserCodeClassLoader getUserCodeClassLoader() {
                throw new UnsupportedOperationException();
            }
        };
    }

    private static SplitEnumerator<SourceSplit, Void> enumerator(List<SourceEvent> delegated) {
        return new SplitEnumerator<>() {
            @Override
            public void start() {}

            @Override
            public void handleSplitRequest(int subtask, String hostname) {}

            @Override
            public void addSplitsBack(List<SourceSplit> splits, int subtask) {}

            @Override
            public void addReader(int subtask) {}

            @Override
            public Void snapshotState(long checkpointId) {
                return null;
            }

            @Override
            public void handleSourceEvent(int subtask, SourceEvent event) {
                delegated.add(event);
            }

            @Override
            public void close() {}
        };
    }

    private static SplitEnumeratorContext<SourceSplit> enumeratorContext(int parallelism, List<Boolean> backlog) {
        return new SplitEnumeratorContext<>() {
            @Override
            public SplitEnumeratorMetricGroup metricGroup() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void sendEventToSourceReader(int subtask, SourceEvent event) {}

            @Override
            public int currentParallelism() {
                return parallelism;
            }

            @Override
            public Map<Integer, ReaderInfo> registeredReaders() {
                return Map.of();
            }

            @Override
            public void assignSplits(SplitsAssignment<SourceSplit> assignment) {}

            @Override
            public void signalNoMoreSplits(int subtask) {}

            @Override
            public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {}

            @Override
            public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler, long initialDelay, long period) {}

            @Override
            public void runInCoordinatorThread(Runnable runnable) {}

            @Override
            public void setIsProcessingBacklog(boolean isProcessingBacklog) {
                backlog.add(isProcessingBacklog);
            }
        };
    }
}
