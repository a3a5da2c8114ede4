package dev.cadc.flink.operators;

import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.DeadLetter;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.RunEvent;
import dev.cadc.flink.records.SourceRow;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
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

/**
 * Validates a run's records in partition order (keyed by run id) and decides when its checkpoints
 * are complete.
 *
 * <ul>
 *   <li>Decodes with the core codecs; anything invalid (bad bytes, unknown headers, no run-start, a
 *       projection or run id that disagrees with the run's) goes to {@link #DEAD_LETTERS} with its
 *       reason and source offset, counted per reason. The job never fails on input.
 *   <li>PROBE rows and checkpoint closings go to the clusterer (main output); influence-source rows
 *       (POOL or TRAIN, per the run-start) to the accumulators ({@link #SOURCE_ROWS}).
 *   <li>Checkpoint j closes, in checkpoint order, when its checkpoint-complete row count is reached,
 *       when the grace period after that record passes (short), or at the end of bounded input. With
 *       TRAIN as influence source, window j (the steps after checkpoint j) is complete only when
 *       checkpoint j + 1 is, so it closes then.
 * </ul>
 */
public final class SketchValidator extends KeyedProcessFunction<String, KafkaRecord, RunEvent> {

    public static final OutputTag<SourceRow> SOURCE_ROWS = new OutputTag<>("source-rows", Types.POJO(SourceRow.class));
    public static final OutputTag<OutputRecord> DEAD_LETTERS = new OutputTag<>("dead-letters", Types.POJO(OutputRecord.class));

    private final long graceMs;

    private transient ValueState<RunEvent> runStart;
    private transient MapState<Integer, CheckpointProgress> progress;
    private transient ValueState<Integer> nextToClose;
    private transient ValueState<Boolean> endOfInput;
    private transient Map<ReasonCode, Counter> deadLettersByReason;
    private transient Map<Role, Counter> rowsByRole;

    public SketchValidator(long graceMs) {
        this.graceMs = graceMs;
    }

    /** Per checkpoint: the announced and received scan rows, the forwarded source rows, the grace deadline. */
    public static class CheckpointProgress {
        public long announcedRows = -1;
        public long receivedScanRows;
        public long sourceRows;
        public long graceDeadline = Long.MAX_VALUE;

        public CheckpointProgress() {}
    }

