package dev.cadc.core.math;

import java.util.Arrays;
import java.util.Objects;

/**
 * A set of float rows of one length {@code dim}, against which query vectors are dotted in bulk: for
 * every query {@code q} and row {@code r} the result is exactly
 * {@code Vectors.dot(q, offset, row_r, 0, dim)}, bit for bit (see {@link DotKernel} for the order of
 * operations). The bit-equality is the point: the batch curator and the Flink operators must keep producing
 * the numbers they produced with the scalar {@link Vectors#dot} loop, so curricula computed before (and
 * by the other path) stay bit-identical, while the work runs as a small GEMM.
 *
 * <p>The rows are stored transposed in blocks of {@link DotKernel#lanes()} rows
 * ({@code block[d * lanes + lane] = row[block * lanes + lane][d]}), so that the vector kernel loads element
 * {@code d} of a whole block of rows at once and multiplies it by the broadcast {@code q[d]} of up to four
 * queries (vectorised across rows, not along {@code d}; each lane then performs the scalar loop's float
 * operations in the scalar loop's order). The scalar fallback's blocks hold one row each, i.e. plain
 * row-major storage, and it calls {@link Vectors#dot} itself. A block keeps the layout of the kernel it was
 * made for ({@link DotKernels#active()} unless one is passed), so a JVM can hold blocks of both kernels.
 *
 * <p>A block is either fixed ({@link #of}, e.g. a checkpoint's probe sketches) or growable
 * ({@link #growable}, e.g. the duplicate guard's chosen samples, one {@link #append} at a time). Reading
 * methods never modify the block; concurrent reads are safe once the block is safely published, but an
 * {@link #append} must not run concurrently with anything else on the same block.
 */
public final class RowBlock {

    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final DotKernel kernel;
    private final int lanes;
    private final int dim;
    private final boolean growable;
    /** {@code blocks * dim * lanes} floats; unused lanes are zero. */
    private float[] data;
    private int rowCount;

