package dev.cadc.core.sketch;

/** Shared arithmetic of the projectors, in the accumulation order that PROJECTION.md fixes. */
final class Projections {

    private Projections() {
    }

    /**
     * {@code out[r] = sum_c matrix[r*cols + c] * vector[c]} for a row-major {@code rows x cols}
     * matrix, each product and the sum in double, columns in ascending order, not rounded to float.
     */
    static void multiply(float[] matrix, int rows, int cols, float[] vector, double[] out) {
        for (int r = 0, rowStart = 0; r < rows; r++, rowStart += cols) {
            double sum = 0.0;
            for (int c = 0; c < cols; c++) {
                sum += (double) matrix[rowStart + c] * vector[c];
            }
            out[r] = sum;
        }
    }

    /** The L2 norm, squares summed in double in index order. */
    static double norm(double[] vector) {
        double sum = 0.0;
        for (double value : vector) {
            sum += value * value;
        }
        return Math.sqrt(sum);
    }

    static void requireLength(String what, float[] vector, int expected) {
        if (vector == null) {
            throw new IllegalArgumentException(what + " is null; expected " + expected + " floats");
        }
        if (vector.length != expected) {
            throw new IllegalArgumentException(
                    what + " has " + vector.length + " floats; expected " + expected);
        }
    }

    static void requireRoom(float[] out, int outOffset, int needed) {
        if (out == null) {
            throw new IllegalArgumentException("output array is null; expected room for " + needed + " floats");
        }
        if (outOffset < 0 || outOffset > out.length - needed) {
            throw new IllegalArgumentException("output array of " + out.length + " floats has no room for "
                    + needed + " floats at offset " + outOffset);
        }
    }
}
