package dev.cadc.flink.operators;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.influence.CapabilityScorer;
import dev.cadc.flink.records.SampleState;
import dev.cadc.flink.records.BucketSummary;
import dev.cadc.flink.records.CandidateBatch;
import dev.cadc.flink.records.VersionPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One sample bucket's part of version j: every sample scored under clustering j (core
 * {@link CapabilityScorer}), the candidates of each capability as one {@link CandidateBatch} for that
 * capability's selector (with the bucket's sample count, even when it has no candidate there), and
 * the bucket's {@link BucketSummary} for the run's assembler.
 */
record BucketScores(List<CandidateBatch> batches, BucketSummary summary) {

    /** @param sampleIds ascending, with {@code states} in the same order */
    static BucketScores of(VersionPlan plan, long[] sampleIds, SampleState[] states, CuratorConfig config) {
        Clustering clustering = new Clustering(plan.probeIds, plan.assignment);
        CapabilityScorer scorer = new CapabilityScorer(clustering, config.aggregation(), config.strongest(), config.harmRule());
        int[] capabilityIds = clustering.capabilityIds();
        int capabilities = capabilityIds.length;
        List<List<Integer>> candidates = new ArrayList<>();
        for (int c = 0; c < capabilities; c++) {
            candidates.add(new ArrayList<>());
        }
        CapabilityScorer.Score[] scores = new CapabilityScorer.Score[sampleIds.length];
        long[] attributed = new long[capabilities];
        List<Long> harmful = new ArrayList<>();
        for (int i = 0; i < sampleIds.length; i++) {
            scores[i] = scorer.score(states[i].influence);
            if (scores[i].harmful()) {
                harmful.add(sampleIds[i]);
            } else if (scores[i].attributedIndex() >= 0) {
                attributed[scores[i].attributedIndex()]++;
                candidates.get(scores[i].attributedIndex()).add(i);
            }
        }
        List<CandidateBatch> batches = new ArrayList<>();
        boolean guard = config.duplicateThreshold() < 1;
        int[] slots = plan.sourceCheckpoints;
        int trajectoryFloats = guard ? slots.length * plan.sketchDim : 0;
        for (int c = 0; c < capabilities; c++) {
            int[] probes = clustering.probeIndicesOf(capabilityIds[c]);
            List<Integer> mine = candidates.get(c);
            CandidateBatch batch = new CandidateBatch();
            batch.runId = plan.runId;
            batch.checkpoint = plan.checkpoint;
            batch.capabilityId = capabilityIds[c];
            batch.watermark = plan.watermark;
            batch.sampleCount = sampleIds.length;
            batch.capabilityIndex = c;
            batch.candidateCounts = attributed;
            batch.probeSlots = probes.length;
            batch.trajectoryCheckpoints = slots.length;
            batch.trajectoryFloats = trajectoryFloats;
            batch.ids = new long[mine.size()];
            batch.influence = new double[mine.size() * probes.length];
            batch.attributed = new double[mine.size()];
            batch.trajectories = new float[mine.size() * trajectoryFloats];
            for (int n = 0; n < mine.size(); n++) {
                int i = mine.get(n);
                batch.ids[n] = sampleIds[i];
                for (int slot = 0; slot < probes.length; slot++) {
                    batch.influence[n * probes.length + slot] = states[i].influence[probes[slot]];
                }
                batch.attributed[n] = scores[i].attributedInfluence();
                if (guard) {
                    placeTrajectory(states[i], slots, plan.sketchDim, batch.trajectories, n * trajectoryFloats);
                }
            }
            batches.add(batch);
        }
        BucketSummary summary = new BucketSummary();
        summary.runId = plan.runId;
        summary.checkpoint = plan.checkpoint;
        summary.sampleCount = sampleIds.length;
        summary.attributed = attributed;
        summary.harmful = harmful.stream().mapToLong(Long::longValue).toArray();
        return new BucketScores(batches, summary);
    }

    /** The sample's trajectory over the run's source checkpoints (zero where it has no part), into {@code target}. */
    private static void placeTrajectory(SampleState state, int[] checkpoints, int k, float[] target, int offset) {
        for (int part = 0; part < state.partCheckpoints.length; part++) {
            int slot = Arrays.binarySearch(checkpoints, state.partCheckpoints[part]);
            System.arraycopy(state.parts, part * k, target, offset + slot * k, k);
        }
    }
}