    private RowBlock(DotKernel kernel, int dim, int capacityRows, boolean growable) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        if (dim < 0) {
            throw new IllegalArgumentException("negative dimension " + dim);
        }
        if (capacityRows < 0) {
            throw new IllegalArgumentException("negative row count " + capacityRows);
        }
        this.lanes = kernel.lanes();
        this.dim = dim;
        this.growable = growable;
        this.data = new float[size(blocks(capacityRows))];
    }

    /**
     * A fixed block holding a copy of the row-major {@code rowCount x dim} matrix {@code rows}, for the
     * {@linkplain DotKernels#active() active kernel}.
     */
    public static RowBlock of(float[] rows, int rowCount, int dim) {
        return of(rows, rowCount, dim, DotKernels.active());
    }

    /** {@link #of(float[], int, int)} for the given kernel. */
    public static RowBlock of(float[] rows, int rowCount, int dim, DotKernel kernel) {
        if ((long) rowCount * dim > rows.length) {
            throw new IllegalArgumentException(rowCount + " rows of " + dim + " need " + (long) rowCount * dim
                    + " floats, the matrix has " + rows.length);
        }
        RowBlock block = new RowBlock(kernel, dim, rowCount, false);
        for (int r = 0; r < rowCount; r++) {
            block.put(rows, r * dim, r);
        }
        block.rowCount = rowCount;
        return block;
    }

    /** An empty growable block of rows of length {@code dim}, for the active kernel. */
    public static RowBlock growable(int dim) {
        return growable(dim, 0, DotKernels.active());
    }

    /** An empty growable block with room for {@code expectedRows} before it reallocates. */
    public static RowBlock growable(int dim, int expectedRows, DotKernel kernel) {
        return new RowBlock(kernel, dim, expectedRows, true);
    }

    /**
     * Appends a copy of {@code row[offset..offset+dim)} as row {@link #rowCount()}.
     *
     * @throws UnsupportedOperationException on a block made by {@link #of}
     */
    public void append(float[] row, int offset) {
        if (!growable) {
            throw new UnsupportedOperationException("a RowBlock made by of(...) is fixed; use growable(...)");
        }
        Objects.checkFromIndexSize(offset, dim, row.length);
        if (rowCount == Integer.MAX_VALUE) {
            throw new IllegalStateException("row block is full");
        }
        int blocksNeeded = blocks(rowCount + 1);
        if (size(blocksNeeded) > data.length) {
            long doubled = 2L * Math.max(blocksNeeded - 1, 1) * dim * lanes;
            float[] larger = new float[doubled <= MAX_ARRAY ? (int) doubled : size(blocksNeeded)];
            System.arraycopy(data, 0, larger, 0, data.length);
            data = larger;
        }
        put(row, offset, rowCount);
        rowCount++;
    }

    public int rowCount() {
        return rowCount;
    }

    public int dim() {
        return dim;
    }

    /** The kernel this block computes with (its layout is that kernel's). */
    public DotKernel kernel() {
        return kernel;
    }

    /** Element {@code d} of row {@code row}. */
    public float get(int row, int d) {
        Objects.checkIndex(row, rowCount);
        Objects.checkIndex(d, dim);
        return data[(row / lanes) * dim * lanes + d * lanes + row % lanes];
    }

    /**
     * {@code out[r] = Vectors.dot(query, offset, row_r, 0, dim)} for every row {@code r}.
     *
     * @param out at least {@link #rowCount()} long; entries past it are left alone
     */
    public void dots(float[] query, int offset, double[] out) {
        dots(query, offset, 1, out, 0);
    }

    /**
     * The dots of {@code queryCount} queries stored row-major from {@code queries[offset]} (query {@code q}
     * at {@code queries[offset + q * dim ..]}) with every row:
     * {@code out[outOffset + q * rowCount() + r] = Vectors.dot(queries, offset + q * dim, row_r, 0, dim)}.
     * Several queries per call let the vector kernel reuse each load of the rows for up to four of them.
     */
    public void dots(float[] queries, int offset, int queryCount, double[] out, int outOffset) {
        if (queryCount < 0) {
            throw new IllegalArgumentException("negative query count " + queryCount);
        }
        Objects.checkFromIndexSize(offset, Math.multiplyExact(queryCount, dim), queries.length);
        Objects.checkFromIndexSize(outOffset, Math.multiplyExact(queryCount, rowCount), out.length);
        if (queryCount == 0 || rowCount == 0) {
            return;
        }
        if (dim == 0) {
            Arrays.fill(out, outOffset, outOffset + queryCount * rowCount, 0.0);
            return;
        }
        kernel.dots(data, rowCount, dim, queries, offset, queryCount, out, outOffset, rowCount);
    }

    /** The dots of one query with every row, as a fresh array. */
    public double[] dots(float[] query, int offset) {
        double[] out = new double[rowCount];
        dots(query, offset, out);
        return out;
    }

    /**
     * Whether some row {@code r} has {@code Vectors.dot(query, offset, row_r, 0, dim) > threshold}: the
     * same decision as that scalar loop over the rows (the dots are the same doubles), but it stops after
     * the first block of {@link DotKernel#lanes()} rows that holds such a row.
     */
    public boolean anyAbove(float[] query, int offset, double threshold) {
        Objects.checkFromIndexSize(offset, dim, query.length);
        if (rowCount == 0) {
            return false;
        }
        if (dim == 0) {
            return 0.0 > threshold;
        }
        return kernel.anyAbove(data, rowCount, dim, query, offset, threshold);
    }

    @Override
    public String toString() {
        return "RowBlock[" + rowCount + " x " + dim + ", " + kernel.name() + "]";
    }

    private void put(float[] row, int offset, int r) {
        int at = (r / lanes) * dim * lanes + r % lanes;
        for (int d = 0; d < dim; d++, at += lanes) {
            data[at] = row[offset + d];
        }
    }

    private int blocks(int rows) {
        return (int) (((long) rows + lanes - 1) / lanes);
    }

    /** Floats in {@code blocks} blocks. */
    private int size(int blocks) {
        long size = (long) blocks * dim * lanes;
        if (size > MAX_ARRAY) {
            throw new IllegalStateException("a RowBlock of " + (long) blocks * lanes + " rows of " + dim
                    + " floats does not fit in one array");
        }
        return (int) size;
    }
}
