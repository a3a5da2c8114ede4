package dev.cadc.core.sketch;

import java.util.SplittableRandom;

/**
 * Shared constants, pinned reference values and random fixtures of the projection tests.
 * The pinned values come from {@code schemas/projection_reference.py} (an independent pure-Python
 * implementation) and are also listed in {@code schemas/PROJECTION.md}.
 */
abstract class ProjectionTestBase {

    static final long SEED = 42L;
    static final long OTHER_SEED = 43L;

    /** The sketch dimension of the Johnson-Lindenstrauss tests. */
    static final int JL_SKETCH_DIM = 1024;
    /** Random vector pairs per Johnson-Lindenstrauss test. */
    static final int JL_PAIRS = 500;
    /** Allowed probability that the union bound over all pairs fails for a fresh seed. */
    static final double JL_FAILURE_PROBABILITY = 0.01;
    /** Standard errors allowed between a sample mean and its expectation. */
    static final double STANDARD_ERRORS = 5.0;

    /** Rows x cols of the pinned matrices, {@code seed 42}. */
    static final int PINNED_ROWS = 8;
    static final int PINNED_COLS = 200;
    static final float PINNED_SCALE = 0.3535533845424652f;
    static final int[] PINNED_ENTRY_INDICES = {0, 1, 2, 3, 1000, 1599};
    static final float[] PINNED_SIGNS_LAYER0_FACTOR0 = {1, -1, 1, 1, -1, 1};
    static final float[] PINNED_SIGNS_LAYER1_FACTOR1 = {1, 1, 1, -1, -1, 1};

    /** Seed of the small pinned sketches. */
    static final long SMALL_SEED = 7L;

    /** {@code (float) (0.1 * (i - 4))}, i = 0..9, the pinned dense input. */
    static float[] pinnedDenseGradient() {
        float[] gradient = new float[10];
        for (int i = 0; i < gradient.length; i++) {
            gradient[i] = (float) (0.1 * (i - 4));
        }
        return gradient;
    }

    /** Seed 7, k = 6: one block of four rows and two single rows of the accumulation loop. */
    static final float[] PINNED_DENSE_SKETCH = {
            0.2857738137245178f, -0.12247449159622192f, -0.2857738137245178f,
            -0.2857738137245178f, 0.4490731358528137f, 0.12247449904680252f};

    /** Pinned kronecker input: layers (2 x 3) and (3 x 2), k = 8, so each layer is 2 x 2. */
    static final int PINNED_KRONECKER_SKETCH_DIM = 8;
    static final float[][] PINNED_DELTAS = {{0.5f, -1.0f}, {1.0f, 2.0f, -0.5f}};
    static final float[][] PINNED_INPUTS = {{1.0f, 0.25f, -2.0f}, {3.0f, -1.0f}};
    static final float[] PINNED_KRONECKER_RAW = {
            0.1875f, -0.6875f, 0.1875f, -0.6875f, 6.999999523162842f, -6.999999523162842f, 3.0f, -3.0f};
    static final float[] PINNED_KRONECKER_SKETCH = {
            0.1860520988702774f, -0.682191014289856f, 0.1860520988702774f, -0.682191014289856f,
            0.6499336957931519f, -0.6499336957931519f, 0.27854299545288086f, -0.27854299545288086f};

    /** Pinned sequence input: the layers above, layer 0 with two tokens, layer 1 with three. */
    static final float[][][] PINNED_SEQUENCE_DELTAS = {
            {{0.5f, -1.0f}, {0.25f, 2.0f}},
            {{1.0f, 2.0f, -0.5f}, {0.0f, -1.0f, 1.5f}, {-2.0f, 0.5f, 0.25f}}};
    static final float[][][] PINNED_SEQUENCE_INPUTS = {
            {{1.0f, 0.25f, -2.0f}, {-0.5f, 1.0f, 0.75f}},
            {{3.0f, -1.0f}, {0.5f, 0.5f}, {1.0f, -0.25f}}};
    static final float[] PINNED_SEQUENCE_SKETCH = {
            0.3137644827365875f, -0.6336811780929565f, 0.3137644827365875f, -0.6336811780929565f,
            0.566763162612915f, -0.566763162612915f, 0.42282330989837646f, -0.42282330989837646f};

