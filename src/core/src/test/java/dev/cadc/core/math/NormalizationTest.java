package dev.cadc.core.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Unit-normalising sketches: the block call and the per-source call give the plain loops' bits (the norm
 * summed in index order, each element widened, multiplied in double and rounded to float).
 */
class NormalizationTest {

    @Test
    void aBlockOfSourcesIsNormalisedBitForBitAsOneCallPerSource() {
        SplittableRandom random = new SplittableRandom(20261130L);
        for (int length : new int[] {1, 3, 8, 1023, 1024}) {
            for (int count = 0; count <= 9; count++) {
                float[][] sources = new float[count][length];
                for (int s = 0; s < count; s++) {
                    // Magnitudes over many binades, so sums in another order would round differently.
                    double magnitude = Math.pow(10, random.nextInt(-20, 20));
                    for (int i = 0; i < length; i++) {
                        sources[s][i] = (float) (random.nextGaussian() * magnitude * (random.nextInt(8) == 0 ? 1e6 : 1));
                    }
                }
                if (count > 2) {
                    sources[2] = new float[length]; // a zero vector stays zero
                }
                float[] block = new float[count * length];
                Vectors.copyNormalized(sources, count, length, block);

                double[] norms = Vectors.norms(sources, count, length);
                for (int s = 0; s < count; s++) {
                    assertThat(Double.doubleToRawLongBits(norms[s])).as("norm of source %d of %d, length %d", s, count, length)
                            .isEqualTo(Double.doubleToRawLongBits(Vectors.norm(sources[s], 0, length)));
                }
                float[] oneByOne = new float[count * length];
                for (int s = 0; s < count; s++) {
                    Vectors.copyNormalized(sources[s], 0, length, oneByOne, s * length);
                }
                float[] plain = new float[count * length];
                for (int s = 0; s < count; s++) {
                    double norm = Vectors.norm(sources[s], 0, length);
                    double scale = norm == 0 ? 0 : 1.0 / norm;
                    for (int i = 0; i < length; i++) {
                        plain[s * length + i] = (float) (sources[s][i] * scale);
                    }
                }
                for (int i = 0; i < block.length; i++) {
                    assertThat(Float.floatToRawIntBits(block[i])).as("block: length %d, count %d, element %d", length, count, i)
                            .isEqualTo(Float.floatToRawIntBits(plain[i]));
                    assertThat(Float.floatToRawIntBits(oneByOne[i])).as("one call: length %d, count %d, element %d", length, count, i)
                            .isEqualTo(Float.floatToRawIntBits(plain[i]));
                }
            }
        }
    }
}
