package dev.cadc.core.curriculum;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.capability.ProbeTrajectories;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Orders capabilities by difficulty and assigns them to stages.
 *
 * <p><b>Difficulty</b> of a capability: the mean, over its probes, of each probe's mean loss across
 * the checkpoints where it was scored: the area under its loss curve. It is high when the loss starts
 * high (level) and when it falls slowly (speed), the two signs of a hard capability.
 *
 * <p><b>Stages</b>: capabilities sorted by difficulty (ties by id), split into {@code S} contiguous
 * groups of near-equal size ({@code stage = floor(rank * S / K) + 1}); with fewer capabilities than
 * stages, one capability per stage and fewer stages.
 */
public final class StageSequencer {

    private StageSequencer() {}

    /** Difficulty per capability, aligned with {@link Clustering#capabilityIds()}. */
    public static double[] difficulty(Clustering clustering, ProbeTrajectories trajectories) {
        long[] trajectoryProbes = trajectories.probeIds();
        int[] checkpoints = trajectories.checkpoints();
        double[][] lossesByCheckpoint = Arrays.stream(checkpoints).mapToObj(trajectories::losses).toArray(double[][]::new);
        int[] capabilityIds = clustering.capabilityIds();
        long[] clusteredProbes = clustering.probeIds();
        double[] difficulty = new double[capabilityIds.length];
        for (int c = 0; c < capabilityIds.length; c++) {
            double sum = 0;
            int probes = 0;
            for (int probeIndex : clustering.probeIndicesOf(capabilityIds[c])) {
                int t = Arrays.binarySearch(trajectoryProbes, clusteredProbes[probeIndex]);
                if (t < 0) {
                    continue;
                }
                double lossSum = 0;
                int scored = 0;
                for (double[] losses : lossesByCheckpoint) {
                    if (!Double.isNaN(losses[t])) {
                        lossSum += losses[t];
                        scored++;
                    }
                }
                if (scored > 0) {
                    sum += lossSum / scored;
                    probes++;
                }
            }
            difficulty[c] = probes == 0 ? 0 : sum / probes;
        }
        return difficulty;
    }

    /** The stage (1-based) of each capability, aligned with {@code capabilityIds}. */
    public static int[] stages(int[] capabilityIds, double[] difficulty, StagePlan plan) {
        int capabilities = capabilityIds.length;
        Comparator<Integer> easiestFirst = Comparator.<Integer>comparingDouble(c -> difficulty[c])
                .thenComparingInt(c -> capabilityIds[c]);
        Integer[] order = IntStream.range(0, capabilities).boxed()
                .sorted(plan.order() == StagePlan.Order.EASY_FIRST ? easiestFirst
                        : Comparator.<Integer>comparingDouble(c -> -difficulty[c]).thenComparingInt(c -> capabilityIds[c]))
                .toArray(Integer[]::new);
        int stageCount = Math.min(plan.stages(), Math.max(capabilities, 1));
        int[] stage = new int[capabilities];
        for (int rank = 0; rank < capabilities; rank++) {
            stage[order[rank]] = (int) ((long) rank * stageCount / capabilities) + 1;
        }
        return stage;
    }

    /** The capability indices in curriculum order (by stage, then difficulty order, then id). */
    public static int[] curriculumOrder(int[] capabilityIds, double[] difficulty, int[] stage, StagePlan plan) {
        double sign = plan.order() == StagePlan.Order.EASY_FIRST ? 1 : -1;
        return IntStream.range(0, capabilityIds.length).boxed()
                .sorted(Comparator.<Integer>comparingInt(c -> stage[c])
                        .thenComparingDouble(c -> sign * difficulty[c])
                        .thenComparingInt(c -> capabilityIds[c]))
                .mapToInt(Integer::intValue)
                .toArray();
    }
}
