package dev.cadc.core.capability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.synth.PlantedConfig;
import dev.cadc.core.synth.PlantedSketches;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CapabilityClustererTest {

    @ParameterizedTest(name = "K={0}, k={1}")
    @CsvSource({"3,64", "3,256", "3,1024", "5,64", "5,256", "5,1024", "8,64", "8,256", "8,1024"})
    void recoversPlantedCapabilities(int capabilities, int sketchDim) {
        PlantedSketches.PlantedSet set = PlantedSketches.generate(
                PlantedConfig.of("ari", 100 + capabilities * 7L + sketchDim, capabilities, sketchDim).withPool(10, 24));
        CapabilityClusterer clusterer = new CapabilityClusterer(ClusteringConfig.defaults());
        Clustering clustering = clusterOnline(set, clusterer);

        assertThat(clustering.probeIds()).containsExactly(set.probeIds());
        double ari = ClusterAgreement.adjustedRandIndex(clustering.assignment(), set.probeCapability());
        assertThat(ari).as("adjusted Rand index vs planted").isGreaterThanOrEqualTo(0.9);
        assertThat(clustering.capabilityCount()).isBetween(2, 16);
    }

    @Test
    void aCheckpointThatChangesLittleKeepsEveryId() {
        PlantedSketches.PlantedSet set = PlantedSketches.generate(PlantedConfig.of("stable", 5, 5, 256).withPool(10, 24));
        CapabilityClusterer clusterer = new CapabilityClusterer(ClusteringConfig.defaults());
        Clustering before = clusterOnline(set, clusterer);

        // Checkpoint 4: every probe's checkpoint-3 sketch, slightly perturbed.
        ProbeTrajectories trajectories = trajectories(set);
        SplittableRandom random = new SplittableRandom(9);
        for (SketchBatch batch : set.batches()) {
            for (int r = 0; r < batch.rowCount(); r++) {
                if (batch.role(r) == Role.PROBE && batch.checkpoint(r) == 3) {
                    float[] sketch = batch.sketch(r);
                    for (int d = 0; d < sketch.length; d++) {
                        sketch[d] += (float) (0.02 * random.nextGaussian() / Math.sqrt(sketch.length));
                    }
                    trajectories.add(4, batch.sampleId(r), sketch, batch.loss(r));
                }
            }
        }
        Clustering after = clusterer.update(trajectories);

        assertThat(after.capabilityIds()).containsExactly(before.capabilityIds());
        assertThat(after.assignment()).containsExactly(before.assignment());
    }

    @Test
    void idsFollowTheirClustersWhenTheClusteringIsRelabelled() {
        PlantedSketches.PlantedSet set = PlantedSketches.generate(PlantedConfig.of("relabel", 6, 4, 128).withPool(10, 16));
        ProbeTrajectories trajectories = trajectories(set);
        // A previous clustering with the planted partition under arbitrary ids 7, 3, 11, 5.
        int[] previousIds = {7, 3, 11, 5};
        int[] assignment = Arrays.stream(set.probeCapability()).map(c -> previousIds[c]).toArray();
        CapabilityClusterer clusterer = new CapabilityClusterer(
                ClusteringConfig.defaults(), new Clustering(set.probeIds(), assignment), 12);

        Clustering updated = clusterer.update(trajectories);

        assertThat(updated.assignment()).containsExactly(assignment);
        assertThat(clusterer.nextCapabilityId()).isEqualTo(12);
    }

    @Test
    void kStaysWithinItsRange() {
        PlantedSketches.PlantedSet set = PlantedSketches.generate(PlantedConfig.of("range", 8, 8, 128).withPool(10, 12));
        CapabilityClusterer clusterer = new CapabilityClusterer(ClusteringConfig.withRange(2, 4));
        Clustering clustering = clusterer.update(trajectories(set));
        assertThat(clustering.capabilityCount()).isBetween(2, 4);
    }

    @Test
    void theStabilityRuleFindsPlantedCapabilitiesAndIsDeterministic() {
        PlantedSketches.PlantedSet set = PlantedSketches.generate(PlantedConfig.of("stability", 41, 5, 128).withPool(10, 24));
        ClusteringConfig stability = ClusteringConfig.defaults().withKRule(KRule.STABILITY);

        Clustering first = new CapabilityClusterer(stability).update(trajectories(set));
        Clustering second = new CapabilityClusterer(stability).update(trajectories(set));

        assertThat(second).isEqualTo(first);
        assertThat(ClusterAgreement.adjustedRandIndex(first.assignment(), set.probeCapability())).isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void sameTrajectoriesSameClustering() {
        PlantedSketches.PlantedSet set = PlantedSketches.generate(PlantedConfig.of("determinism", 3, 5, 64).withPool(10, 20));
        Clustering first = new CapabilityClusterer(ClusteringConfig.defaults()).update(trajectories(set));
        Clustering second = new CapabilityClusterer(ClusteringConfig.defaults()).update(trajectories(set));
        assertThat(second).isEqualTo(first);
    }

    /** Updates the clusterer at every checkpoint in order, as the job does. */
    static Clustering clusterOnline(PlantedSketches.PlantedSet set, CapabilityClusterer clusterer) {
        ProbeTrajectories trajectories = new ProbeTrajectories(set.config().sketchDim());
        Map<Integer, java.util.List<Object[]>> byCheckpoint = new java.util.TreeMap<>();
        for (SketchBatch batch : set.batches()) {
            for (int r = 0; r < batch.rowCount(); r++) {
                if (batch.role(r) == Role.PROBE) {
                    byCheckpoint.computeIfAbsent(batch.checkpoint(r), c -> new java.util.ArrayList<>())
                            .add(new Object[] {batch.sampleId(r), batch.sketch(r), batch.loss(r)});
                }
            }
        }
        Clustering clustering = null;
        for (var checkpoint : byCheckpoint.entrySet()) {
            for (Object[] row : checkpoint.getValue()) {
                trajectories.add(checkpoint.getKey(), (Long) row[0], (float[]) row[1], (Float) row[2]);
            }
            clustering = clusterer.update(trajectories);
        }
        return clustering;
    }

    static ProbeTrajectories trajectories(PlantedSketches.PlantedSet set) {
        ProbeTrajectories trajectories = new ProbeTrajectories(set.config().sketchDim());
        for (SketchBatch batch : set.batches()) {
            for (int r = 0; r < batch.rowCount(); r++) {
                if (batch.role(r) == Role.PROBE) {
                    trajectories.add(batch.checkpoint(r), batch.sampleId(r), batch.sketch(r), batch.loss(r));
                }
            }
        }
        return trajectories;
    }

    @Test
    void adjustedRandIndexMatchesHandComputedValues() {
        assertThat(ClusterAgreement.adjustedRandIndex(new int[] {0, 0, 1, 1}, new int[] {5, 5, 9, 9})).isEqualTo(1.0);
        // Contingency [[2,0],[1,1]] over 4 items: index 1, a-pairs 2, b-pairs 3+0=3 -> expected 2*3/6 = 1, max 2.5: ARI 0.
        assertThat(ClusterAgreement.adjustedRandIndex(new int[] {0, 0, 1, 1}, new int[] {0, 0, 0, 1})).isEqualTo(0.0);
        // Classic example (sklearn docs): [0,0,1,1] vs [0,0,1,2] -> 0.5714285714285715.
        assertThat(ClusterAgreement.adjustedRandIndex(new int[] {0, 0, 1, 1}, new int[] {0, 0, 1, 2}))
                .isCloseTo(0.5714285714285715, org.assertj.core.data.Offset.offset(1e-12));
    }
}
