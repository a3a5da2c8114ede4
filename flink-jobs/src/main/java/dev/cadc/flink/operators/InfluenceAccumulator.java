package dev.cadc.flink.operators;

import dev.cadc.core.influence.ProbeCheckpoint;
import dev.cadc.core.influence.SampleCheckpoint;
import dev.cadc.flink.records.Contribution;
import dev.cadc.flink.records.ProbeModel;
import dev.cadc.flink.records.SourceRow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Scores influence-source rows against the probes of their checkpoint, keyed by (run, sample): the
 * {@code N x P x k} multiply-adds of TracIn, spread over the job's parallelism. A row whose
 * checkpoint's probe model has not arrived yet is buffered in keyed state and replayed when the model
 * is broadcast (the model flow of flink-ml's OnlineKMeans); the buffer is empty again afterwards.
 * Each row yields one contribution ({@link SampleCheckpoint#contribution}) for the run's builder.
 *
 * <p>The {@code bufferedSketches} gauge counts this subtask's waiting rows. It is recounted from the
 * keyed state whenever a model arrives (every key is visited then anyway), so it is exact after each
 * model even when the subtask was restored with rows already waiting, which a plain counter that
 * starts at zero would turn negative.
 */
public final class InfluenceAccumulator extends KeyedBroadcastProcessFunction<String, SourceRow, ProbeModel, Contribution> {

    /** Probe models by run and checkpoint, broadcast to every subtask. */
    public static final MapStateDescriptor<String, ProbeModel> MODELS =
            new MapStateDescriptor<>("probe-models", Types.STRING, Types.POJO(ProbeModel.class));

    private static final ListStateDescriptor<SourceRow> WAITING =
            new ListStateDescriptor<>("rows-waiting-for-model", Types.POJO(SourceRow.class));

    private transient ListState<SourceRow> waiting;
    private transient Map<String, ProbeCheckpoint> probeCheckpoints;
    private transient volatile long buffered;

    @Override
    public void open(OpenContext openContext) {
        waiting = getRuntimeContext().getListState(WAITING);
        probeCheckpoints = new HashMap<>();
        buffered = 0;
        getRuntimeContext().getMetricGroup().gauge("bufferedSketches", this::bufferedSketches);
    }

    @Override
    public void processElement(SourceRow row, ReadOnlyContext ctx, Collector<Contribution> out) throws Exception {
        if (ctx.getBroadcastState(MODELS).contains(ProbeModel.releaseKey(row.runId))) {
            // The run was released by its TTL: its open checkpoints will never close.
            return;
        }
        ProbeModel model = ctx.getBroadcastState(MODELS).get(ProbeModel.modelKey(row.runId, row.checkpoint));
        if (model == null) {
            waiting.add(row);
            buffered++;
            return;
        }
        out.collect(contribution(row, model));
    }

    @Override
    public void processBroadcastElement(ProbeModel model, Context ctx, Collector<Contribution> out) throws Exception {
        BroadcastState<String, ProbeModel> models = ctx.getBroadcastState(MODELS);
        dropModelsNoRowCanNeed(models, ctx.currentWatermark());
        models.put(model.modelKey(), model);
        long[] stillBuffered = {0};
        ctx.applyToKeyedState(WAITING, (key, state) -> {
            List<SourceRow> stillWaiting = new ArrayList<>();
            boolean replayed = false;
            for (SourceRow row : state.get()) {
                if (model.released && row.runId.equals(model.runId)) {
                    replayed = true;
                } else if (row.runId.equals(model.runId) && row.checkpoint == model.checkpoint) {
                    out.collect(contribution(row, model));
                    replayed = true;
                } else {
                    stillWaiting.add(row);
                }
            }
            stillBuffered[0] += stillWaiting.size();
            if (replayed) {
                if (stillWaiting.isEmpty()) {
                    state.clear();
                } else {
                    state.update(stillWaiting);
                }
            }
        });
        buffered = stillBuffered[0];
    }

    /**
     * Drops models (and TTL release notices) whose checkpoint's rows have all been seen here: this
     * subtask's watermark is past the validator's watermark when it closed the checkpoint (see
     * {@link ProbeModel}). Done when the next model comes, since broadcast state is read-only elsewhere.
     */
    private void dropModelsNoRowCanNeed(BroadcastState<String, ProbeModel> models, long watermark) throws Exception {
        List<String> done = new ArrayList<>();
        for (Map.Entry<String, ProbeModel> entry : models.entries()) {
            if (entry.getValue().freeAfterWatermark < watermark) {
                done.add(entry.getKey());
            }
        }
        for (String key : done) {
            models.remove(key);
            probeCheckpoints.remove(key);
        }
    }

    /** Rows of this subtask waiting for their checkpoint's probe model (the {@code bufferedSketches} gauge). */
    long bufferedSketches() {
        return buffered;
    }

    private Contribution contribution(SourceRow row, ProbeModel model) {
        ProbeCheckpoint probes = probeCheckpoints.computeIfAbsent(model.modelKey(),
                key -> new ProbeCheckpoint(model.checkpoint, model.sketchDim, model.unitSketches));
        SampleCheckpoint.RowContribution contribution =
                SampleCheckpoint.contribution(probes, row.step, row.learningRate, row.sketch);
        return new Contribution(row.runId, row.sampleId, row.checkpoint, row.step, row.learningRate,
                row.sketch, contribution.terms());
    }
}
