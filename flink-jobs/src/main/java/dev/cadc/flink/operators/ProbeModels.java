package dev.cadc.flink.operators;

import dev.cadc.core.influence.ProbeCheckpoint;
import dev.cadc.flink.records.ProbeModel;
import dev.cadc.flink.records.VersionPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;

/**
 * The probe models of one {@link SampleInfluence} subtask: its broadcast state {@link SampleInfluence#MODELS} (with
 * the TTL's release notices), and each model's {@link ProbeCheckpoint} (the unit probe matrix the fold
 * reads), built once per model and subtask. A model is dropped once this subtask's watermark is past
 * its closing's (see {@link ProbeModel}): every marker, plan copy and accepted parcel of that
 * checkpoint came before that watermark, so every bucket here has folded it.
 */
final class ProbeModels {

    private final Map<String, ProbeCheckpoint> probeCheckpoints = new HashMap<>();

    /** Whether the TTL released {@code runId} (its notice is in). */
    static boolean released(ReadOnlyBroadcastState<String, ProbeModel> models, String runId) throws Exception {
        return models.contains(ProbeModel.releaseKey(runId));
    }

    /** The probes of {@code plan}'s checkpoint, or null while its model is on its way on the broadcast input. */
    ProbeCheckpoint probesOf(ReadOnlyBroadcastState<String, ProbeModel> models, VersionPlan plan) throws Exception {
        ProbeModel model = models.get(ProbeModel.modelKey(plan.runId, plan.checkpoint));
        return model == null ? null : probeCheckpoints.computeIfAbsent(model.modelKey(),
                key -> new ProbeCheckpoint(model.checkpoint, model.sketchDim, model.unitSketches));
    }

    /**
     * Keeps {@code model}, after dropping the models no row can need any more at {@code watermark}. Done
     * when a model comes, since broadcast state is read-only elsewhere.
     */
    void add(BroadcastState<String, ProbeModel> models, ProbeModel model, long watermark) throws Exception {
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
        models.put(model.modelKey(), model);
    }
}
