package dev.cadc.core.math;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernel: one {@link FloatVector} of {@code FloatVector.SPECIES_PREFERRED} holds element
 * {@code d} of {@link #LANES} rows, and up to four queries share every load of it (register blocking: 4
 * queries x 4 partial sums = 16 accumulators). Each accumulator update is {@code acc.add(w.mul(q[d]))}, a
 * lane-wise float multiply then a float add, never {@code fma}, so every lane performs exactly the float
 * operations of {@link Vectors#dot}; the partial sums are then combined, and the tail added, in double by
 * {@link #finish}.
 *
 * <p>Only {@link DotKernels} loads this class, reflectively, and only when {@code jdk.incubator.vector} is
 * in the boot layer; without the module, loading it fails with a {@link LinkageError} that
 * {@link DotKernels} catches.
 */
final class VectorDotKernel extends DotKernel {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();

    /** {@link #scaledAdd}: doubles in the preferred shape (half as many lanes as {@link #SPECIES}). */
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;

    VectorDotKernel() {
        if (LANES < 4) {
            throw new UnsupportedOperationException("the preferred float species has only " + LANES + " lane(s)");
        }
    }

    @Override
    public String name() {
        return "vector-" + SPECIES.vectorBitSize();
    }

    @Override
    public boolean vectorized() {
        return true;
    }

    @Override
    public int lanes() {
        return LANES;
    }

    @Override
    void dots(float[] data, int rowCount, int dim, float[] queries, int queryOffset, int queryCount,
            double[] out, int outOffset, int outStride) {
        int blocked = dim & ~3;
        float[] sums = new float[16 * LANES];
        for (int first = 0, base = 0; first < rowCount; first += LANES, base += dim * LANES) {
            int used = Math.min(LANES, rowCount - first);
            int q = 0;
            int group;
            for (; q < queryCount; q += group) {
                int queryAt = queryOffset + q * dim;
                int left = queryCount - q;
                if (left >= 4) {
                    group = 4;
                    sums4(data, base, blocked, queries, queryAt, dim, sums);
                } else if (left >= 2) {
                    group = 2;
                    sums2(data, base, blocked, queries, queryAt, dim, sums);
                } else {
                    group = 1;
                    sums1(data, base, blocked, queries, queryAt, sums);
                }
                for (int g = 0; g < group; g++) {
                    int at = queryAt + g * dim;
                    int outAt = outOffset + (q + g) * outStride + first;
                    for (int lane = 0; lane < used; lane++) {
                        out[outAt + lane] = finish(sums, g * 4 * LANES, LANES, lane, data, base, blocked, dim, queries, at);
                    }
                }
            }
        }
    }

    @Override
    boolean anyAbove(float[] data, int rowCount, int dim, float[] query, int queryOffset, double threshold) {
        int blocked = dim & ~3;
        float[] sums = new float[4 * LANES];
        for (int first = 0, base = 0; first < rowCount; first += LANES, base += dim * LANES) {
            int used = Math.min(LANES, rowCount - first);
            sums1(data, base, blocked, query, queryOffset, sums);
            for (int lane = 0; lane < used; lane++) {
                if (finish(sums, 0, LANES, lane, data, base, blocked, dim, query, queryOffset) > threshold) {
                    return true;
                }
            }
        }
        return false;
    }

    /** One query: {@code sums[j * LANES + lane]} = partial sum {@code s_j} of the block's row {@code lane}. */
    private static void sums1(float[] data, int base, int blocked, float[] q, int q0, float[] sums) {
        FloatVector s0 = FloatVector.zero(SPECIES);
        FloatVector s1 = FloatVector.zero(SPECIES);
        FloatVector s2 = FloatVector.zero(SPECIES);
        FloatVector s3 = FloatVector.zero(SPECIES);
        for (int d = 0; d < blocked; d += 4) {
            int p = base + d * LANES;
            s0 = s0.add(FloatVector.fromArray(SPECIES, data, p).mul(q[q0 + d]));
            s1 = s1.add(FloatVector.fromArray(SPECIES, data, p + LANES).mul(q[q0 + d + 1]));
            s2 = s2.add(FloatVector.fromArray(SPECIES, data, p + 2 * LANES).mul(q[q0 + d + 2]));
            s3 = s3.add(FloatVector.fromArray(SPECIES, data, p + 3 * LANES).mul(q[q0 + d + 3]));
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, LANES);
        s2.intoArray(sums, 2 * LANES);
        s3.intoArray(sums, 3 * LANES);
    }

    /** Two queries at {@code q0} and {@code q0 + dim}; query {@code g}'s sums start at {@code g * 4 * LANES}. */
    private static void sums2(float[] data, int base, int blocked, float[] q, int q0, int dim, float[] sums) {
        int q1 = q0 + dim;
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = FloatVector.zero(SPECIES);
        FloatVector a2 = FloatVector.zero(SPECIES);
        FloatVector a3 = FloatVector.zero(SPECIES);
        FloatVector b0 = FloatVector.zero(SPECIES);
        FloatVector b1 = FloatVector.zero(SPECIES);
        FloatVector b2 = FloatVector.zero(SPECIES);
        FloatVector b3 = FloatVector.zero(SPECIES);
        for (int d = 0; d < blocked; d += 4) {
            int p = base + d * LANES;
            FloatVector w = FloatVector.fromArray(SPECIES, data, p);
            a0 = a0.add(w.mul(q[q0 + d]));
            b0 = b0.add(w.mul(q[q1 + d]));
            w = FloatVector.fromArray(SPECIES, data, p + LANES);
            a1 = a1.add(w.mul(q[q0 + d + 1]));
            b1 = b1.add(w.mul(q[q1 + d + 1]));
            w = FloatVector.fromArray(SPECIES, data, p + 2 * LANES);
            a2 = a2.add(w.mul(q[q0 + d + 2]));
            b2 = b2.add(w.mul(q[q1 + d + 2]));
            w = FloatVector.fromArray(SPECIES, data, p + 3 * LANES);
            a3 = a3.add(w.mul(q[q0 + d + 3]));
            b3 = b3.add(w.mul(q[q1 + d + 3]));
        }
        a0.intoArray(sums, 0);
        a1.intoArray(sums, LANES);
        a2.intoArray(sums, 2 * LANES);
        a3.intoArray(sums, 3 * LANES);
        b0.intoArray(sums, 4 * LANES);
        b1.intoArray(sums, 5 * LANES);
        b2.intoArray(sums, 6 * LANES);
        b3.intoArray(sums, 7 * LANES);
    }

    /** Four queries at {@code q0 + g * dim}, g = 0..3; query {@code g}'s sums start at {@code g * 4 * LANES}. */
    private static void sums4(float[] data, int base, int blocked, float[] q, int q0, int dim, float[] sums) {
        int q1 = q0 + dim;
        int q2 = q1 + dim;
        int q3 = q2 + dim;
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = FloatVector.zero(SPECIES);
        FloatVector a2 = FloatVector.zero(SPECIES);
        FloatVector a3 = FloatVector.zero(SPECIES);
        FloatVector b0 = FloatVector.zero(SPECIES);
        FloatVector b1 = FloatVector.zero(SPECIES);
        FloatVector b2 = FloatVector.zero(SPECIES);
        FloatVector b3 = FloatVector.zero(SPECIES);
        FloatVector c0 = FloatVector.zero(SPECIES);
        FloatVector c1 = FloatVector.zero(SPECIES);
        FloatVector c2 = FloatVector.zero(SPECIES);
        FloatVector c3 = FloatVector.zero(SPECIES);
        FloatVector e0 = FloatVector.zero(SPECIES);
        FloatVector e1 = FloatVector.zero(SPECIES);
        FloatVector e2 = FloatVector.zero(SPECIES);
        FloatVector e3 = FloatVector.zero(SPECIES);
        for (int d = 0; d < blocked; d += 4) {
            int p = base + d * LANES;
            FloatVector w = FloatVector.fromArray(SPECIES, data, p);
            a0 = a0.add(w.mul(q[q0 + d]));
            b0 = b0.add(w.mul(q[q1 + d]));
            c0 = c0.add(w.mul(q[q2 + d]));
            e0 = e0.add(w.mul(q[q3 + d]));
            w = FloatVector.fromArray(SPECIES, data, p + LANES);
            a1 = a1.add(w.mul(q[q0 + d + 1]));
            b1 = b1.add(w.mul(q[q1 + d + 1]));
            c1 = c1.add(w.mul(q[q2 + d + 1]));
            e1 = e1.add(w.mul(q[q3 + d + 1]));
            w = FloatVector.fromArray(SPECIES, data, p + 2 * LANES);
            a2 = a2.add(w.mul(q[q0 + d + 2]));
            b2 = b2.add(w.mul(q[q1 + d + 2]));
            c2 = c2.add(w.mul(q[q2 + d + 2]));
            e2 = e2.add(w.mul(q[q3 + d + 2]));
            w = FloatVector.fromArray(SPECIES, data, p + 3 * LANES);
            a3 = a3.add(w.mul(q[q0 + d + 3]));
            b3 = b3.add(w.mul(q[q1 + d + 3]));
            c3 = c3.add(w.mul(q[q2 + d + 3]));
            e3 = e3.add(w.mul(q[q3 + d + 3]));
        }
        a0.intoArray(sums, 0);
        a1.intoArray(sums, LANES);
        a2.intoArray(sums, 2 * LANES);
        a3.intoArray(sums, 3 * LANES);
        b0.intoArray(sums, 4 * LANES);
        b1.intoArray(sums, 5 * LANES);
        b2.intoArray(sums, 6 * LANES);
        b3.intoArray(sums, 7 * LANES);
        c0.intoArray(sums, 8 * LANES);
        c1.intoArray(sums, 9 * LANES);
        c2.intoArray(sums, 10 * LANES);
        c3.intoArray(sums, 11 * LANES);
        e0.intoArray(sums, 12 * LANES);
        e1.intoArray(sums, 13 * LANES);
        e2.intoArray(sums, 14 * LANES);
        e3.intoArray(sums, 15 * LANES);
    }

    /**
     * The rest of {@link Vectors#dot}: combines lane {@code lane}'s four float partial sums (held at
     * {@code sums[sumsOffset + j * lanes + lane]}) in double, then adds the tail products
     * {@code d = blocked..dim-1} in double.
     */
    private static double finish(float[] sums, int sumsOffset, int lanes, int lane, float[] data, int base, int blocked,
            int dim, float[] query, int queryOffset) {
        double sum = ((double) sums[sumsOffset + lane] + sums[sumsOffset + lanes + lane])
                + ((double) sums[sumsOffset + 2 * lanes + lane] + sums[sumsOffset + 3 * lanes + lane]);
        for (int d = blocked; d < dim; d++) {
            sum += (double) query[queryOffset + d] * data[base + d * lanes + lane];
        }
        return sum;
    }

    @Override
    public void scaledAdd(double[] sums, double x, float[] weights, int offset, int length) {
        // Lane by lane the scalar loop's operations: widen (exact), multiply in double, add in double. The
        // floats are loaded in the kernel's own shape (SPECIES), of which the lower half is widened: a JVM
        // that also ran FloatVectors of a second shape lost the intrinsics of sums4 (the dot kernel ran 4x
        // slower after this method had loaded half-shape vectors; ShapeMixBenchmark).
        DoubleVector factor = DoubleVector.broadcast(DOUBLES, x);
        int half = DOUBLES.length();
        int o = 0;
        if (half * 2 == LANES) {
            // The load reads a whole vector; its lower half is widened, and the next pass starts at the upper.
            for (int bound = length - LANES; o <= bound; o += half) {
                DoubleVector widened = (DoubleVector) FloatVector.fromArray(SPECIES, weights, offset + o)
                        .convertShape(VectorOperators.F2D, DOUBLES, 0);
                DoubleVector.fromArray(DOUBLES, sums, o).add(factor.mul(widened)).intoArray(sums, o);
            }
        }
        for (; o < length; o++) {
            sums[o] += x * weights[offset + o];
        }
    }
}
