package dev.cadc.core.math;

import static dev.cadc.core.math.KernelTestData.bits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every dot a {@link RowBlock} computes, on either kernel, must have the bits of {@link Vectors#dot}: the
 * batch curator and the Flink operators switch to the kernel only if curricula stay bit-identical.
 */
class RowBlockTest {

    static Iterable<DotKernel> kernels() {
        return KernelTestData.kernels();
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void everyShapeMatchesTheScalarDotBitForBit(DotKernel kernel) {
        Random random = new Random(20240611L);
        int cases = 0;
        for (int dim : KernelTestData.DIMS) {
            for (int rowCount : KernelTestData.ROW_COUNTS) {
                for (int queryCount = 1; queryCount <= 5; queryCount++) {
                    int kind = cases++ % 3;
                    float[] rows = KernelTestData.floats(random, rowCount * dim, kind);
                    int offset = random.nextInt(3);
                    float[] queries = KernelTestData.floats(random, offset + queryCount * dim + 2, kind);
                    RowBlock block = RowBlock.of(rows, rowCount, dim, kernel);
                    int outOffset = random.nextInt(3);
                    double[] out = new double[outOffset + queryCount * rowCount + 1];
                    Arrays.fill(out, Double.NaN);
                    block.dots(queries, offset, queryCount, out, outOffset);
                    for (int q = 0; q < queryCount; q++) {
                        for (int r = 0; r < rowCount; r++) {
                            double expected = Vectors.dot(queries, offset + q * dim, rows, r * dim, dim);
                            double actual = out[outOffset + q * rowCount + r];
                            assertThat(bits(actual))
                                    .as("%s: dim %d, %d rows, query %d of %d, row %d (kind %d): %s vs %s",
                                            kernel, dim, rowCount, q, queryCount, r, kind, actual, expected)
                                    .isEqualTo(bits(expected));
                        }
                    }
                    // Untouched around the written range.
                    for (int i = 0; i < outOffset; i++) {
                        assertThat(out[i]).isNaN();
                    }
                    assertThat(out[out.length - 1]).isNaN();
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void singleQueryMatchesTheScalarDot(DotKernel kernel) {
        Random random = new Random(7L);
        for (int dim : KernelTestData.DIMS) {
            for (int rowCount : new int[] {1, 15, 16, 33}) {
                float[] rows = KernelTestData.floats(random, rowCount * dim, 2);
                int offset = random.nextInt(6);
                float[] query = KernelTestData.floats(random, offset + dim, 2);
                RowBlock block = RowBlock.of(rows, rowCount, dim, kernel);
                double[] out = block.dots(query, offset);
                for (int r = 0; r < rowCount; r++) {
                    assertThat(bits(out[r])).as("dim %d row %d", dim, r)
                            .isEqualTo(bits(Vectors.dot(query, offset, rows, r * dim, dim)));
                }
            }
        }
    }

    /** The same bits once C2 has compiled the kernels (the other tests run mostly interpreted or in C1). */
    @ParameterizedTest
    @MethodSource("kernels")
    void resultsStayIdenticalOnceCompiled(DotKernel kernel) {
        Random random = new Random(17L);
        int dim = 259;
        int rowCount = 40;
        int queryCount = 7;
        float[] rows = KernelTestData.floats(random, rowCount * dim, 2);
        float[] queries = KernelTestData.floats(random, queryCount * dim, 2);
        long[] expected = new long[queryCount * rowCount];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = bits(Vectors.dot(queries, (i / rowCount) * dim, rows, (i % rowCount) * dim, dim));
        }
        RowBlock block = RowBlock.of(rows, rowCount, dim, kernel);
        double[] out = new double[expected.length];
        for (int iteration = 0; iteration < 1500; iteration++) {
            block.dots(queries, 0, queryCount, out, 0);
            for (int i = 0; i < out.length; i++) {
                if (bits(out[i]) != expected[i]) {
                    throw new AssertionError(kernel + ", iteration " + iteration + ", entry " + i + ": " + out[i]
                            + " vs " + Double.longBitsToDouble(expected[i]));
                }
            }
        }
    }

    /**
     * {@code -(1 + 2^-11) + (1 + 2^-12)^2} is exactly 0 with a rounded float multiply then add, and 2^-24
     * with a fused multiply-add: a kernel that used fma would fail here.
     */
    @ParameterizedTest
    @MethodSource("kernels")
    void multiplyThenAddIsNotFused(DotKernel kernel) {
        float a = 1f + 0x1p-12f;
        float c = -(1f + 0x1p-11f);
        assertThat(c + a * a).isEqualTo(0f);
        assertThat(Math.fma(a, a, c)).isEqualTo(0x1p-24f);

        int dim = 11; // two blocks of four and a tail of three
        int rowCount = 19;
        for (int partial = 0; partial < 4; partial++) {
            float[] rows = new float[rowCount * dim];
            float[] queries = new float[5 * dim];
            for (int q = 0; q < 5; q++) {
                queries[q * dim + partial] = 1f;
                queries[q * dim + 4 + partial] = a;
            }
            for (int r = 0; r < rowCount; r++) {
                rows[r * dim + partial] = c;
                rows[r * dim + 4 + partial] = a;
            }
            double[] out = new double[5 * rowCount];
            RowBlock.of(rows, rowCount, dim, kernel).dots(queries, 0, 5, out, 0);
            for (int i = 0; i < out.length; i++) {
                double expected = Vectors.dot(queries, (i / rowCount) * dim, rows, (i % rowCount) * dim, dim);
                assertThat(expected).isEqualTo(0.0);
                assertThat(bits(out[i])).as("partial sum %d, entry %d: %s", partial, i, out[i])
                        .isEqualTo(bits(expected));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void negativeZerosSumToPositiveZeroAsInTheScalarLoop(DotKernel kernel) {
        for (int dim : new int[] {1, 3, 4, 9}) {
            float[] rows = new float[3 * dim];
            float[] query = new float[dim];
            Arrays.fill(rows, -0f);
            Arrays.fill(query, 1f);
            double[] out = RowBlock.of(rows, 3, dim, kernel).dots(query, 0);
            for (int r = 0; r < 3; r++) {
                assertThat(bits(out[r])).isEqualTo(bits(Vectors.dot(query, 0, rows, r * dim, dim)));
            }
        }
    }

    /** Infinities and NaNs: same values as the scalar loop (Java does not specify a NaN's payload). */
    @ParameterizedTest
    @MethodSource("kernels")
    void nonFiniteValuesGiveTheSameValues(DotKernel kernel) {
        Random random = new Random(99L);
        float[] specials = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MAX_VALUE,
            -Float.MAX_VALUE, 1e30f, -1e30f};
        for (int dim : new int[] {4, 7, 64, 131}) {
            int rowCount = 40;
            float[] rows = KernelTestData.floats(random, rowCount * dim, 0);
            float[] queries = KernelTestData.floats(random, 3 * dim, 0);
            for (int i = 0; i < rows.length; i += 1 + random.nextInt(2 * dim)) {
                rows[i] = specials[random.nextInt(specials.length)];
            }
            for (int i = 0; i < queries.length; i += 1 + random.nextInt(dim)) {
                queries[i] = specials[random.nextInt(specials.length)];
            }
            double[] out = new double[3 * rowCount];
            RowBlock.of(rows, rowCount, dim, kernel).dots(queries, 0, 3, out, 0);
            for (int i = 0; i < out.length; i++) {
                double expected = Vectors.dot(queries, (i / rowCount) * dim, rows, (i % rowCount) * dim, dim);
                assertThat(Double.doubleToLongBits(out[i])).as("dim %d entry %d", dim, i)
                        .isEqualTo(Double.doubleToLongBits(expected));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void growableBlockMatchesAfterEveryAppend(DotKernel kernel) {
        Random random = new Random(3L);
        for (int dim : new int[] {1, 5, 64, 130}) {
            int total = 37;
            float[] source = KernelTestData.floats(random, 3 + total * dim, 2);
            float[] queries = KernelTestData.floats(random, 3 * dim, 2);
            RowBlock block = RowBlock.growable(dim, 0, kernel);
            assertThat(block.rowCount()).isZero();
            assertThat(block.anyAbove(queries, 0, Double.NEGATIVE_INFINITY)).isFalse();
            for (int n = 1; n <= total; n++) {
                block.append(source, 3 + (n - 1) * dim);
                assertThat(block.rowCount()).isEqualTo(n);
                double[] out = new double[3 * n];
                block.dots(queries, 0, 3, out, 0);
                for (int q = 0; q < 3; q++) {
                    for (int r = 0; r < n; r++) {
                        assertThat(bits(out[q * n + r])).as("dim %d, %d rows, query %d row %d", dim, n, q, r)
                                .isEqualTo(bits(Vectors.dot(queries, q * dim, source, 3 + r * dim, dim)));
                    }
                }
                assertThat(block.get(n - 1, dim - 1)).isEqualTo(source[3 + n * dim - 1]);
            }
            // Appending copies: changing the source afterwards changes nothing.
            float first = source[3];
            Arrays.fill(source, Float.NaN);
            assertThat(Float.floatToRawIntBits(block.get(0, 0))).isEqualTo(Float.floatToRawIntBits(first));
        }
    }

    /** anyAbove decides as {@code for (row : rows) if (Vectors.dot(...) > threshold) return true} would. */
    @ParameterizedTest
    @MethodSource("kernels")
    void anyAboveDecidesAsTheScalarLoop(DotKernel kernel) {
        Random random = new Random(11L);
        for (int dim : new int[] {3, 8, 33, 256}) {
            for (int rowCount : new int[] {1, 16, 17, 50}) {
                float[] rows = KernelTestData.floats(random, rowCount * dim, 0);
                float[] query = KernelTestData.floats(random, dim, 0);
                RowBlock block = RowBlock.of(rows, rowCount, dim, kernel);
                double max = Double.NEGATIVE_INFINITY;
                for (int r = 0; r < rowCount; r++) {
                    max = Math.max(max, Vectors.dot(query, 0, rows, r * dim, dim));
                }
                // At the maximum itself nothing is strictly above; one ulp below, the maximum is.
                assertThat(block.anyAbove(query, 0, max)).isFalse();
                assertThat(block.anyAbove(query, 0, Math.nextDown(max))).isTrue();
                assertThat(block.anyAbove(query, 0, Math.nextUp(max))).isFalse();
                for (int t = 0; t < 20; t++) {
                    double threshold = max * random.nextDouble() * 2 - Math.abs(max);
                    boolean expected = false;
                    for (int r = 0; r < rowCount && !expected; r++) {
                        expected = Vectors.dot(query, 0, rows, r * dim, dim) > threshold;
                    }
                    assertThat(block.anyAbove(query, 0, threshold)).isEqualTo(expected);
                }
                assertThat(block.anyAbove(query, 0, Double.NaN)).isFalse();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void zeroDimensionAndEmptyBlocks(DotKernel kernel) {
        RowBlock empty = RowBlock.of(new float[0], 0, 8, kernel);
        double[] out = {42};
        empty.dots(new float[8], 0, out);
        assertThat(out[0]).isEqualTo(42);
        RowBlock zeroDim = RowBlock.of(new float[0], 3, 0, kernel);
        assertThat(zeroDim.dots(new float[0], 0)).containsExactly(0.0, 0.0, 0.0);
        assertThat(zeroDim.anyAbove(new float[0], 0, -1)).isTrue();
        assertThat(zeroDim.anyAbove(new float[0], 0, 0)).isFalse();
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void argumentsAreChecked(DotKernel kernel) {
        RowBlock fixed = RowBlock.of(new float[12], 3, 4, kernel);
        assertThat(fixed.kernel()).isSameAs(kernel);
        assertThat(fixed.dim()).isEqualTo(4);
        assertThatThrownBy(() -> fixed.append(new float[4], 0)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> fixed.dots(new float[4], 1, new double[3]))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> fixed.dots(new float[4], 0, new double[2]))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> fixed.dots(new float[8], 0, 2, new double[6], 1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> fixed.anyAbove(new float[3], 0, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> fixed.get(3, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> RowBlock.of(new float[11], 3, 4, kernel)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RowBlock.growable(4, 0, kernel).append(new float[5], 2))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