    static float[] gaussianVector(SplittableRandom random, int length) {
        float[] vector = new float[length];
        for (int i = 0; i < length; i++) {
            vector[i] = (float) random.nextGaussian();
        }
        return vector;
    }

    /** {@code rho * base + sqrt(1 - rho^2) * fresh}, so the pair has expected cosine {@code rho}. */
    static float[] correlatedWith(SplittableRandom random, float[] base, double rho) {
        float[] vector = new float[base.length];
        double freshWeight = Math.sqrt(1 - rho * rho);
        for (int i = 0; i < base.length; i++) {
            vector[i] = (float) (rho * base[i] + freshWeight * random.nextGaussian());
        }
        return vector;
    }

    static double dot(float[] left, float[] right) {
        double sum = 0.0;
        for (int i = 0; i < left.length; i++) {
            sum += (double) left[i] * right[i];
        }
        return sum;
    }

    static double norm(float[] vector) {
        return Math.sqrt(dot(vector, vector));
    }

    /** {@code sum_i x_i^2 y_i^2}, the term by which Rademacher rows beat Gaussian ones. */
    static double sumOfSquaredProducts(float[] left, float[] right) {
        double sum = 0.0;
        for (int i = 0; i < left.length; i++) {
            double product = (double) left[i] * right[i];
            sum += product * product;
        }
        return sum;
    }

    /**
     * Variance of {@code <Rx, Ry>} for an {@code m x d} matrix of independent entries {@code +-1/sqrt(m)}:
     * one row gives {@code Z = (s.x)(s.y)} with {@code E Z^2 = 2<x,y>^2 + |x|^2|y|^2 - 2 sum x_i^2 y_i^2},
     * and the estimate averages {@code m} independent rows.
     */
    static double rademacherInnerProductVariance(float[] x, float[] y, int rows) {
        double inner = dot(x, y);
        double normProduct = norm(x) * norm(y);
        return (inner * inner + normProduct * normProduct - 2 * sumOfSquaredProducts(x, y)) / rows;
    }

    /**
     * The Johnson-Lindenstrauss error bound for inner products of {@code pairs} pairs under an
     * {@code m}-row Rademacher projection, failing with probability at most {@code failureProbability}.
     *
     * <p>Derivation. Achlioptas (2003, Thm 1.1 proof) shows for a Rademacher projection and any x:
     * {@code P(| |Rx|^2 - |x|^2 | > e |x|^2) <= 2 exp(-m (e^2/4 - e^3/6))}, and
     * {@code e^2/4 - e^3/6 >= e^2/8} for {@code e <= 3/4}. By polarisation, for unit x, y,
     * {@code <Rx,Ry> - <x,y> = ((|R(x+y)|^2 - |x+y|^2) - (|R(x-y)|^2 - |x-y|^2)) / 4}, whose absolute value
     * is at most {@code e (|x+y|^2 + |x-y|^2) / 4 = e} when both norms are preserved to {@code 1 +- e}.
     * A union bound over the {@code 2 * pairs} vectors gives failure {@code <= 4 pairs exp(-m e^2 / 8)};
     * setting that to the failure probability gives {@code e = sqrt(8 ln(4 pairs / failure) / m)}.
     * The derivation holds while {@code e <= 3/4}; beyond that it is the extrapolated JL rate, not a proof.
     */
    static double jlRelativeErrorBound(int rows, int pairs, double failureProbability) {
        return Math.sqrt(8 * Math.log(4 * pairs / failureProbability) / rows);
    }

    /** Sample mean and standard error of a set of observations. */
    record SampleStatistics(double mean, double standardError) {
        static SampleStatistics of(double[] values) {
            double mean = 0.0;
            for (double value : values) {
                mean += value;
            }
            mean /= values.length;
            double squares = 0.0;
            for (double value : values) {
                squares += (value - mean) * (value - mean);
            }
            return new SampleStatistics(mean, Math.sqrt(squares / (values.length - 1) / values.length));
        }
    }
}
