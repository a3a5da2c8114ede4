package dev.cadc.core.math;

import java.util.List;
import java.util.Random;

/** Seeded test data for the dot-product kernels and the kernels to test. */
final class KernelTestData {

    static final int[] DIMS = {1, 2, 3, 4, 5, 7, 8, 31, 64, 127, 128, 256, 1000, 1024};
    static final int[] ROW_COUNTS = {1, 3, 17, 100};

    private KernelTestData() {}

    /** Both kernels; the vector one must be present in the Maven test JVM (see the parent pom's argLine). */
    static List<DotKernel> kernels() {
        DotKernel vector = DotKernels.vector().orElseThrow(() -> new AssertionError(
                "the test JVM has no vector kernel (" + DotKernels.vectorUnavailableReason().orElse("?")
                        + "); the parent pom's cadc.test.argLine must pass --add-modules jdk.incubator.vector"));
        return List.of(DotKernels.scalar(), vector);
    }

    /**
     * Random floats of the given kind: 0 Gaussian, 1 wide magnitudes (2^-150 .. 2^40, so subnormals and
     * zeros too), 2 a mix of the two with signed zeros and extreme finite values sprinkled in.
     */
    static float[] floats(Random random, int length, int kind) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = value(random, kind);
        }
        return values;
    }

    static float value(Random random, int kind) {
        switch (kind) {
            case 0:
                return (float) random.nextGaussian();
            case 1:
                return wide(random);
            default:
                int pick = random.nextInt(16);
                switch (pick) {
                    case 0:
                        return -0f;
                    case 1:
                        return 0f;
                    case 2:
                        return random.nextBoolean() ? Float.MIN_VALUE : -Float.MIN_VALUE;
                    case 3:
                        return random.nextBoolean() ? Float.MIN_NORMAL : -Float.MIN_NORMAL;
                    case 4:
                        // A subnormal.
                        return Math.scalb(random.nextFloat(), -126) * (random.nextBoolean() ? 1 : -1);
                    case 5:
                    case 6:
                        return wide(random);
                    default:
                        return (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
                }
        }
    }

    private static float wide(Random random) {
        float mantissa = 1f + random.nextFloat();
        int exponent = random.nextInt(191) - 150;
        return Math.scalb(mantissa, exponent) * (random.nextBoolean() ? 1 : -1);
    }

    /** Raw bits, so that -0.0 and 0.0 differ and a NaN is not equal to anything else. */
    static long bits(double value) {
        return Double.doubleToRawLongBits(value);
    }
}
