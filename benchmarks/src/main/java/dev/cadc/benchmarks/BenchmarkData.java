package dev.cadc.benchmarks;

import dev.cadc.core.math.DotKernel;
import dev.cadc.core.math.DotKernels;
import dev.cadc.core.math.Vectors;
import java.util.SplittableRandom;

/** Seeded data and checks shared by the benchmarks. */
final class BenchmarkData {

    private BenchmarkData() {}

    /** {@code count} rows of {@code pieces} concatenated unit vectors of length {@code k}. */
    static float[] unitRows(long seed, int count, int pieces, int k) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] rows = new float[count * pieces * k];
        float[] piece = new float[k];
        for (int start = 0; start < rows.length; start += k) {
            for (int i = 0; i < k; i++) {
                piece[i] = (float) gaussian(random);
            }
            Vectors.copyNormalized(piece, 0, k, rows, start);
        }
        return rows;
    }

    static double gaussian(SplittableRandom random) {
        // Box-Muller; SplittableRandom has no nextGaussian in Java 17.
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** The vector kernel; a benchmark of it must not silently measure the fallback. */
    static DotKernel vectorKernel() {
        return DotKernels.vector().orElseThrow(() -> new IllegalStateException(
                DotKernels.vectorUnavailableReason().orElse("no vector kernel")
                        + "; run the benchmarks with java --add-modules jdk.incubator.vector"));
    }

    /** Throws unless the two result arrays hold the same bits. */
    static void checkIdentical(String what, double[] expected, double[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToRawLongBits(expected[i]) != Double.doubleToRawLongBits(actual[i])) {
                throw new IllegalStateException(what + " differs from Vectors.dot at " + i + ": " + actual[i]
                        + " vs " + expected[i]);
            }
        }
    }
}
