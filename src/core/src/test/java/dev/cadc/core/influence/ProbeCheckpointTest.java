package dev.cadc.core.influence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProbeCheckpointTest {

    /** A block of samples gets, bit for bit, the terms each would get alone (the batch path uses blocks). */
    @ParameterizedTest
    @CsvSource({"1, 37, 5", "2, 64, 17", "3, 130, 3", "4, 255, 33", "4, 1024, 100", "7, 101, 40", "31, 256, 70", "32, 1024, 100"})
    void aBlockOfSamplesGetsTheTermsOfOneCallPerSample(int count, int dim, int probes) {
        SplittableRandom random = new SplittableRandom(dim * 31L + count);
        float[] unitProbes = new float[probes * dim];
        for (int i = 0; i < unitProbes.length; i++) {
            unitProbes[i] = (float) random.nextGaussian() / (float) Math.sqrt(dim);
        }
        ProbeCheckpoint checkpoint = new ProbeCheckpoint(0, dim, unitProbes);
        float[][] sketches = new float[count][dim];
        double[] etas = new double[count];
        double[][] blocked = new double[count][probes];
        double[][] single = new double[count][probes];
        for (int s = 0; s < count; s++) {
            for (int d = 0; d < dim; d++) {
                sketches[s][d] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-3, 4)));
            }
            etas[s] = (float) random.nextDouble();
            for (int p = 0; p < probes; p++) {
                blocked[s][p] = single[s][p] = random.nextDouble();
            }
        }

        checkpoint.addTermsBlock(sketches, etas, blocked);
        for (int s = 0; s < count; s++) {
            checkpoint.addTerms(sketches[s], etas[s], new float[dim], single[s]);
        }

        for (int s = 0; s < count; s++) {
            for (int p = 0; p < probes; p++) {
                assertThat(Double.doubleToRawLongBits(blocked[s][p])).as("sample %d probe %d", s, p)
                        .isEqualTo(Double.doubleToRawLongBits(single[s][p]));
            }
        }
    }
}
