package dev.cadc.core.math;

/**
 * One implementation of the dot-product kernel behind {@link RowBlock}: {@link DotKernels#scalar()} (plain
 * Java) or, when the JVM has the {@code jdk.incubator.vector} module, {@link DotKernels#vector()}.
 *
 * <p>Every implementation computes, for a row {@code w} and a query {@code q} of length {@code k}, exactly
 * the double {@link Vectors#dot(float[], int, float[], int, int) Vectors.dot(q, offset, w, 0, k)} returns:
 * four float partial sums {@code s_j = sum of q[d] * w[d]} over the indices {@code d = j (mod 4)} below
 * {@code k & ~3}, in ascending order, each term a float multiply followed by a float add (never a fused
 * multiply-add); then {@code ((double) s0 + s1) + ((double) s2 + s3)}; then the last {@code k mod 4}
 * products added in double, in ascending order. Java's float and double arithmetic is IEEE 754 with
 * round-to-nearest on every operation (strict since Java 17), so doing the same operations in the same
 * order gives the same bits, whether a lane of a SIMD register or a scalar register holds them. The only
 * latitude is the payload of a NaN result, which Java leaves unspecified.
 *
 * <p>The layout a kernel reads is {@link RowBlock}'s: rows in blocks of {@link #lanes()} rows, each block
 * stored index-major ({@code block[d * lanes + lane] = row[block * lanes + lane][d]}), so that one vector
 * load gives element {@code d} of {@code lanes} consecutive rows; a block's unused lanes hold zeros. The
 * scalar kernel's blocks hold one row, which makes its layout plain row-major.
 *
 * <p>Instances are stateless and thread-safe. The class is not meant to be implemented outside this
 * package.
 */
public abstract class DotKernel {

    DotKernel() {}

    /** A short name for logs and benchmarks, e.g. {@code "vector-512"} or {@code "scalar"}. */
    public abstract String name();

    /** Whether this kernel computes with the Vector API ({@code jdk.incubator.vector}). */
    public abstract boolean vectorized();

    /** Rows per block of the layout this kernel reads. */
    public abstract int lanes();

    /**
     * {@code out[outOffset + q * outStride + r] = dot(queries[queryOffset + q * dim ..], row r)} for every
     * {@code q < queryCount} and {@code r < rowCount}. Arguments are checked by the caller.
     */
    abstract void dots(float[] data, int rowCount, int dim, float[] queries, int queryOffset, int queryCount,
            double[] out, int outOffset, int outStride);

    /**
     * Whether {@code dot(query[queryOffset ..], row r) > threshold} for some {@code r < rowCount}, stopping at
     * the first block that has such a row. Arguments are checked by the caller.
     */
    abstract boolean anyAbove(float[] data, int rowCount, int dim, float[] query, int queryOffset, double threshold);

    /**
     * {@code sums[o] += x * weights[offset + o]} for every {@code o < length}: each term the float weight
     * widened to double, multiplied by {@code x} in double, then added to {@code sums[o]} in double (never a
     * fused multiply-add), so every kernel gives the same bits as this plain loop. The inner step of an affine
     * layer {@code input W + b} summed in double along the rows of a row-major {@code W} (the reference
     * trainer's plain-Java forward pass). Arguments are not checked beyond Java's array bounds.
     */
    public abstract void scaledAdd(double[] sums, double x, float[] weights, int offset, int length);

    @Override
    public String toString() {
        return name();
    }
}
