package dev.cadc.core.curriculum;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.math.Vectors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The guard's bound only skips pairs: its decisions are those of the exact loop over every pair. */
class DuplicateGuardTest {

    private static final int J = 3;

    @Test
    void decidesAsTheExactLoopOverEveryPairIncludingPairsAtTheThreshold() {
        for (int k : new int[] {16, 64, 200, 1024}) {
            SplittableRandom random = new SplittableRandom(11 + k);
            List<float[]> trajectories = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                float[] t;
                if (i > 0 && i % 3 == 0) {
                    // A perturbed copy of an earlier one: cosines spread around the threshold.
                    t = perturbed(trajectories.get(random.nextInt(i)), k, 0.15 + 0.1 * random.nextDouble(), random);
                } else {
                    t = unitTrajectory(k, random);
                }
                trajectories.add(t);
            }
            int[] ranked = new int[trajectories.size()];
            for (int i = 0; i < ranked.length; i++) {
                ranked[i] = i;
            }
            int[] taken = new DuplicateGuard(trajectories::get, J, DuplicateGuard.DEFAULT_THRESHOLD).firstAdmitted(ranked, 1000);
            assertThat(taken).as("k = %d", k).containsExactly(bruteForce(trajectories, DuplicateGuard.DEFAULT_THRESHOLD * J));
            assertThat(taken.length).as("some near-duplicates were met").isLessThan(trajectories.size());
        }
    }

    private static int[] bruteForce(List<float[]> trajectories, double minimumDot) {
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < trajectories.size(); i++) {
            boolean duplicate = false;
            for (int l : taken) {
                if (Vectors.dot(trajectories.get(i), 0, trajectories.get(l), 0, trajectories.get(i).length) > minimumDot) {
                    duplicate = true;
                    break;
                }
            }
            if (!duplicate) {
                taken.add(i);
            }
        }
        return taken.stream().mapToInt(Integer::intValue).toArray();
    }

    private static float[] unitTrajectory(int k, SplittableRandom random) {
        float[] t = new float[J * k];
        for (int j = 0; j < J; j++) {
            double norm = 0;
            for (int d = 0; d < k; d++) {
                t[j * k + d] = (float) random.nextGaussian();
                norm += t[j * k + d] * t[j * k + d];
            }
            for (int d = 0; d < k; d++) {
                t[j * k + d] = (float) (t[j * k + d] / Math.sqrt(norm));
            }
        }
        return t;
    }

    private static float[] perturbed(float[] base, int k, double noise, SplittableRandom random) {
        float[] t = new float[base.length];
        for (int j = 0; j < J; j++) {
            double norm = 0;
            for (int d = 0; d < k; d++) {
                t[j * k + d] = (float) (base[j * k + d] + noise * random.nextGaussian() / Math.sqrt(k));
                norm += t[j * k + d] * t[j * k + d];
            }
            for (int d = 0; d < k; d++) {
                t[j * k + d] = (float) (t[j * k + d] / Math.sqrt(norm));
            }
        }
        return t;
    }
}
