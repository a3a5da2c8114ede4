package dev.cadc.core.sketch;

/**
 * The {@link ProjectionKind#DENSE} projection: {@code sketch = R g} with {@code R} the {@code k x d}
 * Rademacher matrix of layer 0, factor 0 (entries {@code +-1/sqrt(k)}), so that
 * {@code E[<Ru, Rv>] = <u, v>} (Johnson-Lindenstrauss). The matrix is materialised once;
 * instances are immutable and safe to share between threads.
 */
public final class DenseProjector {

    private final long seed;
    private final int inputDim;
    private final int sketchDim;
    private final float[] matrix;

    /**
     * @param inputDim  {@code d}, the length of the flattened gradient
     * @param sketchDim {@code k}, the number of floats in a sketch
     */
    public DenseProjector(long seed, int inputDim, int sketchDim) {
        if (inputDim < 1) {
            throw new IllegalArgumentException("input (gradient) dimension must be >= 1, got " + inputDim);
        }
        if (sketchDim < 1) {
            throw new IllegalArgumentException("sketch dimension must be >= 1, got " + sketchDim);
        }
        this.seed = seed;
        this.inputDim = inputDim;
        this.sketchDim = sketchDim;
        this.matrix = SplitMix64.rademacherMatrix(seed, 0, SplitMix64.OUTPUT_FACTOR, sketchDim, inputDim);
    }

    public long seed() {
        return seed;
    }

    public int inputDim() {
        return inputDim;
    }

    public int sketchDim() {
        return sketchDim;
    }

    /** The sketch {@code R g} as a new array of {@code sketchDim()} floats. */
    public float[] project(float[] gradient) {
        float[] out = new float[sketchDim];
        project(gradient, out, 0);
        return out;
    }

    /**
     * Writes {@code R g} to {@code out[outOffset .. outOffset + sketchDim())}; each entry is the
     * double-precision dot product of a row with {@code gradient}, cast to float.
     */
    public void project(float[] gradient, float[] out, int outOffset) {
        Projections.requireLength("gradient", gradient, inputDim);
        Projections.requireRoom(out, outOffset, sketchDim);
        double[] sketch = new double[sketchDim];
        Projections.multiply(matrix, sketchDim, inputDim, gradient, sketch);
        for (int r = 0; r < sketchDim; r++) {
            out[outOffset + r] = (float) sketch[r];
        }
    }

    /** The matrix entry {@code R[row][col]}, {@code +-1/sqrt(sketchDim())}. */
    public float entry(int row, int col) {
        if (row < 0 || row >= sketchDim || col < 0 || col >= inputDim) {
            throw new IllegalArgumentException("entry (" + row + ", " + col + ") outside the "
                    + sketchDim + " x " + inputDim + " projection matrix");
        }
        return matrix[row * inputDim + col];
    }
}
