package dev.cadc.core.capability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.math.Vectors;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ProbeTrajectoriesTest {

    /** The kernel's similarity matrix is the scalar loop's, bit for bit, symmetric, including missing probes. */
    @Test
    void meanCosineMatrixIsTheScalarLoopsBitForBit() {
        for (int k : new int[] {7, 64, 130}) {
            SplittableRandom random = new SplittableRandom(k);
            ProbeTrajectories trajectories = new ProbeTrajectories(k);
            int probes = 37;
            int checkpoints = 3;
            float[][][] units = new float[checkpoints][probes][];
            for (int c = 0; c < checkpoints; c++) {
                for (int p = 0; p < probes; p++) {
                    if (c == 1 && p % 5 == 0) {
                        continue; // missing at this checkpoint: contributes 0
                    }
                    float[] sketch = new float[k];
                    for (int d = 0; d < k; d++) {
                        sketch[d] = (float) random.nextGaussian();
                    }
                    trajectories.add(c, 1000 + p, sketch, 1f);
                    units[c][p] = Vectors.normalized(sketch);
                }
            }
            double[] matrix = trajectories.meanCosineMatrix();
            for (int p = 0; p < probes; p++) {
                for (int q = p; q < probes; q++) {
                    double sum = 0;
                    for (int c = 0; c < checkpoints; c++) {
                        float[] a = units[c][p] == null ? new float[k] : units[c][p];
                        float[] b = units[c][q] == null ? new float[k] : units[c][q];
                        sum += Vectors.dot(a, 0, b, 0, k);
                    }
                    double mean = sum * (1.0 / checkpoints);
                    assertThat(Double.doubleToRawLongBits(matrix[p * probes + q])).as("k %d, (%d, %d)", k, p, q)
                            .isEqualTo(Double.doubleToRawLongBits(mean));
                    assertThat(matrix[q * probes + p]).isEqualTo(matrix[p * probes + q]);
                }
            }
        }
    }
}
