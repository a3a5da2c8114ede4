package dev.cadc.core.sketch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DenseProjectorTest extends ProjectionTestBase {

    private static final int JL_INPUT_DIM = 256;

    @Test
    void preservesInnerProductsWithinTheJohnsonLindenstraussBound() {
        DenseProjector projector = new DenseProjector(SEED, JL_INPUT_DIM, JL_SKETCH_DIM);
        SplittableRandom random = new SplittableRandom(SEED);
        double[] relativeErrors = new double[JL_PAIRS];
        double[] squaredErrorMinusVariance = new double[JL_PAIRS];
        for (int p = 0; p < JL_PAIRS; p++) {
            float[] u = gaussianVector(random, JL_INPUT_DIM);
            float[] v = correlatedWith(random, u, random.nextDouble());
            double scale = norm(u) * norm(v);
            double error = (dot(projector.project(u), projector.project(v)) - dot(u, v)) / scale;
            relativeErrors[p] = error;
            squaredErrorMinusVariance[p] =
                    error * error - rademacherInnerProductVariance(u, v, JL_SKETCH_DIM) / (scale * scale);
        }
        double bound = jlRelativeErrorBound(JL_SKETCH_DIM, JL_PAIRS, JL_FAILURE_PROBABILITY);
        assertThat(bound).as("derivation needs e <= 3/4").isLessThanOrEqualTo(0.75);
        for (double error : relativeErrors) {
            assertThat(Math.abs(error)).isLessThanOrEqualTo(bound);
        }
        // Unbiased: positive correlations, so a wrong scale would show as a mean error of the same sign.
        SampleStatistics bias = SampleStatistics.of(relativeErrors);
        assertThat(Math.abs(bias.mean())).isLessThanOrEqualTo(STANDARD_ERRORS * bias.standardError());
        // Spread as independent rows predict: correlated or repeated rows would inflate it.
        SampleStatistics spread = SampleStatistics.of(squaredErrorMinusVariance);
        assertThat(Math.abs(spread.mean())).isLessThanOrEqualTo(STANDARD_ERRORS * spread.standardError());
    }

    @Test
    void sketchOfPinnedGradientMatchesReference() {
        DenseProjector projector = new DenseProjector(SMALL_SEED, 10, PINNED_DENSE_SKETCH.length);
        assertThat(projector.project(pinnedDenseGradient())).containsExactly(PINNED_DENSE_SKETCH);
    }

    @Test
    void entriesAreLayerZeroOutputFactorOfTheGenerator() {
        DenseProjector projector = new DenseProjector(SEED, PINNED_COLS, PINNED_ROWS);
        float[] expected = SplitMix64.rademacherMatrix(SEED, 0, SplitMix64.OUTPUT_FACTOR, PINNED_ROWS, PINNED_COLS);
        for (int r = 0; r < PINNED_ROWS; r++) {
            for (int c = 0; c < PINNED_COLS; c++) {
                assertThat(projector.entry(r, c)).isEqualTo(expected[r * PINNED_COLS + c]);
            }
        }
        assertThat(projector.entry(0, 0)).isEqualTo(PINNED_SIGNS_LAYER0_FACTOR0[0] * PINNED_SCALE);
    }

    @Test
    void sameSeedGivesIdenticalSketchesAndOtherSeedDifferent() {
        float[] gradient = gaussianVector(new SplittableRandom(SEED), 300);
        float[] first = new DenseProjector(SEED, 300, 64).project(gradient);
        float[] second = new DenseProjector(SEED, 300, 64).project(gradient);
        float[] other = new DenseProjector(OTHER_SEED, 300, 64).project(gradient);
        assertThat(second).containsExactly(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void writesAtTheOffsetAndLeavesTheRestAlone() {
        DenseProjector projector = new DenseProjector(SMALL_SEED, 10, PINNED_DENSE_SKETCH.length);
        float[] out = new float[PINNED_DENSE_SKETCH.length + 2];
        Arrays.fill(out, 9f);
        projector.project(pinnedDenseGradient(), out, 1);
        assertThat(out[0]).isEqualTo(9f);
        assertThat(Arrays.copyOfRange(out, 1, out.length - 1)).containsExactly(PINNED_DENSE_SKETCH);
        assertThat(out[out.length - 1]).isEqualTo(9f);
    }

    @Test
    void rejectsBadDimensionsAndVectors() {
        assertThatThrownBy(() -> new DenseProjector(SEED, 0, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input (gradient) dimension");
        assertThatThrownBy(() -> new DenseProjector(SEED, 8, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sketch dimension must be >= 1");
        DenseProjector projector = new DenseProjector(SEED, 8, 4);
        assertThatThrownBy(() -> projector.project(new float[7]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gradient has 7 floats; expected 8");
        assertThatThrownBy(() -> projector.project(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gradient is null");
        assertThatThrownBy(() -> projector.project(new float[8], new float[5], 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no room for 4 floats at offset 2");
        assertThatThrownBy(() -> projector.entry(4, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the 4 x 8");
    }
}
