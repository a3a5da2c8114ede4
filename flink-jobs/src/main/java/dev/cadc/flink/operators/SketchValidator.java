package dev.cadc.flink.operators;

import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.run.CheckpointProgress;
import dev.cadc.core.run.CheckpointTracker;
import dev.cadc.core.run.RunGate;
import dev.cadc.flink.records.BucketInput;
import dev.cadc.flink.records.CheckpointClosing;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.RunEvent;
import dev.cadc.flink.records.SampleBuckets;
import dev.cadc.flink.records.SketchColumns;
import dev.cadc.flink.records.SourceRow;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * A run's records (keyed by run id, from every partition the run was spread over), judged by the core
 * {@link RunGate}: which records count, when the run's checkpoints close, when its state goes. This
 * operator holds the gate's state in keyed state ({@link KeyedRunStore}), gives it event time (the
 * source's per-partition watermark, so a lagging partition holds it back and a checkpoint whose rows are
 * still there cannot close short during replay or catch-up) and carries out its decisions:
 *
 * <ul>
 *   <li>Its input is decoded already, in parallel, by {@link RecordDecoder} (which decides nothing); a
 *       record the gate refuses goes to {@link #DEAD_LETTERS} with its reason and source offset, counted
 *       per reason. The job never fails on input.
 *   <li>PROBE rows, checkpoint closings and the run's release go to the clusterer (main output);
 *       influence-source rows (POOL or TRAIN, per the run-start) to the sample buckets
 *       ({@link #SOURCE_ROWS}), and after them, when a checkpoint closes, a closing marker to every
 *       bucket of the run: a bucket has all of a checkpoint's rows once its marker is in.
 * </ul>
 */
public final class SketchValidator extends KeyedProcessFunction<String, DecodedRecord, RunEvent> {

    /**
     * Influence-source rows for their sample buckets and, after each closed checkpoint's rows, its
     * closing marker for every bucket of the run: one output, so each bucket gets its rows and the
     * marker on one channel, in order.
     */
    public static final OutputTag<BucketInput> SOURCE_ROWS = new OutputTag<>("source-rows", Types.POJO(BucketInput.class));
    public static final OutputTag<OutputRecord> DEAD_LETTERS = new OutputTag<>("dead-letters", Types.POJO(OutputRecord.class));

    private final long graceMs;
    private final long runTtlMs;
    private transient RunGate<DecodedRecord> gate;
    private transient KeyedRunStore store;
    private transient ValidatorMetrics metrics;

    /**
     * @param graceMs how long (event time) missing rows of an announced checkpoint, and records
     *     waiting for their run-start, are awaited
     * @param runTtlMs how long (event time) a run may stay idle before it is released
     */
    public SketchValidator(long graceMs, long runTtlMs) {
        this.graceMs = graceMs;
        this.runTtlMs = runTtlMs;
    }

    @Override
    public void open(OpenContext openContext) {
        gate = new RunGate<>(graceMs, runTtlMs);
        store = new KeyedRunStore(getRuntimeContext());
        metrics = new ValidatorMetrics(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(DecodedRecord record, Context ctx, Collector<RunEvent> out) throws Exception {
        if (ctx.timestamp() != null) {
            record.source.timestamp = ctx.timestamp();
        }
        gate.onRecord(record, ctx.timerService().currentWatermark(), store, new Decisions(ctx, out));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RunEvent> out) throws Exception {
        gate.onProgress(ctx.getCurrentKey(), ctx.timerService().currentWatermark(), store, new Decisions(ctx, out));
    }

    /** The gate's decisions for the current run (key), carried out on this operator's outputs, timers and metrics. */
    private final class Decisions implements RunGate.Effects<DecodedRecord> {
        private final String runId;
        private final Context ctx;
        private final Collector<RunEvent> out;

        Decisions(Context ctx, Collector<RunEvent> out) {
            this.runId = ctx.getCurrentKey();
            this.ctx = ctx;
            this.out = out;
        }

        @Override
        public void started(RunStart start) {
            metrics.runsStarted.inc();
            out.collect(RunEvent.runStart(runId, start));
        }

        @Override
        public void accepted(DecodedRecord record, Role sourceRole) {
            SketchColumns batch = record.batch;
            for (int row = 0; row < batch.rowCount(); row++) {
                Role role = batch.role(row);
                int checkpoint = batch.checkpoints[row];
                metrics.rows(role).inc();
                if (role == Role.PROBE) {
                    out.collect(RunEvent.probeRow(runId, checkpoint, batch.sampleIds[row], batch.losses[row], batch.sketch(row)));
                } else if (role == sourceRole && checkpoint >= 0) {
                    ctx.output(SOURCE_ROWS, BucketInput.of(new SourceRow(runId, batch.sampleIds[row], checkpoint, batch.steps[row],
                            batch.learningRates[row], batch.sketch(row))));
                }
            }
        }

        @Override
        public void closed(CheckpointTracker.Closing closing, CheckpointProgress progress, long watermark) {
            if (closing.isShort()) {
                metrics.shortCheckpoints.inc();
            }
            for (int bucket = 0; bucket < SampleBuckets.COUNT; bucket++) {
                ctx.output(SOURCE_ROWS, BucketInput.of(new CheckpointClosing(runId, closing.checkpoint(), bucket)));
            }
            out.collect(RunEvent.closed(runId, closing.checkpoint(), closing.sourceRows(), closing.isShort(), watermark));
        }

        @Override
        public void released(int lastCheckpoint, boolean expired, long watermark) {
            (expired ? metrics.runsExpired : metrics.runsEnded).inc();
            out.collect(RunEvent.released(runId, lastCheckpoint, expired, watermark));
        }

        @Override
        public void deadLetter(DecodedRecord record, InvalidRecordException fault) {
            metrics.deadLetters(fault.reason()).inc();
            ctx.output(DEAD_LETTERS, OutputRecord.deadLetter(record.source, fault));
        }

        @Override
        public void wakeAt(long time) {
            ctx.timerService().registerEventTimeTimer(time);
        }

        @Override
        public void cancelWake(long time) {
            ctx.timerService().deleteEventTimeTimer(time);
        }
    }
}
