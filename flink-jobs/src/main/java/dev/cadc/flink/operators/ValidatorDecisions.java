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
import dev.cadc.flink.records.RecordVerdict;
import dev.cadc.flink.records.RowParcel;
import dev.cadc.flink.records.RunEvent;
import dev.cadc.flink.records.SampleBuckets;
import dev.cadc.flink.records.SketchColumns;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The {@link RunGate}'s decisions for the current run (the validator's key), carried out on the
 * {@link SketchValidator}'s outputs, timers and metrics: PROBE rows, closings and releases to the
 * clusterer; verdicts and closing markers to the run's buckets; dead letters.
 */
final class ValidatorDecisions implements RunGate.Effects<DecodedRecord> {

    private final String runId;
    private final KeyedProcessFunction<String, DecodedRecord, RunEvent>.Context ctx;
    private final Collector<RunEvent> out;
    private final ValidatorMetrics metrics;
    private final ValueState<Long> parcelStamp;

    /**
     * @param parcelStamp the largest {@link DecodedRecord#parcelStamp} of the run's accepted records
     *     since its start (keyed state of the validator)
     */
    ValidatorDecisions(KeyedProcessFunction<String, DecodedRecord, RunEvent>.Context ctx, Collector<RunEvent> out,
            ValidatorMetrics metrics, ValueState<Long> parcelStamp) {
        this.runId = ctx.getCurrentKey();
        this.ctx = ctx;
        this.out = out;
        this.metrics = metrics;
        this.parcelStamp = parcelStamp;
    }

    @Override
    public void started(RunStart start) {
        metrics.runsStarted.inc();
        out.collect(RunEvent.runStart(runId, start));
    }

    @Override
    public void accepted(DecodedRecord record, Role sourceRole) throws Exception {
        for (byte role : record.rowRoles) {
            metrics.rows(Role.fromCode(role)).inc();
        }
        SketchColumns batch = record.batch;
        for (int row = 0; row < batch.rowCount(); row++) {
            if (batch.role(row) == Role.PROBE) {
                out.collect(RunEvent.probeRow(runId, batch.checkpoints[row], batch.sampleIds[row], batch.losses[row], batch.sketch(row)));
            }
        }
        if (!record.hasParcels()) {
            return;
        }
        // Only rows of the influence source count, and only they are of open checkpoints when their
        // record is accepted (rows of the other role are not counted, so a TRAIN row of a POOL run may
        // come after its checkpoint closed): the earliest of them is the fold a bucket must hold back.
        int first = Integer.MAX_VALUE;
        for (int row = 0; row < record.rowRoles.length; row++) {
            if (CheckpointTracker.isSourceRow(record.rowRoles[row], record.rowCheckpoints[row], sourceRole)) {
                first = Math.min(first, record.rowCheckpoints[row]);
            }
        }
        String recordKey = RowParcel.keyOf(record.source);
        for (int bucket : record.parcelBuckets) {
            ctx.output(SketchValidator.SOURCE_ROWS, BucketInput.of(RecordVerdict.accepted(runId, bucket, recordKey, sourceRole, first)));
        }
        Long stamp = parcelStamp.value();
        if (stamp == null || record.parcelStamp > stamp) {
            parcelStamp.update(record.parcelStamp);
        }
    }

    @Override
    public void closed(CheckpointTracker.Closing closing, CheckpointProgress progress, long watermark) throws Exception {
        if (closing.isShort()) {
            metrics.shortCheckpoints.inc();
        }
        for (int bucket = 0; bucket < SampleBuckets.COUNT; bucket++) {
            ctx.output(SketchValidator.SOURCE_ROWS, BucketInput.of(new CheckpointClosing(runId, closing.checkpoint(), bucket)));
        }
        out.collect(RunEvent.closed(runId, closing.checkpoint(), closing.sourceRows(), closing.isShort(), allHereAfter(watermark)));
    }

    @Override
    public void released(int lastCheckpoint, boolean expired, long watermark) throws Exception {
        (expired ? metrics.runsExpired : metrics.runsEnded).inc();
        out.collect(RunEvent.released(runId, lastCheckpoint, expired, allHereAfter(watermark)));
        parcelStamp.clear();
    }

    @Override
    public void deadLetter(DecodedRecord record, InvalidRecordException fault) {
        metrics.deadLetters(fault.reason()).inc();
        ctx.output(SketchValidator.DEAD_LETTERS, OutputRecord.deadLetter(record.source, fault));
        if (record.hasParcels()) {
            // The record's rows are in its buckets already, or on their way: each bucket drops them.
            String recordKey = RowParcel.keyOf(record.source);
            for (int bucket : record.parcelBuckets) {
                ctx.output(SketchValidator.SOURCE_ROWS, BucketInput.of(RecordVerdict.refused(runId, bucket, recordKey)));
            }
        }
    }

    /** The watermark after which every row, marker and verdict of what was decided at {@code watermark} has reached its bucket. */
    private long allHereAfter(long watermark) throws Exception {
        Long stamp = parcelStamp.value();
        return stamp == null ? watermark : Math.max(watermark, stamp);
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
