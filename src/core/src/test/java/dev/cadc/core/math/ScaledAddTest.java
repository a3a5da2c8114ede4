package dev.cadc.core.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link DotKernel#scaledAdd}: the vector kernel gives the plain loop's bits ({@code sums[o] += x * w[offset + o]},
 * widened, multiplied and added in double), for lengths below, at and past a vector's lanes, any offset, and
 * awkward values (signed zeros, subnormals, huge and tiny magnitudes).
 */
class ScaledAddTest {

    @Test
    void theVectorKernelGivesThePlainLoopsBits() {
        DotKernel vector = DotKernels.vector().orElseThrow();
        DotKernel scalar = DotKernels.scalar();
        Random random = new Random(3);
        float[] specials = {0f, -0f, Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE, -1e-30f, 1e30f};
        for (int round = 0; round < 400; round++) {
            int length = 1 + random.nextInt(150);
            int offset = random.nextInt(40);
            float[] weights = new float[offset + length + random.nextInt(5)];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = random.nextInt(8) == 0 ? specials[random.nextInt(specials.length)] : (float) random.nextGaussian();
            }
            double[] start = new double[length];
            for (int o = 0; o < length; o++) {
                start[o] = random.nextInt(8) == 0 ? -0.0 : random.nextGaussian() * 10;
            }
            double x = random.nextInt(6) == 0 ? -0.0 : random.nextGaussian();
            double[] expected = start.clone();
            for (int o = 0; o < length; o++) {
                expected[o] += x * weights[offset + o];
            }
            double[] byScalar = start.clone();
            double[] byVector = start.clone();

            scalar.scaledAdd(byScalar, x, weights, offset, length);
            vector.scaledAdd(byVector, x, weights, offset, length);

            for (int o = 0; o < length; o++) {
                assertThat(Double.doubleToRawLongBits(byScalar[o])).as("scalar, round %d, output %d", round, o)
                        .isEqualTo(Double.doubleToRawLongBits(expected[o]));
                assertThat(Double.doubleToRawLongBits(byVector[o])).as("vector, round %d, output %d of %d", round, o, length)
                        .isEqualTo(Double.doubleToRawLongBits(expected[o]));
            }
        }
    }
}
