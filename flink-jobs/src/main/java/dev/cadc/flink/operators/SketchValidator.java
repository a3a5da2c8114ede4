package dev.cadc.flink.operators;

import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.DeadLetter;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunEnd;
import dev.cadc.core.format.RunIds;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.run.CheckpointLedger;
import dev.cadc.core.run.CheckpointProgress;
import dev.cadc.core.run.CheckpointTracker;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.RunEvent;
import dev.cadc.flink.records.SourceRow;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
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
 *   <li>Decodes with the core codecs; anything invalid (bad bytes, unknown headers, a projection or
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
 *       ({@link #SOURCE_ROWS}).
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
public final class SketchValidator extends KeyedProcessFunction<String, KafkaRecord, RunEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(SketchValidator.class);

    public static final OutputTag<SourceRow> SOURCE_ROWS = new OutputTag<>("source-rows", Types.POJO(SourceRow.class));
    public static final OutputTag<OutputRecord> DEAD_LETTERS = new OutputTag<>("dead-letters", Types.POJO(OutputRecord.class));

    private final long graceMs;
    private final long runTtlMs;

    private transient ValueState<RunEvent> runStart;
    private transient MapState<Integer, CheckpointProgress> progress;
    private transient ValueState<Integer> nextToClose;
    private transient ValueState<Integer> lastCheckpoint;
    private transient ListState<KafkaRecord> awaitingRunStart;
    private transient ValueState<Long> idleDeadline;
    private transient ValueState<Long> tombstoneUntil;
    private transient Map<ReasonCode, Counter> deadLettersByReason;
    private transient Map<Role, Counter> rowsByRole;
    private transient Counter shortCheckpoints;
    /** The progress of the checkpoints the current {@code advance} closed, for its log line; reused. */
    private transient Map<Integer, CheckpointProgress> closedProgress;
    private transient Counter runsStarted;
    private transient Counter runsEnded;
    private transient Counter runsExpired;

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
        awaitingRunStart = context.getListState(new ListStateDescriptor<>("awaiting-run-start", Types.POJO(KafkaRecord.class)));
        idleDeadline = context.getState(new ValueStateDescriptor<>("idle-deadline", Types.LONG));
        tombstoneUntil = context.getState(new ValueStateDescriptor<>("tombstone-until", Types.LONG));
        var group = context.getMetricGroup();
        deadLettersByReason = new EnumMap<>(ReasonCode.class);
        for (ReasonCode reason : ReasonCode.values()) {
            deadLettersByReason.put(reason, group.addGroup("deadLetters").counter(reason.name()));
        }
        rowsByRole = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            Counter counter = group.counter("sketches" + role.name());
            group.meter("sketchesPerSecond" + role.name(), new MeterView(counter));
            rowsByRole.put(role, counter);
        }
        shortCheckpoints = group.counter("checkpointsClosedShort");
        closedProgress = new HashMap<>();
        runsStarted = group.counter("runsStarted");
        runsEnded = group.counter("runsEnded");
        runsExpired = group.counter("runsExpired");
        // Runs this subtask holds state for: started and not yet released, counted since it (re)started.
        group.gauge("runsHeld", () -> Math.max(0, runsStarted.getCount() - runsEnded.getCount() - runsExpired.getCount()));
    }

    @Override
    public void processElement(KafkaRecord record, Context ctx, Collector<RunEvent> out) throws Exception {
        long eventTime = eventTime(record, ctx);
        try {
            RecordKind kind = RecordKind.classify(record.header(WireFormat.HEADER_SCHEMA_VERSION),
                    record.header(WireFormat.HEADER_CONTENT_TYPE), record.header(WireFormat.HEADER_RECORD_TYPE));
            String runId = RunIds.fromKey(record.key);
            if (record.value == null) {
                throw new InvalidRecordException(ReasonCode.NULL_VALUE, "record has no value");
            }
            if (tombstoneUntil.value() != null) {
                throw new InvalidRecordException(ReasonCode.RUN_ENDED, "run " + runId
                        + " was released (after its run-end record, or idle longer than the run TTL); use a new run id");
            }
            if (kind == RecordKind.RUN_START) {
                startRun(ControlRecordCodec.decodeRunStart(record.value), runId, ctx, out);
            } else if (runStart.value() == null) {
                // Its run-start may be in another partition: wait for it (in event time) up to the grace period.
                awaitingRunStart.add(record);
                ctx.timerService().registerEventTimeTimer(saturatedAdd(eventTime, graceMs));
                return;
            } else {
                accept(kind, record, runId, eventTime, ctx, out);
            }
            extendIdleDeadline(eventTime, ctx);
        } catch (InvalidRecordException e) {
            deadLetter(record, e, ctx);
            return;
        }
        advance(ctx.getCurrentKey(), ctx.timerService().currentWatermark(), ctx, out);
    }

    private void accept(RecordKind kind, KafkaRecord record, String runId, long eventTime, Context ctx, Collector<RunEvent> out)
            throws Exception {
        switch (kind) {
            case CHECKPOINT_COMPLETE -> completeCheckpoint(ControlRecordCodec.decodeCheckpointComplete(record.value), runId, eventTime, ctx);
            case RUN_END -> endRun(ControlRecordCodec.decodeRunEnd(record.value), runId, eventTime, ctx);
            case SKETCH_BATCH -> acceptSketches(SketchCodec.decode(record.value), runId, ctx, out);
            case RUN_START -> throw new IllegalStateException("run-start is handled before");
        }
    }

    private void startRun(RunStart start, String runId, Context ctx, Collector<RunEvent> out) throws Exception {
        requireSameRun(start.runId(), runId);
        RunEvent current = runStart.value();
        if (current != null) {
            if (current.sketchDim != start.sketchDim() || current.projectionSeed != start.projectionSeed()
                    || current.projectionKind != start.projectionKind()
                    || current.influenceSource != start.influenceSource()) {
                throw new InvalidRecordException(ReasonCode.PROJECTION_MISMATCH, "run " + runId
                        + " was already started with another projection or influence source; use a new run id");
            }
            compareLayers(current, start, runId);
            return;
        }
        RunEvent event = RunEvent.runStart(runId, start);
        runStart.update(event);
        runsStarted.inc();
        out.collect(event);
        // Fires when a bounded input ends (the final watermark): every pending checkpoint closes then.
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        List<KafkaRecord> waiting = new ArrayList<>();
        awaitingRunStart.get().forEach(waiting::add);
        awaitingRunStart.clear();
        for (KafkaRecord record : waiting) {
            try {
                RecordKind kind = RecordKind.classify(record.header(WireFormat.HEADER_SCHEMA_VERSION),
                        record.header(WireFormat.HEADER_CONTENT_TYPE), record.header(WireFormat.HEADER_RECORD_TYPE));
                accept(kind, record, runId, record.timestamp, ctx, out);
            } catch (InvalidRecordException e) {
                deadLetter(record, e, ctx);
            }
        }
    }

    /**
     * A repeated run-start (another producer of the run, a restarted trainer) must name the same
     * layers as the run's list, when both give one: the run's list is the first list any run-start of
     * the run gave; a run-start without layers matches any list, and when the run has none yet, the
     * first list given becomes the run's.
     */
    private void compareLayers(RunEvent current, RunStart start, String runId) throws Exception {
        if (!start.hasLayers()) {
            return;
        }
        List<RunStart.Layer> known = current.layers();
        if (known == null) {
            current.setLayers(start.layers());
            runStart.update(current);
            return;
        }
        if (!known.equals(start.layers())) {
            throw new InvalidRecordException(ReasonCode.LAYER_MISMATCH, "run " + runId + " was started with layers "
                    + known + " but this run-start names " + start.layers()
                    + "; every producer of a run must sketch the same layers of the same model (or use a new run id)");
        }
    }

    private void completeCheckpoint(CheckpointComplete complete, String runId, long eventTime, Context ctx) throws Exception {
        requireSameRun(complete.runId(), runId);
        long deadline = tracker().announce(complete.checkpoint(), complete.rows(), eventTime);
        if (deadline != Long.MAX_VALUE) {
            ctx.timerService().registerEventTimeTimer(deadline);
        }
    }

    private void endRun(RunEnd end, String runId, long eventTime, Context ctx) throws Exception {
        requireSameRun(end.runId(), runId);
        Integer known = lastCheckpoint.value();
        if (known != null && known != end.lastCheckpoint()) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE, "run-end names last checkpoint " + end.lastCheckpoint()
                    + " but an earlier run-end named " + known);
        }
        if (end.lastCheckpoint() < tracker().nextToClose() - 1) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE, "run-end names last checkpoint " + end.lastCheckpoint()
                    + " but checkpoint " + (tracker().nextToClose() - 1) + " was already closed");
        }
        tracker().requireWithinReach(end.lastCheckpoint());
        lastCheckpoint.update(end.lastCheckpoint());
        long deadline = tracker().end(end.lastCheckpoint(), eventTime);
        if (deadline != Long.MAX_VALUE) {
            ctx.timerService().registerEventTimeTimer(deadline);
        }
    }

    private void acceptSketches(SketchBatch batch, String runId, Context ctx, Collector<RunEvent> out) throws Exception {
        requireSameRun(batch.runId(), runId);
        RunEvent run = runStart.value();
        if (batch.projection().sketchDim() != run.sketchDim) {
            throw new InvalidRecordException(ReasonCode.WRONG_DIMENSION, "sketches of dimension " + batch.projection().sketchDim()
                    + " but run " + runId + " was started with " + run.sketchDim);
        }
        if (batch.projection().seed() != run.projectionSeed
                || batch.projection().kind() != run.projectionKind) {
            throw new InvalidRecordException(ReasonCode.PROJECTION_MISMATCH, "projection " + batch.projection()
                    + " differs from run " + runId + "'s (seed " + run.projectionSeed + ", " + run.projectionKind + ")");
        }
        Role sourceRole = sourceRole(run);
        CheckpointTracker tracker = tracker();
        // Counted per checkpoint first, so that a batch with a row of a closed checkpoint is rejected whole.
        Map<Integer, long[]> counts = new HashMap<>();
        for (int row = 0; row < batch.rowCount(); row++) {
            Role role = batch.role(row);
            int checkpoint = batch.checkpoint(row);
            boolean scan = role != Role.TRAIN;
            boolean source = role == sourceRole && checkpoint >= 0;
            if (scan || source) {
                long[] count = counts.computeIfAbsent(checkpoint, c -> new long[2]);
                count[0] += scan ? 1 : 0;
                count[1] += source ? 1 : 0;
            }
        }
        for (int checkpoint : counts.keySet()) {
            tracker.requireCountable(checkpoint);
        }
        counts.forEach((checkpoint, count) -> tracker.count(checkpoint, count[0], count[1]));
        for (int row = 0; row < batch.rowCount(); row++) {
            Role role = batch.role(row);
            int checkpoint = batch.checkpoint(row);
            rowsByRole.get(role).inc();
            if (role == Role.PROBE) {
                out.collect(RunEvent.probeRow(runId, checkpoint, batch.sampleId(row), batch.loss(row), batch.sketch(row)));
            } else if (role == sourceRole && checkpoint >= 0) {
                ctx.output(SOURCE_ROWS, new SourceRow(runId, batch.sampleId(row), checkpoint, batch.step(row),
                        batch.learningRate(row), batch.sketch(row)));
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
        if (watermark != Long.MAX_VALUE && idle != null && watermark >= idle) {
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
                shortCheckpoints.inc();
                CheckpointProgress rows = closedProgress.get(closing.checkpoint());
                LOG.warn("run {}: checkpoint {} closed short ({}): {} POOL/PROBE rows arrived, {}; its version lacks"
                                + " the missing rows (metric checkpointsClosedShort; 'cadc inspect' shows it)",
                        runId, closing.checkpoint(), endOfInput ? "end of input" : "grace period passed",
                        rows == null ? 0 : rows.receivedScanRows,
                        rows == null || rows.announcedRows < 0 ? "no checkpoint-complete announced any"
                                : rows.announcedRows + " announced");
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
            runsExpired.inc();
            LOG.warn("run {}: idle for more than the run TTL ({} ms of event time); released with checkpoints {} and later"
                    + " still open", runId, runTtlMs, lastClosed + 1);
        } else {
            runsEnded.inc();
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
        long until = watermark == Long.MAX_VALUE ? Long.MAX_VALUE : saturatedAdd(Math.max(watermark, 0), runTtlMs);
        tombstoneUntil.update(until);
        ctx.timerService().registerEventTimeTimer(until);
    }

    /** Dead-letters the records whose wait for their run-start ended at {@code watermark}. */
    private void expireWaiting(long watermark, Context ctx) throws Exception {
        List<KafkaRecord> still = new ArrayList<>();
        boolean expired = false;
        for (KafkaRecord record : awaitingRunStart.get()) {
            if (saturatedAdd(record.timestamp, graceMs) <= watermark) {
                expired = true;
                deadLetter(record, new InvalidRecordException(ReasonCode.NO_RUN_START, "run " + record.runId()
                        + " has no run-start record within the grace period (" + graceMs
                        + " ms of event time) after this record; publish run-start first (SketchPublisher.startRun)"), ctx);
            } else {
                still.add(record);
            }
        }
        if (expired) {
            awaitingRunStart.update(still);
        }
    }

    private void extendIdleDeadline(long eventTime, Context ctx) throws Exception {
        if (runStart.value() == null || runTtlMs >= Long.MAX_VALUE / 2) {
            return;
        }
        long deadline = saturatedAdd(Math.max(eventTime, ctx.timerService().currentWatermark()), runTtlMs);
        Long current = idleDeadline.value();
        if (current == null || deadline > current) {
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
        return new CheckpointTracker(ledger(closedProgress), run != null && sourceRole(run) == Role.TRAIN, graceMs,
                last == null ? CheckpointTracker.NOT_ENDED : last);
    }

    private CheckpointLedger ledger(Map<Integer, CheckpointProgress> closedProgress) {
        return new CheckpointLedger() {
            @Override
            public CheckpointProgress get(int checkpoint) {
                return unchecked(() -> progress.get(checkpoint));
            }

            @Override
            public void put(int checkpoint, CheckpointProgress value) {
                unchecked(() -> {
                    progress.put(checkpoint, value);
                    return null;
                });
            }

            @Override
            public void remove(int checkpoint) {
                unchecked(() -> {
                    if (closedProgress != null) {
                        closedProgress.put(checkpoint, progress.get(checkpoint));
                    }
                    progress.remove(checkpoint);
                    return null;
                });
            }

            @Override
            public int highestOpen() {
                return unchecked(() -> {
                    int highest = -1;
                    for (Integer checkpoint : progress.keys()) {
                        highest = Math.max(highest, checkpoint);
                    }
                    return highest;
                });
            }

            @Override
            public int nextToClose() {
                return unchecked(() -> nextToClose.value() == null ? 0 : nextToClose.value());
            }

            @Override
            public void setNextToClose(int checkpoint) {
                unchecked(() -> {
                    nextToClose.update(checkpoint);
                    return null;
                });
            }
        };
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

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
    }

    private static void requireSameRun(String inRecord, String key) {
        if (!inRecord.equals(key)) {
            throw new InvalidRecordException(ReasonCode.RUN_MISMATCH, "record names run " + inRecord + " but its key is " + key);
        }
    }

    private void deadLetter(KafkaRecord record, InvalidRecordException e, Context ctx) {
        deadLettersByReason.get(e.reason()).inc();
        Map<String, byte[]> headers = DeadLetter.of(e, record.topic, record.partition, record.offset).toHeaders();
        List<String> names = new ArrayList<>(headers.keySet());
        List<byte[]> values = new ArrayList<>(headers.values());
        if (record.headerNames != null) {
            for (int i = 0; i < record.headerNames.length; i++) {
                if (!record.headerNames[i].startsWith(DeadLetter.HEADER_PREFIX)) {
                    names.add(record.headerNames[i]);
                    values.add(record.headerValues[i]);
                }
            }
        }
        ctx.output(DEAD_LETTERS, new OutputRecord(CadcTopics.DEAD_LETTER, record.key, record.value,
                names.toArray(String[]::new), values.toArray(byte[][]::new)));
    }

    private interface StateCall<T> {
        T call() throws Exception;
    }

    private static <T> T unchecked(StateCall<T> call) {
        try {
            return call.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("keyed state access failed: " + e.getMessage(), e);
        }
    }
}
