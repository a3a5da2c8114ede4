package dev.cadc.core.math;

/**
 * The plain-Java kernel, used when the Vector API is absent or {@code -Dcadc.kernel=scalar} asks for it:
 * one row per block, so its layout is plain row-major, and every dot is a call of {@link Vectors#dot}
 * itself, identical by construction.
 *
 * <p>Why not a lane-blocked loop in plain Java that C2 could run in SIMD registers: measured on Java 17,
 * C2 vectorised none of the variants tried ({@code sums_j[lane] += q[d] * block[d][lane]} with 16 to 256
 * lanes, in one or four loops); they ran at 2-4.8 GFLOP/s against 4.4 for {@link Vectors#dot}, which is
 * bound by its four dependent float additions. Rows stored contiguously in one array also beat a list of
 * separate arrays a little.
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
        for (int q = 0; q < queryCount; q++) {
            int queryAt = queryOffset + q * dim;
            int outAt = outOffset + q * outStride;
            for (int r = 0, rowAt = 0; r < rowCount; r++, rowAt += dim) {
                out[outAt + r] = Vectors.dot(queries, queryAt, data, rowAt, dim);
            }
        }
    }

    @Override
    boolean anyAbove(float[] data, int rowCount, int dim, float[] query, int queryOffset, double threshold) {
        for (int r = 0, rowAt = 0; r < rowCount; r++, rowAt += dim) {
            if (Vectors.dot(query, queryOffset, data, rowAt, dim) > threshold) {
                return true;
            }
        }
        return false;
    }
}
