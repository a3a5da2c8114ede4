package dev.cadc.flink.job;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A source that tells Flink when it is catching up, so the job checkpoints less often until it has
 * (Flink's {@code execution.checkpointing.interval-during-backlog}, FLIP-309; the Kafka source does not
 * report a backlog itself). Every start of the enumerator (a new job, or a restore after a failure or
 * from a savepoint) begins in backlog. Each reader reports once when it has caught up
 * ({@link CatchUpReader}): it read a record at most {@code lagMs} old, or found nothing to read for
 * {@code lagMs}, or reached the end of a bounded input. When every reader has reported, the backlog
 * ends and checkpoints come at the normal interval; it does not start again until the next restart.
 *
 * <p>It changes when checkpoints are taken, never what the job computes: the curriculum is the same
 * whatever the checkpoints (docs/job.md, "Checkpoints while catching up").
 */
public final class CatchUpSource<T, SplitT extends SourceSplit, EnumT> implements Source<T, SplitT, EnumT>, ResultTypeQueryable<T> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CatchUpSource.class);

    /** A reader's report: it has caught up, and why. */
    record CaughtUp(String reason) implements SourceEvent {}

    private final Source<T, SplitT, EnumT> delegate;
    private final TypeInformation<T> producedType;
    private final long lagMs;
    private final long backlogIntervalMs;

    /**
     * @param lagMs how old a record may be, or how long a reader may find nothing, and still count as caught up
     * @param backlogIntervalMs the checkpoint interval while catching up (for the log; Flink's configuration sets it)
     */
    public CatchUpSource(Source<T, SplitT, EnumT> delegate, TypeInformation<T> producedType, long lagMs, long backlogIntervalMs) {
        this.delegate = delegate;
        this.producedType = producedType;
        this.lagMs = lagMs;
        this.backlogIntervalMs = backlogIntervalMs;
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return producedType;
    }

    @Override
    public Boundedness getBoundedness() {
        return delegate.getBoundedness();
    }

    @Override
    public SourceReader<T, SplitT> createReader(SourceReaderContext context) throws Exception {
        return new CatchUpReader<>(delegate.createReader(context), context, lagMs, System::currentTimeMillis);
    }

    @Override
    public SplitEnumerator<SplitT, EnumT> createEnumerator(SplitEnumeratorContext<SplitT> context) throws Exception {
        return new Enumerator<>(delegate.createEnumerator(context), context, backlogIntervalMs);
    }

    @Override
    public SplitEnumerator<SplitT, EnumT> restoreEnumerator(SplitEnumeratorContext<SplitT> context, EnumT checkpoint) throws Exception {
        return new Enumerator<>(delegate.restoreEnumerator(context, checkpoint), context, backlogIntervalMs);
    }

    @Override
    public SimpleVersionedSerializer<SplitT> getSplitSerializer() {
        return delegate.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<EnumT> getEnumeratorCheckpointSerializer() {
        return delegate.getEnumeratorCheckpointSerializer();
    }

    /** The delegate's enumerator, plus the backlog: on from {@link #start}, off once every reader has caught up. */
    static final class Enumerator<SplitT extends SourceSplit, EnumT> implements SplitEnumerator<SplitT, EnumT> {

        private final SplitEnumerator<SplitT, EnumT> delegate;
        private final SplitEnumeratorContext<SplitT> context;
        private final long backlogIntervalMs;
        /** Reports by subtask, until the backlog ends; null after. */
        private Map<Integer, String> caughtUp = new TreeMap<>();

        Enumerator(SplitEnumerator<SplitT, EnumT> delegate, SplitEnumeratorContext<SplitT> context, long backlogIntervalMs) {
            this.delegate = delegate;
            this.context = context;
            this.backlogIntervalMs = backlogIntervalMs;
        }

        @Override
        public void start() {
            delegate.start();
            context.setIsProcessingBacklog(true);
            LOG.info("catching up: a checkpoint every {} ms until each of the {} source readers has caught up",
                    backlogIntervalMs, context.currentParallelism());
        }

        @Override
        public void handleSourceEvent(int subtask, SourceEvent event) {
            if (!(event instanceof CaughtUp report)) {
                delegate.handleSourceEvent(subtask, event);
                return;
            }
            if (caughtUp == null) {
                return; // the backlog has ended; a reader restarted since reports again
            }
            caughtUp.put(subtask, report.reason());
            if (caughtUp.size() >= context.currentParallelism()) {
                context.setIsProcessingBacklog(false);
                LOG.info("caught up, checkpoints at the normal interval from now: {}", caughtUp);
                caughtUp = null;
            }
        }

        @Override
        public void handleSplitRequest(int subtask, String hostname) {
            delegate.handleSplitRequest(subtask, hostname);
        }

        @Override
        public void addSplitsBack(List<SplitT> splits, int subtask) {
            delegate.addSplitsBack(splits, subtask);
        }

        @Override
        public void addReader(int subtask) {
            delegate.addReader(subtask);
        }

        @Override
        public EnumT snapshotState(long checkpointId) throws Exception {
            return delegate.snapshotState(checkpointId);
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
        public void close() throws java.io.IOException {
            delegate.close();
        }
    }
}
