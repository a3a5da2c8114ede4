package dev.cadc.core.math;

/**
 * The plain-Java kernel, used when the Vector API is absent or {@code -Dcadc.kernel=scalar} asks for it.
 * Its blocks hold one row each, so its layout is plain row-major. It dots a query with four rows at once
 * ({@link #dot4}): sixteen independent float accumulators instead of {@link Vectors#dot}'s four, whose
 * chain of dependent additions bounds it, and one load of each query element for four rows. Every row's
 * accumulators see the operations of {@link Vectors#dot} in its order, so the bits are the same; the last
 * {@code rowCount mod 4} rows call {@link Vectors#dot} itself.
 *
 * <p>C2 does not vectorise any of this (measured on Java 17, also for lane-blocked variants such as
 * {@code sums_j[lane] += q[d] * block[d][lane]}, which ran at 2-4.8 GFLOP/s against 4.4 for
 * {@link Vectors#dot}).
 */
final class ScalarDotKernel extends DotKernel {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public boolean vectorized() {
        return false;
    }

    @Override
    public int lanes() {
        return 1;
    }

    @Override
    void dots(float[] data, int rowCount, int dim, float[] queries, int queryOffset, int queryCount,
            double[] out, int outOffset, int outStride) {
        double[] four = new double[4];
        for (int q = 0; q < queryCount; q++) {
            int queryAt = queryOffset + q * dim;
            int outAt = outOffset + q * outStride;
            int r = 0;
            for (; r + 4 <= rowCount; r += 4) {
                dot4(queries, queryAt, data, r * dim, dim, four);
                out[outAt + r] = four[0];
                out[outAt + r + 1] = four[1];
                out[outAt + r + 2] = four[2];
                out[outAt + r + 3] = four[3];
            }
            for (; r < rowCount; r++) {
                out[outAt + r] = Vectors.dot(queries, queryAt, data, r * dim, dim);
            }
        }
    }

    @Override
    boolean anyAbove(float[] data, int rowCount, int dim, float[] query, int queryOffset, double threshold) {
        double[] four = new double[4];
        int r = 0;
        for (; r + 4 <= rowCount; r += 4) {
            dot4(query, queryOffset, data, r * dim, dim, four);
            if (four[0] > threshold || four[1] > threshold || four[2] > threshold || four[3] > threshold) {
                return true;
            }
        }
        for (; r < rowCount; r++) {
            if (Vectors.dot(query, queryOffset, data, r * dim, dim) > threshold) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code out[i] = Vectors.dot(q, queryAt, data, rowAt + i * dim, dim)} for i = 0..3, with the same
     * operations in the same order per row.
     */
    private static void dot4(float[] q, int queryAt, float[] data, int rowAt, int dim, double[] out) {
        int a = rowAt;
        int b = a + dim;
        int c = b + dim;
        int e = c + dim;
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
        float b0 = 0f, b1 = 0f, b2 = 0f, b3 = 0f;
        float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f;
        float e0 = 0f, e1 = 0f, e2 = 0f, e3 = 0f;
        int blocked = dim & ~3;
        int i = 0;
        for (; i < blocked; i += 4) {
            float x0 = q[queryAt + i];
            float x1 = q[queryAt + i + 1];
            float x2 = q[queryAt + i + 2];
            float x3 = q[queryAt + i + 3];
            a0 += x0 * data[a + i];
            a1 += x1 * data[a + i + 1];
            a2 += x2 * data[a + i + 2];
            a3 += x3 * data[a + i + 3];
            b0 += x0 * data[b + i];
            b1 += x1 * data[b + i + 1];
            b2 += x2 * data[b + i + 2];
            b3 += x3 * data[b + i + 3];
            c0 += x0 * data[c + i];
            c1 += x1 * data[c + i + 1];
            c2 += x2 * data[c + i + 2];
            c3 += x3 * data[c + i + 3];
            e0 += x0 * data[e + i];
            e1 += x1 * data[e + i + 1];
            e2 += x2 * data[e + i + 2];
            e3 += x3 * data[e + i + 3];
        }
        double sa = ((double) a0 + a1) + ((double) a2 + a3);
        double sb = ((double) b0 + b1) + ((double) b2 + b3);
        double sc = ((double) c0 + c1) + ((double) c2 + c3);
        double se = ((double) e0 + e1) + ((double) e2 + e3);
        for (; i < dim; i++) {
            double x = q[queryAt + i];
            sa += x * data[a + i];
            sb += x * data[b + i];
            sc += x * data[c + i];
            se += x * data[e + i];
        }
        out[0] = sa;
        out[1] = sb;
        out[2] = sc;
        out[3] = se;
    }

    @Override
    public void scaledAdd(double[] sums, double x, float[] weights, int offset, int length) {
        for (int o = 0; o < length; o++) {
            sums[o] += x * weights[offset + o];
        }
    }
}
