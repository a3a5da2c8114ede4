package dev.cadc.flink.operators;

import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunEnd;
import dev.cadc.core.format.RunIds;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.run.CheckpointProgress;
import dev.cadc.core.run.RunAdmission;
import dev.cadc.core.run.RunLifecycle;
import dev.cadc.core.run.CheckpointTracker;
import dev.cadc.flink.records.BucketInput;
import dev.cadc.flink.records.CheckpointClosing;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.RunEvent;
import dev.cadc.flink.records.SampleBuckets;
import dev.cadc.flink.records.SketchColumns;
import dev.cadc.flink.records.SourceRow;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates a run's records (keyed by run id, from every partition the run was spread over) and
 * decides when its checkpoints are complete, with the core {@link CheckpointTracker}.
 *
 * <ul>
 *   <li>Its input is decoded already, in parallel, by {@link RecordDecoder} (which decides nothing);
 *       anything invalid (bad bytes, unknown headers, a projection or
 *       run id that disagrees with the run's, a record key outside the run-id rule of {@link RunIds}
 *       (INVALID_RUN_ID), a repeated run-start naming other layers than the run's
 *       (LAYER_MISMATCH; a run-start without layers matches any), rows of a closed checkpoint) goes to
 *       {@link #DEAD_LETTERS} with its reason and source offset, counted per reason. The job never
 *       fails on input.
 *   <li>A checkpoint number 1024 or more past the run's oldest open one (rows, checkpoint-complete,
 *       run-end) is INVALID_VALUE ({@link CheckpointTracker#MAX_CHECKPOINTS_AHEAD}): a corrupted number
 *       must not open, close and version every checkpoint up to it. A checkpoint that closes short is
 *       logged with its rows (arrived, announced) and counted in {@code checkpointsClosedShort}.
 *   <li>Records that arrive before their run's run-start (it may travel in another partition) wait
 *       up to the grace period, in event time, then become NO_RUN_START dead letters.
 *   <li>PROBE rows, checkpoint closings and the run's release go to the clusterer (main output);
 *       influence-source rows (POOL or TRAIN, per the run-start) to the sample buckets
 *       ({@link #SOURCE_ROWS}), and after them, when a checkpoint closes, a closing marker to every
 *       bucket of the run: a bucket has all of a checkpoint's rows once its marker is in.
 *   <li>Progress time is the event-time watermark of the source: per partition from Kafka record
 *       timestamps, following the wall clock only for partitions with nothing left to read. A lagging
 *       partition therefore holds it back, and a checkpoint whose rows are still in that partition
 *       cannot close short while the job replays or catches up.
 *   <li>State has a lifecycle: a run-end record releases the run once its last checkpoint has closed;
 *       a run idle (in event time) for longer than the run TTL is released terminally. Either leaves
 *       only a tombstone, so later records of the run are RUN_ENDED dead letters; the tombstone is
 *       forgotten one TTL later.
 * </ul>
 */
public final class SketchValidator extends KeyedProcessFunction<String, DecodedRecord, RunEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(SketchValidator.class);

    /**
     * Influence-source rows for their sample buckets and, after each closed checkpoint's rows, its
     * closing marker for every bucket of the run: one output, so each bucket gets its rows and the
     * marker on one channel, in order.
     */
    public static final OutputTag<BucketInput> SOURCE_ROWS = new OutputTag<>("source-rows", Types.POJO(BucketInput.class));
    public static final OutputTag<OutputRecord> DEAD_LETTERS = new OutputTag<>("dead-letters", Types.POJO(OutputRecord.class));

    private final long graceMs;
    private final long runTtlMs;
    private transient RunLifecycle lifecycle;

    private transient ValueState<RunEvent> runStart;
    private transient MapState<Integer, CheckpointProgress> progress;
    private transient ValueState<Integer> nextToClose;
    private transient ValueState<Integer> lastCheckpoint;
    private transient AwaitingRunStart awaitingRunStart;
    private transient ValueState<Long> idleDeadline;
    private transient ValueState<Long> tombstoneUntil;
    private transient ValidatorMetrics metrics;
    /** The progress of the checkpoints the current {@code advance} closed, for its log line; reused. */
    private transient Map<Integer, CheckpointProgress> closedProgress;

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
        var context = getRuntimeContext();
        runStart = context.getState(new ValueStateDescriptor<>("run-start", Types.POJO(RunEvent.class)));
        progress = context.getMapState(new MapStateDescriptor<>("checkpoint-progress", Types.INT, Types.POJO(CheckpointProgress.class)));
        nextToClose = context.getState(new ValueStateDescriptor<>("next-to-close", Types.INT));
        lastCheckpoint = context.getState(new ValueStateDescriptor<>("last-checkpoint", Types.INT));
        lifecycle = new RunLifecycle(graceMs, runTtlMs);
        awaitingRunStart = new AwaitingRunStart(context.getMapState(AwaitingRunStart.RECORDS), context.getState(AwaitingRunStart.NEXT), lifecycle);
        idleDeadline = context.getState(new ValueStateDescriptor<>("idle-deadline", Types.LONG));
        tombstoneUntil = context.getState(new ValueStateDescriptor<>("tombstone-until", Types.LONG));
        metrics = new ValidatorMetrics(context.getMetricGroup());
        closedProgress = new HashMap<>();
    }

    @Override
    public void processElement(DecodedRecord record, Context ctx, Collector<RunEvent> out) throws Exception {
        long eventTime = eventTime(record.source, ctx);
        try {
            record.requireValidHeaders();
            RecordKind kind = record.kind;
            String runId = record.runId;
            if (tombstoneUntil.value() != null) {
                throw RunLifecycle.runEnded(runId);
            }
            if (kind == RecordKind.RUN_START) {
                startRun(ControlRecordCodec.decodeRunStart(record.source.value), runId, ctx, out);
            } else if (runStart.value() == null) {
                // Its run-start may be in another partition: wait for it (in event time) up to the grace period.
                awaitingRunStart.add(record, eventTime, ctx.timerService());
                return;
            } else {
                accept(record, runId, eventTime, ctx, out);
            }
            extendIdleDeadline(eventTime, ctx);
        } catch (InvalidRecordException e) {
            deadLetter(record, e, ctx);
            return;
        }
        advance(ctx.getCurrentKey(), ctx.timerService().currentWatermark(), ctx, out);
    }

    private void accept(DecodedRecord record, String runId, long eventTime, Context ctx, Collector<RunEvent> out)
            throws Exception {
        switch (record.kind) {
            case CHECKPOINT_COMPLETE -> completeCheckpoint(ControlRecordCodec.decodeCheckpointComplete(record.source.value), runId, eventTime, ctx);
            case RUN_END -> endRun(ControlRecordCodec.decodeRunEnd(record.source.value), runId, eventTime, ctx);
            case SKETCH_BATCH -> {
                record.requireValidBody();
                acceptSketches(record.batch, runId, ctx, out);
            }
            case RUN_START -> throw new IllegalStateException("run-start is handled before");
        }
    }

    private void startRun(RunStart start, String runId, Context ctx, Collector<RunEvent> out) throws Exception {
        RunAdmission.admitRunId(start.runId(), runId);
        RunEvent current = runStart.value();
        if (current != null) {
            List<RunStart.Layer> layers = RunAdmission.admitRepeatedStart(current.toRunStart(), start);
            if (!current.hasLayers() && layers != null) {
                current.setLayers(layers);
                runStart.update(current);
            }
            return;
        }
        RunEvent event = RunEvent.runStart(runId, start);
        runStart.update(event);
        metrics.runsStarted.inc();
        out.collect(event);
        // Fires when a bounded input ends (the final watermark): every pending checkpoint closes then.
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        awaitingRunStart.takeAll(record -> {
            try {
                accept(record, runId, record.source.timestamp, ctx, out);
            } catch (InvalidRecordException e) {
                deadLetter(record, e, ctx);
            }
        });
    }

    private void completeCheckpoint(CheckpointComplete complete, String runId, long eventTime, Context ctx) throws Exception {
        RunAdmission.admitRunId(complete.runId(), runId);
        long deadline = tracker().announce(complete.checkpoint(), complete.rows(), eventTime);
        if (deadline != Long.MAX_VALUE) {
            ctx.timerService().registerEventTimeTimer(deadline);
        }
    }

    private void endRun(RunEnd end, String runId, long eventTime, Context ctx) throws Exception {
        RunAdmission.admitRunId(end.runId(), runId);
        RunAdmission.admitRunEnd(lastCheckpoint.value(), end.lastCheckpoint(), tracker().nextToClose());
        tracker().requireWithinReach(end.lastCheckpoint());
        lastCheckpoint.update(end.lastCheckpoint());
        long deadline = tracker().end(end.lastCheckpoint(), eventTime);
        if (deadline != Long.MAX_VALUE) {
            ctx.timerService().registerEventTimeTimer(deadline);
        }
    }

    private void acceptSketches(SketchColumns batch, String runId, Context ctx, Collector<RunEvent> out) throws Exception {
        RunEvent run = runStart.value();
        RunAdmission.admitBatch(run.toRunStart(), batch.projection());
        Role sourceRole = sourceRole(run);
        tracker().countBatch(batch.roles, batch.checkpoints);
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
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RunEvent> out) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        Long tombstone = tombstoneUntil.value();
        if (tombstone != null) {
            if (watermark >= tombstone) {
                tombstoneUntil.clear();
                expireWaiting(Long.MAX_VALUE, ctx);
            } else {
                expireWaiting(watermark, ctx);
            }
            return;
        }
        expireWaiting(watermark, ctx);
        RunEvent run = runStart.value();
        if (run == null) {
            return;
        }
        Long idle = idleDeadline.value();
        if (lifecycle.idleExpired(idle, watermark)) {
            release(run.runId, true, watermark, ctx, out);
            return;
        }
        advance(run.runId, watermark, ctx, out);
    }

    /** Closes what is ready and releases the run when its run-end's last checkpoint has closed. */
    private void advance(String runId, long watermark, Context ctx, Collector<RunEvent> out) throws Exception {
        RunEvent run = runStart.value();
        if (run == null) {
            return;
        }
        closedProgress.clear();
        CheckpointTracker tracker = tracker(closedProgress);
        boolean endOfInput = watermark == Long.MAX_VALUE;
        for (CheckpointTracker.Closing closing : tracker.closeReady(watermark, endOfInput)) {
            if (closing.isShort()) {
                metrics.shortCheckpoints.inc();
                CheckpointProgress rows = closedProgress.get(closing.checkpoint());
                LOG.warn("run {}: checkpoint {} closed short ({}): {} POOL/PROBE rows arrived, {}; its version lacks"
                                + " the missing rows (metric checkpointsClosedShort; 'cadc inspect' shows it)",
                        runId, closing.checkpoint(), endOfInput ? "end of input" : "grace period passed",
                        rows == null ? 0 : rows.receivedScanRows,
                        rows == null || rows.announcedRows < 0 ? "no checkpoint-complete announced any"
                                : rows.announcedRows + " announced");
            }
            LOG.info("run {}: checkpoint {} closed with {} influence rows at event time {}", runId, closing.checkpoint(),
                    closing.sourceRows(), watermark == Long.MAX_VALUE ? "end of input" : watermark);
            for (int bucket = 0; bucket < SampleBuckets.COUNT; bucket++) {
                ctx.output(SOURCE_ROWS, BucketInput.of(new CheckpointClosing(runId, closing.checkpoint(), bucket)));
            }
            out.collect(RunEvent.closed(runId, closing.checkpoint(), closing.sourceRows(), closing.isShort(), watermark));
        }
        if (tracker.allClosed()) {
            release(runId, false, watermark, ctx, out);
        }
    }

    /** Releases everything held for the run, leaving a tombstone for one TTL. */
    private void release(String runId, boolean expired, long watermark, Context ctx, Collector<RunEvent> out) throws Exception {
        Integer last = lastCheckpoint.value();
        int lastClosed = (nextToClose.value() == null ? 0 : nextToClose.value()) - 1;
        if (expired) {
            metrics.runsExpired.inc();
            LOG.warn("run {}: idle for more than the run TTL ({} ms of event time); released with checkpoints {} and later"
                    + " still open", runId, runTtlMs, lastClosed + 1);
        } else {
            metrics.runsEnded.inc();
            LOG.info("run {}: ended after checkpoint {}; its state is released", runId, last);
        }
        out.collect(RunEvent.released(runId, expired ? lastClosed : last, expired, watermark));
        ctx.timerService().deleteEventTimeTimer(Long.MAX_VALUE);
        if (idleDeadline.value() != null) {
            ctx.timerService().deleteEventTimeTimer(idleDeadline.value());
        }
        runStart.clear();
        progress.clear();
        nextToClose.clear();
        lastCheckpoint.clear();
        idleDeadline.clear();
        awaitingRunStart.clear();
        long until = lifecycle.tombstoneUntil(watermark);
        tombstoneUntil.update(until);
        ctx.timerService().registerEventTimeTimer(until);
    }

    /** Dead-letters the records whose wait for their run-start ended at {@code watermark}. */
    private void expireWaiting(long watermark, Context ctx) throws Exception {
        awaitingRunStart.expire(watermark, record -> deadLetter(record, lifecycle.noRunStart(record.runId), ctx));
    }

    private void extendIdleDeadline(long eventTime, Context ctx) throws Exception {
        if (runStart.value() == null || !lifecycle.expiresIdleRuns()) {
            return;
        }
        Long current = idleDeadline.value();
        long deadline = lifecycle.idleDeadline(current, eventTime, ctx.timerService().currentWatermark());
        if (current == null || deadline != current) {
            if (current != null) {
                ctx.timerService().deleteEventTimeTimer(current);
            }
            idleDeadline.update(deadline);
            ctx.timerService().registerEventTimeTimer(deadline);
        }
    }

    private CheckpointTracker tracker() throws Exception {
        return tracker(null);
    }

    /** The run's tracker; {@code closedProgress}, when given, receives the progress of each checkpoint it closes. */
    private CheckpointTracker tracker(Map<Integer, CheckpointProgress> closedProgress) throws Exception {
        RunEvent run = runStart.value();
        Integer last = lastCheckpoint.value();
        return new CheckpointTracker(new KeyedCheckpointLedger(progress, nextToClose, closedProgress), run != null && sourceRole(run) == Role.TRAIN, graceMs,
                last == null ? CheckpointTracker.NOT_ENDED : last);
    }

    private static Role sourceRole(RunEvent run) {
        return run.influenceSource == InfluenceSource.TRAIN ? Role.TRAIN : Role.POOL;
    }

    private static long eventTime(KafkaRecord record, Context ctx) {
        Long timestamp = ctx.timestamp();
        if (timestamp != null) {
            record.timestamp = timestamp;
        }
        return record.timestamp;
    }

    private void deadLetter(DecodedRecord record, InvalidRecordException e, Context ctx) {
        metrics.deadLetters(e.reason()).inc();
        ctx.output(DEAD_LETTERS, OutputRecord.deadLetter(record.source, e));
    }
}