    @Override
    public void open(OpenContext openContext) {
        runStart = getRuntimeContext().getState(new ValueStateDescriptor<>("run-start", Types.POJO(RunEvent.class)));
        progress = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("checkpoint-progress", Types.INT, Types.POJO(CheckpointProgress.class)));
        nextToClose = getRuntimeContext().getState(new ValueStateDescriptor<>("next-to-close", Types.INT));
        endOfInput = getRuntimeContext().getState(new ValueStateDescriptor<>("end-of-input", Types.BOOLEAN));
        var group = getRuntimeContext().getMetricGroup();
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
    }

    @Override
    public void processElement(KafkaRecord record, Context ctx, Collector<RunEvent> out) throws Exception {
        try {
            RecordKind kind = RecordKind.classify(record.header(WireFormat.HEADER_SCHEMA_VERSION),
                    record.header(WireFormat.HEADER_CONTENT_TYPE), record.header(WireFormat.HEADER_RECORD_TYPE));
            String runId = record.runId();
            if (record.value == null) {
                throw new InvalidRecordException(ReasonCode.NULL_VALUE, "record has no value");
            }
            if (runId.isEmpty()) {
                throw new InvalidRecordException(ReasonCode.NULL_VALUE, "record has no key; the key must be the run id");
            }
            switch (kind) {
                case RUN_START -> startRun(ControlRecordCodec.decodeRunStart(record.value), runId, ctx, out);
                case CHECKPOINT_COMPLETE -> completeCheckpoint(ControlRecordCodec.decodeCheckpointComplete(record.value), runId, ctx);
                case SKETCH_BATCH -> acceptSketches(SketchCodec.decode(record.value), runId, ctx, out);
            }
        } catch (InvalidRecordException e) {
            deadLetter(record, e, ctx);
            return;
        }
        closeReadyCheckpoints(ctx, out);
    }

    private void startRun(RunStart start, String runId, Context ctx, Collector<RunEvent> out) throws Exception {
        requireSameRun(start.runId(), runId);
        RunEvent current = runStart.value();
        if (current != null) {
            if (current.sketchDim != start.sketchDim() || current.projectionSeed != start.projectionSeed()
                    || !current.projectionKind.equals(start.projectionKind().wireName())
                    || !current.influenceSource.equals(start.influenceSource().wireName())) {
                throw new InvalidRecordException(ReasonCode.PROJECTION_MISMATCH, "run " + runId
                        + " was already started with another projection or influence source; use a new run id");
            }
            return;
        }
        RunEvent event = new RunEvent();
        event.runId = runId;
        event.kind = RunEvent.RUN_START;
        event.sketchDim = start.sketchDim();
        event.projectionSeed = start.projectionSeed();
        event.projectionKind = start.projectionKind().wireName();
        event.influenceSource = start.influenceSource().wireName();
        runStart.update(event);
        out.collect(event);
        // Fires when a bounded input ends (the final watermark): every pending checkpoint closes then.
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }

    private void completeCheckpoint(CheckpointComplete complete, String runId, Context ctx) throws Exception {
        requireSameRun(complete.runId(), runId);
        requireStarted(runId);
        int closedBelow = nextToClose.value() == null ? 0 : nextToClose.value();
        if (complete.checkpoint() < closedBelow) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE, "checkpoint-complete for checkpoint "
                    + complete.checkpoint() + ", which was already closed; a repeated record is ignored");
        }
        CheckpointProgress checkpoint = progressOf(complete.checkpoint());
        checkpoint.announcedRows = complete.rows();
        if (graceMs < Long.MAX_VALUE / 2) {
            checkpoint.graceDeadline = ctx.timerService().currentProcessingTime() + graceMs;
            ctx.timerService().registerProcessingTimeTimer(checkpoint.graceDeadline);
        }
        progress.put(complete.checkpoint(), checkpoint);
    }

    private void acceptSketches(SketchBatch batch, String runId, Context ctx, Collector<RunEvent> out) throws Exception {
        requireSameRun(batch.runId(), runId);
        RunEvent run = requireStarted(runId);
        if (batch.projection().sketchDim() != run.sketchDim) {
            throw new InvalidRecordException(ReasonCode.WRONG_DIMENSION, "sketches of dimension " + batch.projection().sketchDim()
                    + " but run " + runId + " was started with " + run.sketchDim);
        }
        if (batch.projection().seed() != run.projectionSeed
                || batch.projection().kind() != ProjectionKind.fromWireName(run.projectionKind)) {
            throw new InvalidRecordException(ReasonCode.PROJECTION_MISMATCH, "projection " + batch.projection()
                    + " differs from run " + runId + "'s (seed " + run.projectionSeed + ", " + run.projectionKind + ")");
        }
        int closedBelow = nextToClose.value() == null ? 0 : nextToClose.value();
        Role sourceRole = InfluenceSource.fromWireName(run.influenceSource) == InfluenceSource.TRAIN ? Role.TRAIN : Role.POOL;
        for (int row = 0; row < batch.rowCount(); row++) {
            boolean counted = batch.role(row) != Role.TRAIN || sourceRole == Role.TRAIN;
            if (counted && batch.checkpoint(row) >= 0 && batch.checkpoint(row) < closedBelow) {
                throw new InvalidRecordException(ReasonCode.INVALID_VALUE, "row " + row + " belongs to checkpoint "
                        + batch.checkpoint(row) + ", which was already closed (its grace period passed)");
            }
        }
        Map<Integer, CheckpointProgress> touched = new java.util.HashMap<>();
        for (int row = 0; row < batch.rowCount(); row++) {
            Role role = batch.role(row);
            int checkpoint = batch.checkpoint(row);
            rowsByRole.get(role).inc();
            if (role != Role.TRAIN) {
                touched.computeIfAbsent(checkpoint, this::progressOfUnchecked).receivedScanRows++;
            }
            if (role == Role.PROBE) {
                out.collect(RunEvent.probeRow(runId, checkpoint, batch.sampleId(row), batch.loss(row), batch.sketch(row)));
            } else if (role == sourceRole && checkpoint >= 0) {
                touched.computeIfAbsent(checkpoint, this::progressOfUnchecked).sourceRows++;
                ctx.output(SOURCE_ROWS, new SourceRow(runId, batch.sampleId(row), checkpoint, batch.step(row),
                        batch.learningRate(row), batch.sketch(row)));
            }
        }
        for (Map.Entry<Integer, CheckpointProgress> entry : touched.entrySet()) {
            progress.put(entry.getKey(), entry.getValue());
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RunEvent> out) throws Exception {
        if (ctx.timeDomain() == org.apache.flink.streaming.api.TimeDomain.EVENT_TIME && timestamp == Long.MAX_VALUE) {
            endOfInput.update(true);
        }
        closeReadyCheckpoints(ctx, out);
    }

    /** Closes checkpoints in order for as long as the next one is ready. */
    private void closeReadyCheckpoints(Context ctx, Collector<RunEvent> out) throws Exception {
        RunEvent run = runStart.value();
        if (run == null) {
            return;
        }
        boolean trainSource = InfluenceSource.fromWireName(run.influenceSource) == InfluenceSource.TRAIN;
        boolean ended = Boolean.TRUE.equals(endOfInput.value());
        long now = ctx.timerService().currentProcessingTime();
        int next = nextToClose.value() == null ? 0 : nextToClose.value();
        int highest = -1;
        for (Integer checkpoint : progress.keys()) {
            highest = Math.max(highest, checkpoint);
        }
        while (next <= highest) {
            CheckpointProgress checkpoint = progressOfUnchecked(next);
            boolean closable = ended || (ready(checkpoint, now) && (!trainSource || ready(progressOfUnchecked(next + 1), now)));
            if (!closable) {
                break;
            }
            boolean isShort = checkpoint.announcedRows < 0 || checkpoint.receivedScanRows < checkpoint.announcedRows;
            out.collect(RunEvent.closed(run.runId, next, checkpoint.sourceRows, isShort));
            progress.remove(next);
            next++;
        }
        nextToClose.update(next);
    }

    private static boolean ready(CheckpointProgress checkpoint, long now) {
        return checkpoint.announcedRows >= 0
                && (checkpoint.receivedScanRows >= checkpoint.announcedRows || now >= checkpoint.graceDeadline);
    }

    private CheckpointProgress progressOf(int checkpoint) throws Exception {
        CheckpointProgress existing = progress.get(checkpoint);
        return existing == null ? new CheckpointProgress() : existing;
    }

    private CheckpointProgress progressOfUnchecked(int checkpoint) {
        try {
            return progressOf(checkpoint);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read checkpoint progress", e);
        }
    }

    private RunEvent requireStarted(String runId) throws Exception {
        RunEvent run = runStart.value();
        if (run == null) {
            throw new InvalidRecordException(ReasonCode.NO_RUN_START, "run " + runId
                    + " has no run-start record before this record; publish run-start first (SketchPublisher.startRun)");
        }
        return run;
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
}
