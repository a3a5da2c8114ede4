package dev.cadc.core.sketch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SplitMix64Test extends ProjectionTestBase {

    @Test
    void mix64MatchesIndependentReference() {
        assertThat(SplitMix64.mix64(0L)).isEqualTo(0L);
        assertThat(SplitMix64.mix64(1L)).isEqualTo(6238072747940578789L);
        assertThat(SplitMix64.mix64(42L)).isEqualTo(-6387817139659442654L);
        assertThat(SplitMix64.mix64(-1L)).isEqualTo(-5417735806833148549L);
    }

    @Test
    void firstStepFromZeroIsTheCanonicalSplitMix64Output() {
        // The published first output of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        assertThat(SplitMix64.mix64(0L + SplitMix64.GOLDEN)).isEqualTo(0xE220A8397B1DCDAFL);
    }

    @Test
    void streamStartsMatchIndependentReference() {
        assertThat(SplitMix64.streamStart(SEED, 0, SplitMix64.OUTPUT_FACTOR)).isEqualTo(-4767286540954276203L);
        assertThat(SplitMix64.streamStart(SEED, 1, SplitMix64.INPUT_FACTOR)).isEqualTo(6349198060258255764L);
    }

    @Test
    void matrixEntriesMatchPinnedSignsAndScale() {
        float[] layer0Output = SplitMix64.rademacherMatrix(SEED, 0, SplitMix64.OUTPUT_FACTOR, PINNED_ROWS, PINNED_COLS);
        float[] layer1Input = SplitMix64.rademacherMatrix(SEED, 1, SplitMix64.INPUT_FACTOR, PINNED_ROWS, PINNED_COLS);
        for (int i = 0; i < PINNED_ENTRY_INDICES.length; i++) {
            int n = PINNED_ENTRY_INDICES[i];
            assertThat(layer0Output[n]).as("layer 0 factor 0 entry %d", n)
                    .isEqualTo(PINNED_SIGNS_LAYER0_FACTOR0[i] * PINNED_SCALE);
            assertThat(layer1Input[n]).as("layer 1 factor 1 entry %d", n)
                    .isEqualTo(PINNED_SIGNS_LAYER1_FACTOR1[i] * PINNED_SCALE);
        }
    }

    @Test
    void matrixIsTheRandomAccessSignsInRowMajorOrder() {
        int rows = 5;
        int cols = 7;
        float[] matrix = SplitMix64.rademacherMatrix(SEED, 2, SplitMix64.INPUT_FACTOR, rows, cols);
        long start = SplitMix64.streamStart(SEED, 2, SplitMix64.INPUT_FACTOR);
        float scale = (float) (1.0 / Math.sqrt(rows));
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                assertThat(matrix[r * cols + c]).isEqualTo(SplitMix64.sign(start, (long) r * cols + c) * scale);
            }
        }
    }

    @Test
    void signsAreBalancedAndStreamsAreDistinct() {
        int rows = 64;
        int cols = 64;
        float[] layer0Output = SplitMix64.rademacherMatrix(SEED, 0, SplitMix64.OUTPUT_FACTOR, rows, cols);
        float[] layer0Input = SplitMix64.rademacherMatrix(SEED, 0, SplitMix64.INPUT_FACTOR, rows, cols);
        float[] layer1Output = SplitMix64.rademacherMatrix(SEED, 1, SplitMix64.OUTPUT_FACTOR, rows, cols);
        float[] otherSeed = SplitMix64.rademacherMatrix(OTHER_SEED, 0, SplitMix64.OUTPUT_FACTOR, rows, cols);
        // Independent fair signs: a fraction of n = 4096 has standard deviation 0.5 / sqrt(n) = 0.0078.
        double tolerance = STANDARD_ERRORS * 0.5 / Math.sqrt(rows * cols);
        assertThat(fractionPositive(layer0Output)).isCloseTo(0.5, within(tolerance));
        assertThat(fractionDiffering(layer0Output, layer0Input)).isCloseTo(0.5, within(tolerance));
        assertThat(fractionDiffering(layer0Output, layer1Output)).isCloseTo(0.5, within(tolerance));
        assertThat(fractionDiffering(layer0Output, otherSeed)).isCloseTo(0.5, within(tolerance));
    }

    @Test
    void rejectsBadStreamCoordinatesAndDimensions() {
        assertThatThrownBy(() -> SplitMix64.streamStart(SEED, -1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer index must be >= 0");
        assertThatThrownBy(() -> SplitMix64.streamStart(SEED, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("factor must be 0");
        assertThatThrownBy(() -> SplitMix64.rademacherMatrix(SEED, 0, 0, 0, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0 x 5");
        assertThatThrownBy(() -> SplitMix64.rademacherMatrix(SEED, 0, 0, 65536, 65536))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use the kronecker projection");
    }

    private static double fractionPositive(float[] matrix) {
        int positive = 0;
        for (float value : matrix) {
            positive += value > 0 ? 1 : 0;
        }
        return (double) positive / matrix.length;
    }

    private static double fractionDiffering(float[] left, float[] right) {
        int differing = 0;
        for (int i = 0; i < left.length; i++) {
            differing += Math.signum(left[i]) != Math.signum(right[i]) ? 1 : 0;
        }
        return (double) differing / left.length;
    }
}
