package dev.cadc.core.sketch;

/**
 * The portable generator of the projection matrices: SplitMix64, one step per matrix entry,
 * sign bit to {@code +-1}. Defined normatively in {@code schemas/PROJECTION.md} so that a
 * trainer in any language builds bit-identical matrices from the run's seed.
 *
 * <p>Every (layer, factor) pair has its own stream, and every entry of a stream can be computed
 * on its own ({@link #sign}); {@link #rademacherMatrix} materialises a whole factor for speed.
 */
public final class SplitMix64 {

    /** The SplitMix64 increment, {@code floor(2^64 / phi)}. */
    public static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** Factor index of the output (delta) side of a layer; a dense projection uses this factor. */
    public static final int OUTPUT_FACTOR = 0;

    /** Factor index of the input (activation) side of a layer. */
    public static final int INPUT_FACTOR = 1;

    private SplitMix64() {
    }

    /** The SplitMix64 finaliser: a bijection on 64-bit values with good avalanche. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The start state of the stream of one factor matrix: {@code mix64(seed + GOLDEN * (2*layer + factor + 1))}.
     *
     * @param layer  0-based layer index (a dense projection is layer 0)
     * @param factor {@link #OUTPUT_FACTOR} or {@link #INPUT_FACTOR}
     */
    public static long streamStart(long seed, int layer, int factor) {
        if (layer < 0) {
            throw new IllegalArgumentException("layer index must be >= 0, got " + layer);
        }
        if (factor != OUTPUT_FACTOR && factor != INPUT_FACTOR) {
            throw new IllegalArgumentException(
                    "factor must be " + OUTPUT_FACTOR + " (output) or " + INPUT_FACTOR + " (input), got " + factor);
        }
        return mix64(seed + GOLDEN * (2L * layer + factor + 1));
    }

    /**
     * The unscaled sign of entry {@code entryIndex} (row-major, 0-based) of the stream:
     * {@code -1} when the top bit of {@code mix64(streamStart + GOLDEN * (entryIndex + 1))} is set, else {@code +1}.
     */
    public static float sign(long streamStart, long entryIndex) {
        return mix64(streamStart + GOLDEN * (entryIndex + 1)) < 0 ? -1f : 1f;
    }

    /**
     * A {@code rows x cols} Rademacher matrix, row-major, with entries {@code sign / sqrt(rows)}
     * where the scale is {@code (float) (1.0 / Math.sqrt(rows))}, so that {@code E[R^T R] = I}.
     *
     * @throws IllegalArgumentException when a dimension is not positive or the matrix would not fit in one array
     */
    public static float[] rademacherMatrix(long seed, int layer, int factor, int rows, int cols) {
        long start = streamStart(seed, layer, factor);
        int size = matrixSize(rows, cols);
        float scale = (float) (1.0 / Math.sqrt(rows));
        float[] matrix = new float[size];
        for (int n = 0; n < size; n++) {
            matrix[n] = sign(start, n) * scale;
        }
        return matrix;
    }

    private static int matrixSize(int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException(
                    "projection matrix dimensions must be >= 1, got " + rows + " x " + cols);
        }
        long size = (long) rows * cols;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("projection matrix " + rows + " x " + cols + " has " + size
                    + " entries, more than one Java array holds; use the kronecker projection or a smaller sketch");
        }
        return (int) size;
    }
}
