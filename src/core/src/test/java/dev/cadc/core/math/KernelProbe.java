package dev.cadc.core.math;

import java.util.Random;

/**
 * Run by {@link DotKernelsSelectionTest} in a fresh JVM (with or without the Vector API module): prints
 * the kernel {@link DotKernels} chose and checks it against {@link Vectors#dot}. Uses nothing but the JDK
 * and cadc-core's classes, so that its class path is just those two directories.
 */
public final class KernelProbe {

    private KernelProbe() {}

    public static void main(String[] args) {
        System.out.println("name=" + DotKernels.name());
        System.out.println("vectorized=" + DotKernels.vectorized());
        System.out.println("vectorAvailable=" + DotKernels.vector().isPresent());
        DotKernel kernel;
        try {
            kernel = DotKernels.active();
        } catch (IllegalStateException e) {
            System.out.println("error=" + e.getMessage());
            System.exit(3);
            return;
        }
        System.out.println("kernel=" + kernel.name());
        Random random = new Random(5L);
        int dim = 203;
        int rowCount = 37;
        int queryCount = 5;
        float[] rows = new float[rowCount * dim];
        float[] queries = new float[queryCount * dim];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < queries.length; i++) {
            queries[i] = (float) random.nextGaussian();
        }
        double[] out = new double[queryCount * rowCount];
        RowBlock.of(rows, rowCount, dim).dots(queries, 0, queryCount, out, 0);
        int mismatches = 0;
        for (int q = 0; q < queryCount; q++) {
            for (int r = 0; r < rowCount; r++) {
                double expected = Vectors.dot(queries, q * dim, rows, r * dim, dim);
                if (Double.doubleToRawLongBits(out[q * rowCount + r]) != Double.doubleToRawLongBits(expected)) {
                    mismatches++;
                }
            }
        }
        System.out.println("mismatches=" + mismatches);
        System.exit(mismatches == 0 ? 0 : 1);
    }
}
