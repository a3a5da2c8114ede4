package dev.cadc.flink.operators;

import dev.cadc.core.influence.CheckpointFold;
import dev.cadc.core.influence.ProbeCheckpoint;
import dev.cadc.core.influence.SampleCheckpoint;
import dev.cadc.flink.records.SampleState;
import dev.cadc.flink.records.Contribution;
import dev.cadc.flink.records.VersionPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.MapState;

/**
 * Checkpoint j's fold into one sample bucket's state: the core {@link CheckpointFold} (the batch
 * reference's, {@link ProbeCheckpoint#BLOCK} samples per pass over the probes), each sample's term of j
 * added after those of 0..j-1, so the sums are the batch reference's bit for bit; then each sample's
 * trajectory part of j, which the fold hands back ({@link SampleCheckpoint#trajectoryPart} of its
 * counted rows, as the batch reference keeps or loads it).
 */
final class BucketFold {

    private BucketFold() {}

    /** The rows of checkpoint {@code j} by sample id (ascending), each sample's in arrival order; the others into {@code later}. */
    static TreeMap<Long, List<SampleCheckpoint.RowContribution>> rowsOf(int j, Iterable<Contribution> rows, List<Contribution> later) {
        TreeMap<Long, List<SampleCheckpoint.RowContribution>> bySample = new TreeMap<>();
        for (Contribution row : rows) {
            if (row.checkpoint != j) {
                later.add(row);
            } else {
                bySample.computeIfAbsent(row.sampleId, id -> new ArrayList<>())
                        .add(new SampleCheckpoint.RowContribution(row.step, row.learningRate, row.sketch, null));
            }
        }
        return bySample;
    }

    /**
     * Folds {@code bySample} (rows of {@code plan}'s checkpoint) into {@code samples}; new samples start
     * at zero. Returns the folded samples' new states by id, so the scoring that follows need not read
     * them back (on RocksDB every read deserialises the sample).
     */
    static Map<Long, SampleState> fold(MapState<Long, SampleState> samples, TreeMap<Long, List<SampleCheckpoint.RowContribution>> bySample,
            ProbeCheckpoint probes, VersionPlan plan) throws Exception {
        int k = plan.sketchDim;
        List<CheckpointFold.SampleRows> folds = new ArrayList<>();
        List<SampleState> states = new ArrayList<>();
        List<float[]> parts = new ArrayList<>();
        for (Map.Entry<Long, List<SampleCheckpoint.RowContribution>> entry : bySample.entrySet()) {
            SampleState state = samples.get(entry.getKey());
            if (state == null) {
                state = new SampleState();
                state.influence = new double[plan.probeIds.length];
                state.partCheckpoints = new int[0];
                state.parts = new float[0];
            }
            states.add(state);
            float[] part = new float[k];
            parts.add(part);
            folds.add(new CheckpointFold.SampleRows(state.influence, entry.getValue(), part));
        }
        CheckpointFold.fold(probes, plan.trainSource, folds, false);
        Map<Long, SampleState> folded = new java.util.HashMap<>();
        int s = 0;
        for (Map.Entry<Long, List<SampleCheckpoint.RowContribution>> entry : bySample.entrySet()) {
            float[] part = parts.get(s);
            SampleState state = states.get(s++);
            state.partCheckpoints = Arrays.copyOf(state.partCheckpoints, state.partCheckpoints.length + 1);
            state.partCheckpoints[state.partCheckpoints.length - 1] = plan.checkpoint;
            state.parts = Arrays.copyOf(state.parts, state.parts.length + k);
            System.arraycopy(part, 0, state.parts, state.parts.length - k, k);
            samples.put(entry.getKey(), state);
            folded.put(entry.getKey(), state);
        }
        return folded;
    }

    /**
     * Puts every sample's row in the probe order of {@code newProbeIds} (probes new at this checkpoint
     * start at zero), when it differs from {@code current} ({@code null}: none yet).
     */
    static void alignProbes(MapState<Long, SampleState> samples, long[] current, long[] newProbeIds) throws Exception {
        if (current == null || Arrays.equals(current, newProbeIds)) {
            return;
        }
        for (Map.Entry<Long, SampleState> entry : samples.entries()) {
            double[] remapped = new double[newProbeIds.length];
            for (int p = 0; p < current.length; p++) {
                int index = Arrays.binarySearch(newProbeIds, current[p]);
                if (index >= 0) {
                    remapped[index] = entry.getValue().influence[p];
                }
            }
            entry.getValue().influence = remapped;
            entry.setValue(entry.getValue());
        }
    }
}
