package dev.cadc.core.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link DotKernel#scale}, the last step of unit-normalising a sketch: both kernels give the plain loop's
 * bits ({@code (float) (source[i] * scale)}: widened, multiplied in double, rounded to float), for lengths
 * below, at and past a vector's lanes, any offsets, and awkward values (signed zeros, subnormals, results
 * that overflow or underflow a float, halfway cases of the rounding).
 */
class ScaleTest {

    @Test
    void bothKernelsGiveThePlainLoopsBits() {
        DotKernel vector = DotKernels.vector().orElseThrow();
        DotKernel scalar = DotKernels.scalar();
        Random random = new Random(11);
        float[] specials = {0f, -0f, Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE, -1e-30f, 1e30f, 1.0000001f};
        double[] scales = {0.0, -0.0, 1e-300, 3.0, 1.0 / 3.0, 1e40, Math.nextUp(1.0)};
        for (int round = 0; round < 400; round++) {
            int length = 1 + random.nextInt(150);
            int offset = random.nextInt(40);
            int targetOffset = random.nextInt(40);
            float[] source = new float[offset + length + random.nextInt(5)];
            for (int i = 0; i < source.length; i++) {
                source[i] = random.nextInt(8) == 0 ? specials[random.nextInt(specials.length)] : (float) random.nextGaussian();
            }
            double scale = random.nextInt(4) == 0 ? scales[random.nextInt(scales.length)] : 1.0 / (0.1 + random.nextDouble() * 50);
            float[] expected = new float[targetOffset + length];
            for (int i = 0; i < length; i++) {
                expected[targetOffset + i] = (float) (source[offset + i] * scale);
            }
            float[] byScalar = new float[targetOffset + length];
            float[] byVector = new float[targetOffset + length];

            scalar.scale(source, offset, length, scale, byScalar, targetOffset);
            vector.scale(source, offset, length, scale, byVector, targetOffset);

            for (int i = 0; i < expected.length; i++) {
                assertThat(Float.floatToRawIntBits(byScalar[i])).as("scalar, round %d, element %d", round, i)
                        .isEqualTo(Float.floatToRawIntBits(expected[i]));
                assertThat(Float.floatToRawIntBits(byVector[i])).as("vector, round %d, element %d of %d", round, i, length)
                        .isEqualTo(Float.floatToRawIntBits(expected[i]));
            }
        }
    }
}
