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
        int r = 0;
        // Four rows per pass: four independent sums hide the latency of the additions, while each row
        // still adds its terms in ascending column order, so the result is the same to the last bit.
        for (; r + 3 < rows; r += 4) {
            int row0 = r * cols;
            int row1 = row0 + cols;
            int row2 = row1 + cols;
            int row3 = row2 + cols;
            double sum0 = 0.0;
            double sum1 = 0.0;
            double sum2 = 0.0;
            double sum3 = 0.0;
            for (int c = 0; c < cols; c++) {
                double x = vector[c];
                sum0 += matrix[row0 + c] * x;
                sum1 += matrix[row1 + c] * x;
                sum2 += matrix[row2 + c] * x;
                sum3 += matrix[row3 + c] * x;
            }
            out[r] = sum0;
            out[r + 1] = sum1;
            out[r + 2] = sum2;
            out[r + 3] = sum3;
        }
        for (; r < rows; r++) {
            int rowStart = r * cols;
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
