package dev.cadc.flink.operators;

import dev.cadc.core.run.RunGate;
import dev.cadc.flink.records.BucketInput;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.RunEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
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
 *   <li>Its input is decoded already, in parallel, by {@link RecordDecoder} (which decides nothing). A
 *       sketch batch's influence-source candidates went from there straight to their buckets
 *       ({@link dev.cadc.flink.records.RowParcel}); this operator sees their roles and checkpoints only,
 *       which is all the gate needs, and its bytes uninterpreted; {@link ValidatorDecisions} sends each
 *       of those buckets its {@link dev.cadc.flink.records.RecordVerdict}: accepted (with the run's
 *       influence source) or refused (drop the rows). A refused record goes to {@link #DEAD_LETTERS}
 *       with its reason and source offset, counted per reason. The job never fails on input.
 *   <li>PROBE rows, checkpoint closings and the run's release go to the clusterer (main output); the
 *       verdicts and, when a checkpoint closes, a closing marker to every bucket of the run go on
 *       {@link #SOURCE_ROWS}: one output, so a bucket gets a checkpoint's verdicts before its marker. A
 *       bucket has all of a checkpoint's rows once its marker and the parcels of every record accepted
 *       before it are in.
 *   <li>The closings' and the release's watermark, which later operators use as "every part of this is
 *       here once my watermark is past it", is the largest of this operator's watermark then and the
 *       decoders' stamps on the accepted parcelled records ({@link DecodedRecord#parcelStamp}): parcels
 *       do not travel on this operator's channels.
 * </ul>
 */
public final class SketchValidator extends KeyedProcessFunction<String, DecodedRecord, RunEvent> {

    /**
     * Verdicts on parcelled records for their sample buckets and, after each closed checkpoint's
     * verdicts, its closing marker for every bucket of the run: one output, so each bucket gets them on
     * one channel, in order.
     */
    public static final OutputTag<BucketInput> SOURCE_ROWS = new OutputTag<>("source-rows", Types.POJO(BucketInput.class));
    public static final OutputTag<OutputRecord> DEAD_LETTERS = new OutputTag<>("dead-letters", Types.POJO(OutputRecord.class));

    private final long graceMs;
    private final long runTtlMs;
    private transient RunGate<DecodedRecord> gate;
    private transient KeyedRunStore store;
    private transient ValidatorMetrics metrics;
    /** The largest {@link DecodedRecord#parcelStamp} of the run's accepted records since its start. */
    private transient ValueState<Long> parcelStamp;

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
        parcelStamp = getRuntimeContext().getState(new ValueStateDescriptor<>("largest-parcel-stamp", Types.LONG));
    }

    @Override
    public void processElement(DecodedRecord record, Context ctx, Collector<RunEvent> out) throws Exception {
        if (ctx.timestamp() != null) {
            record.source.timestamp = ctx.timestamp();
        }
        gate.onRecord(record, ctx.timerService().currentWatermark(), store, new ValidatorDecisions(ctx, out, metrics, parcelStamp));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RunEvent> out) throws Exception {
        gate.onProgress(ctx.getCurrentKey(), ctx.timerService().currentWatermark(), store, new ValidatorDecisions(ctx, out, metrics, parcelStamp));
    }
}
