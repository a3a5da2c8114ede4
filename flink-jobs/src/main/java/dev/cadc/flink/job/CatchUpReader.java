package dev.cadc.flink.job;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.InputStatus;

/**
 * The delegate's reader, which tells {@link CatchUpSource}'s enumerator once that it has caught up: the
 * first time it emits a record at most {@code lagMs} old (its timestamp, the Kafka record's, against
 * this machine's clock: the job's event time already assumes the trainer's clock is close to it), finds
 * nothing to read for {@code lagMs}, or reaches the end of a bounded input. A trainer that publishes
 * without pause never leaves its readers with nothing to read, so the age of what they read is what
 * ends a catch-up under a live stream. Until it has reported, the availability it gives Flink also
 * completes after {@code lagMs}, so that a reader with nothing to read is polled again and notices.
 */
final class CatchUpReader<T, SplitT extends SourceSplit> implements SourceReader<T, SplitT> {

    private final SourceReader<T, SplitT> delegate;
    private final SourceReaderContext context;
    private final long lagMs;
    private final LongSupplier clock;
    private boolean reported;
    /** When the reader last found nothing after a record (or since it started), or -1 while records come. */
    private long quietSince;
    private CompletableFuture<Void> quietTimer;

    CatchUpReader(SourceReader<T, SplitT> delegate, SourceReaderContext context, long lagMs, LongSupplier clock) {
        this.delegate = delegate;
        this.context = context;
        this.lagMs = lagMs;
        this.clock = clock;
        this.quietSince = clock.getAsLong();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
        if (reported) {
            return delegate.pollNext(output);
        }
        InputStatus status = delegate.pollNext(new Watching(output));
        if (reported) {
            return status;
        }
        long now = clock.getAsLong();
        if (status == InputStatus.END_OF_INPUT) {
            report("end of input");
        } else if (status == InputStatus.NOTHING_AVAILABLE) {
            if (quietSince < 0) {
                quietSince = now;
            } else if (now - quietSince >= lagMs) {
                report("nothing to read for " + (now - quietSince) + " ms");
            }
        }
        return status;
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        CompletableFuture<Void> available = delegate.isAvailable();
        if (reported || available.isDone()) {
            return available;
        }
        if (quietTimer == null || quietTimer.isDone()) {
            quietTimer = new CompletableFuture<Void>().completeOnTimeout(null, lagMs, TimeUnit.MILLISECONDS);
        }
        return CompletableFuture.anyOf(available, quietTimer).thenApply(ignored -> null);
    }

    /** A record came with this timestamp. */
    private void saw(long timestamp) {
        if (reported) {
            return;
        }
        quietSince = -1;
        long age = clock.getAsLong() - timestamp;
        if (age <= lagMs) {
            report("read a record " + age + " ms old");
        }
    }

    private void report(String reason) {
        reported = true;
        quietTimer = null;
        context.sendSourceEventToCoordinator(new CatchUpSource.CaughtUp(reason));
    }

    @Override
    public void start() {
        delegate.start();
    }

    @Override
    public List<SplitT> snapshotState(long checkpointId) {
        return delegate.snapshotState(checkpointId);
    }

    @Override
    public void addSplits(List<SplitT> splits) {
        delegate.addSplits(splits);
    }

    @Override
    public void notifyNoMoreSplits() {
        delegate.notifyNoMoreSplits();
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        delegate.handleSourceEvents(event);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        delegate.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        delegate.notifyCheckpointAborted(checkpointId);
    }

    @Override
    public void pauseOrResumeSplits(Collection<String> toPause, Collection<String> toResume) {
        delegate.pauseOrResumeSplits(toPause, toResume);
    }

    @Override
    public void close() throws Exception {
        delegate.close();
    }

    /** A split's output, seeing every record's timestamp on its way through. */
    private class WatchingSplit implements SourceOutput<T> {
        private final SourceOutput<T> output;

        WatchingSplit(SourceOutput<T> output) {
            this.output = output;
        }

        @Override
        public void collect(T record) {
            output.collect(record);
        }

        @Override
        public void collect(T record, long timestamp) {
            output.collect(record, timestamp);
            saw(timestamp);
        }

        @Override
        public void emitWatermark(Watermark watermark) {
            output.emitWatermark(watermark);
        }

        @Override
        public void markIdle() {
            output.markIdle();
        }

        @Override
        public void markActive() {
            output.markActive();
        }
    }

    /** The reader's output, and the outputs it makes for splits, all seeing every record's timestamp. */
    private final class Watching extends WatchingSplit implements ReaderOutput<T> {
        private final ReaderOutput<T> output;

        Watching(ReaderOutput<T> output) {
            super(output);
            this.output = output;
        }

        @Override
        public SourceOutput<T> createOutputForSplit(String splitId) {
            return new WatchingSplit(output.createOutputForSplit(splitId));
        }

        @Override
        public void releaseOutputForSplit(String splitId) {
            output.releaseOutputForSplit(splitId);
        }
    }
}
