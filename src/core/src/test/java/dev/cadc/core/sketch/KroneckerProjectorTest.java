package dev.cadc.core.sketch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KroneckerProjectorTest extends ProjectionTestBase {

    /** One layer at k = 1024: a = b = 32, the most balanced split the rule allows. */
    private static final LayerShape JL_LAYER = new LayerShape(64, 128);
    /** The trainer's typical layers: an answer head and a hidden layer. */
    private static final List<LayerShape> TRAINER_LAYERS = List.of(new LayerShape(10, 128), new LayerShape(128, 256));
    /** Pinned layers: each gets k_l = 4 = 2 x 2. */
    private static final List<LayerShape> PINNED_LAYERS = List.of(new LayerShape(2, 3), new LayerShape(3, 2));
    /** Relative tolerance of float sketches against double references. */
    private static final double FLOAT_TOLERANCE = 1e-5;

    @Test
    void preservesOuterProductInnerProductsWithinTheKroneckerBound() {
        KroneckerProjector projector = new KroneckerProjector(SEED, List.of(JL_LAYER), JL_SKETCH_DIM);
        int outRows = projector.outFactorDim(0);
        int inRows = projector.inFactorDim(0);
        assertThat(outRows).isEqualTo(32);
        assertThat(inRows).isEqualTo(32);
        SplittableRandom random = new SplittableRandom(SEED);
        double[] relativeErrors = new double[JL_PAIRS];
        double[] squaredErrorMinusVariance = new double[JL_PAIRS];
        float[] sketchU = new float[JL_SKETCH_DIM];
        float[] sketchV = new float[JL_SKETCH_DIM];
        for (int p = 0; p < JL_PAIRS; p++) {
            float[] deltaU = gaussianVector(random, JL_LAYER.outDim());
            float[] inputU = gaussianVector(random, JL_LAYER.inDim());
            float[] deltaV = correlatedWith(random, deltaU, random.nextDouble());
            float[] inputV = correlatedWith(random, inputU, random.nextDouble());
            projector.projectLayerRaw(0, deltaU, inputU, sketchU, 0);
            projector.projectLayerRaw(0, deltaV, inputV, sketchV, 0);
            // <u, v> = <deltaU, deltaV> <inputU, inputV> and |u| = |deltaU| |inputU| for u = deltaU (x) inputU.
            double outInner = dot(deltaU, deltaV);
            double inInner = dot(inputU, inputV);
            double outScale = norm(deltaU) * norm(deltaV);
            double inScale = norm(inputU) * norm(inputV);
            double error = (dot(sketchU, sketchV) - outInner * inInner) / (outScale * inScale);
            relativeErrors[p] = error;
            // The two factor estimates X, Y are independent: Var(XY) = E[X^2] E[Y^2] - (EX EY)^2.
            double outSecondMoment = outInner * outInner + rademacherInnerProductVariance(deltaU, deltaV, outRows);
            double inSecondMoment = inInner * inInner + rademacherInnerProductVariance(inputU, inputV, inRows);
            double variance = outSecondMoment * inSecondMoment - Math.pow(outInner * inInner, 2);
            squaredErrorMinusVariance[p] = error * error - variance / Math.pow(outScale * inScale, 2);
        }
        // X = <a,a'> + E_a, Y = <b,b'> + E_b with |E_a| <= e_a |a||a'|, |E_b| <= e_b |b||b'|, so
        // |XY - <a,a'><b,b'>| <= (e_a + e_b + e_a e_b) |a||a'||b||b'| = ((1+e_a)(1+e_b) - 1) |u||v|.
        // Each factor gets half the failure probability. At 32 rows e_a > 3/4, beyond the range where the
        // tail inequality is proven, so this is the JL rate extrapolated; the variance check below is sharp.
        double outBound = jlRelativeErrorBound(outRows, JL_PAIRS, JL_FAILURE_PROBABILITY / 2);
        double inBound = jlRelativeErrorBound(inRows, JL_PAIRS, JL_FAILURE_PROBABILITY / 2);
        double bound = (1 + outBound) * (1 + inBound) - 1;
        for (double error : relativeErrors) {
            assertThat(Math.abs(error)).isLessThanOrEqualTo(bound);
        }
        SampleStatistics bias = SampleStatistics.of(relativeErrors);
        assertThat(Math.abs(bias.mean())).isLessThanOrEqualTo(STANDARD_ERRORS * bias.standardError());
        SampleStatistics spread = SampleStatistics.of(squaredErrorMinusVariance);
        assertThat(Math.abs(spread.mean())).isLessThanOrEqualTo(STANDARD_ERRORS * spread.standardError());
    }

    @Test
    void layerPartEqualsDenseEquivalentTimesMaterialisedGradient() {
        assertMatchesDenseEquivalent(new KroneckerProjector(SEED, List.of(JL_LAYER), JL_SKETCH_DIM));
        // out (3) < sqrt(k_0 = 50): a_0 = 2, and a second layer with a_1 = 5, b_1 = 10.
        KroneckerProjector narrow = new KroneckerProjector(
                SEED, List.of(new LayerShape(3, 50), new LayerShape(10, 20)), 100);
        assertThat(narrow.outFactorDim(0)).isEqualTo(2);
        assertThat(narrow.inFactorDim(0)).isEqualTo(25);
        assertThat(narrow.outFactorDim(1)).isEqualTo(5);
        assertThat(narrow.inFactorDim(1)).isEqualTo(10);
        assertMatchesDenseEquivalent(narrow);
    }

    private static void assertMatchesDenseEquivalent(KroneckerProjector projector) {
        SplittableRandom random = new SplittableRandom(OTHER_SEED);
        for (int l = 0; l < projector.layerCount(); l++) {
            LayerShape shape = projector.layers().get(l);
            float[] delta = gaussianVector(random, shape.outDim());
            float[] input = gaussianVector(random, shape.inDim());
            float[] gradient = new float[(int) shape.gradientLength()];
            for (int o = 0; o < shape.outDim(); o++) {
                for (int c = 0; c < shape.inDim(); c++) {
                    gradient[o * shape.inDim() + c] = delta[o] * input[c];
                }
            }
            float[] dense = projector.denseEquivalent(l);
            int rows = projector.layerSketchDim(l);
            assertThat(dense).hasSize(rows * gradient.length);
            float[] part = new float[rows];
            projector.projectLayerRaw(l, delta, input, part, 0);
            // Each row of R_l has unit norm, so every entry is at most |g| in magnitude.
            double tolerance = FLOAT_TOLERANCE * norm(gradient);
            for (int row = 0; row < rows; row++) {
                double expected = 0.0;
                for (int c = 0; c < gradient.length; c++) {
                    expected += (double) dense[row * gradient.length + c] * gradient[c];
                }
                assertThat((double) part[row]).as("layer %d row %d", l, row).isCloseTo(expected, within(tolerance));
            }
            float entryMagnitude = (float) (1.0 / Math.sqrt(rows));
            assertThat(Math.abs(dense[0])).isCloseTo(entryMagnitude, within(entryMagnitude * 1e-6f));
        }
    }

    @Test
    void splitsAndFactorsTheSketchDimensionByTheDocumentedRule() {
        KroneckerProjector trainer = new KroneckerProjector(SEED, TRAINER_LAYERS, 1024);
        assertFactors(trainer, 0, 0, 512, 8, 64);
        assertFactors(trainer, 1, 512, 512, 16, 32);
        KroneckerProjector uneven = new KroneckerProjector(
                SEED, List.of(new LayerShape(3, 7), new LayerShape(50, 40), new LayerShape(1, 9)), 100);
        assertFactors(uneven, 0, 0, 34, 2, 17);
        assertFactors(uneven, 1, 34, 33, 3, 11);
        assertFactors(uneven, 2, 67, 33, 1, 33);
        KroneckerProjector prime = new KroneckerProjector(SEED, List.of(new LayerShape(100, 100)), 13);
        assertFactors(prime, 0, 0, 13, 1, 13);
    }

    private static void assertFactors(KroneckerProjector projector, int layer, int offset, int layerDim,
                                      int outFactorDim, int inFactorDim) {
        assertThat(projector.layerOffset(layer)).as("offset of layer %d", layer).isEqualTo(offset);
        assertThat(projector.layerSketchDim(layer)).as("k_%d", layer).isEqualTo(layerDim);
        assertThat(projector.outFactorDim(layer)).as("a_%d", layer).isEqualTo(outFactorDim);
        assertThat(projector.inFactorDim(layer)).as("b_%d", layer).isEqualTo(inFactorDim);
    }

    @Test
    void pinnedSketchMatchesReference() {
        KroneckerProjector projector = new KroneckerProjector(SMALL_SEED, PINNED_LAYERS, PINNED_KRONECKER_SKETCH_DIM);
        float[] raw = new float[PINNED_KRONECKER_SKETCH_DIM];
        for (int l = 0; l < projector.layerCount(); l++) {
            projector.projectLayerRaw(l, PINNED_DELTAS[l], PINNED_INPUTS[l], raw, projector.layerOffset(l));
        }
        assertThat(raw).containsExactly(PINNED_KRONECKER_RAW);
        assertThat(projector.sketch(PINNED_DELTAS, PINNED_INPUTS)).containsExactly(PINNED_KRONECKER_SKETCH);
    }

    @Test
    void pinnedSequenceSketchMatchesReference() {
        KroneckerProjector projector = new KroneckerProjector(SMALL_SEED, PINNED_LAYERS, PINNED_KRONECKER_SKETCH_DIM);
        assertThat(projector.sketchSequence(PINNED_SEQUENCE_DELTAS, PINNED_SEQUENCE_INPUTS))
                .containsExactly(PINNED_SEQUENCE_SKETCH);
    }

    @Test
    void sequenceOfOneTokenIsThePlainSketchBitForBit() {
        KroneckerProjector pinned = new KroneckerProjector(SMALL_SEED, PINNED_LAYERS, PINNED_KRONECKER_SKETCH_DIM);
        assertThat(pinned.sketchSequence(oneToken(PINNED_DELTAS), oneToken(PINNED_INPUTS)))
                .containsExactly(PINNED_KRONECKER_SKETCH);
        KroneckerProjector projector = new KroneckerProjector(SEED, TRAINER_LAYERS, 1024);
        SplittableRandom random = new SplittableRandom(SEED);
        for (int sample = 0; sample < 20; sample++) {
            float[][] deltas = {gaussianVector(random, 10), gaussianVector(random, 128)};
            float[][] inputs = {gaussianVector(random, 128), gaussianVector(random, 256)};
            assertThat(projector.sketchSequence(oneToken(deltas), oneToken(inputs)))
                    .containsExactly(projector.sketch(deltas, inputs));
        }
    }

    @Test
    void sequenceSketchIsTheDenseEquivalentTimesTheSummedGradientNormalised() {
        List<LayerShape> layers = List.of(new LayerShape(3, 50), new LayerShape(10, 20));
        KroneckerProjector projector = new KroneckerProjector(SEED, layers, 100);
        SplittableRandom random = new SplittableRandom(OTHER_SEED);
        int[] tokens = {4, 7};
        float[][][] deltas = new float[2][][];
        float[][][] inputs = new float[2][][];
        for (int l = 0; l < 2; l++) {
            deltas[l] = new float[tokens[l]][];
            inputs[l] = new float[tokens[l]][];
            for (int t = 0; t < tokens[l]; t++) {
                deltas[l][t] = gaussianVector(random, layers.get(l).outDim());
                inputs[l][t] = gaussianVector(random, layers.get(l).inDim());
            }
        }
        float[] sketch = projector.sketchSequence(deltas, inputs);
        for (int l = 0; l < 2; l++) {
            LayerShape shape = layers.get(l);
            double[] gradient = new double[shape.outDim() * shape.inDim()];
            for (int t = 0; t < tokens[l]; t++) {
                for (int o = 0; o < shape.outDim(); o++) {
                    for (int c = 0; c < shape.inDim(); c++) {
                        gradient[o * shape.inDim() + c] += (double) deltas[l][t][o] * inputs[l][t][c];
                    }
                }
            }
            float[] dense = projector.denseEquivalent(l);
            int rows = projector.layerSketchDim(l);
            double[] part = new double[rows];
            double squares = 0.0;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < gradient.length; c++) {
                    part[r] += dense[r * gradient.length + c] * gradient[c];
                }
                squares += part[r] * part[r];
            }
            double partNorm = Math.sqrt(squares);
            for (int r = 0; r < rows; r++) {
                double expected = part[r] / partNorm;
                assertThat((double) sketch[projector.layerOffset(l) + r]).as("layer %d entry %d", l, r)
                        .isCloseTo(expected, within(1e-5));
            }
        }
    }

    @Test
    void sequenceWithoutTokensOrWithZeroGradientGivesZeroPart() {
        KroneckerProjector projector = new KroneckerProjector(SMALL_SEED, PINNED_LAYERS, PINNED_KRONECKER_SKETCH_DIM);
        float[][][] deltas = {{}, {{1f, 0f, 0f}, {-1f, 0f, 0f}}};
        float[][][] inputs = {{}, {{2f, 1f}, {2f, 1f}}};
        assertThat(projector.sketchSequence(deltas, inputs)).containsOnly(0f);
        assertThatThrownBy(() -> projector.sketchSequence(new float[][][] {{{1f, 2f}}, {}}, new float[][][] {{}, {}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer 0 needs as many input vectors as deltas");
        assertThatThrownBy(() -> projector.sketchSequence(new float[][][] {{}}, new float[][][] {{}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("per layer (2 each)");
    }

    private static float[][][] oneToken(float[][] vectors) {
        float[][][] tokens = new float[vectors.length][][];
        for (int l = 0; l < vectors.length; l++) {
            tokens[l] = new float[][] {vectors[l]};
        }
        return tokens;
    }

    @Test
    void sketchConcatenatesUnitNormalisedLayerPartsAndKeepsZeroPartsZero() {
        KroneckerProjector projector = new KroneckerProjector(SEED, TRAINER_LAYERS, 1024);
        SplittableRandom random = new SplittableRandom(SEED);
        float[][] deltas = {gaussianVector(random, 10), new float[128]};
        float[][] inputs = {gaussianVector(random, 128), gaussianVector(random, 256)};
        float[] sketch = projector.sketch(deltas, inputs);
        float[] raw = new float[512];
        projector.projectLayerRaw(0, deltas[0], inputs[0], raw, 0);
        double rawNorm = norm(raw);
        double partNormSquared = 0.0;
        for (int i = 0; i < 512; i++) {
            assertThat((double) sketch[i]).isCloseTo(raw[i] / rawNorm, within(FLOAT_TOLERANCE * Math.abs(raw[i] / rawNorm) + 1e-7));
            partNormSquared += (double) sketch[i] * sketch[i];
        }
        assertThat(partNormSquared).isCloseTo(1.0, within(FLOAT_TOLERANCE));
        for (int i = 512; i < 1024; i++) {
            assertThat(sketch[i]).as("entry %d of the zero layer", i).isZero();
        }
    }

    @Test
    void sameSeedGivesIdenticalSketchesAndOtherSeedDifferent() {
        SplittableRandom random = new SplittableRandom(SEED);
        float[][] deltas = {gaussianVector(random, 10), gaussianVector(random, 128)};
        float[][] inputs = {gaussianVector(random, 128), gaussianVector(random, 256)};
        float[] first = new KroneckerProjector(SEED, TRAINER_LAYERS, 1024).sketch(deltas, inputs);
        float[] second = new KroneckerProjector(SEED, TRAINER_LAYERS, 1024).sketch(deltas, inputs);
        assertThat(second).containsExactly(first);
        assertThat(new KroneckerProjector(OTHER_SEED, TRAINER_LAYERS, 1024).denseEquivalent(0))
                .isNotEqualTo(new KroneckerProjector(SEED, TRAINER_LAYERS, 1024).denseEquivalent(0));
    }

    @Test
    void factorsAreTheGeneratorStreamsOfTheirLayer() {
        KroneckerProjector projector = new KroneckerProjector(SEED, PINNED_LAYERS, PINNED_KRONECKER_SKETCH_DIM);
        float[] outFactor = SplitMix64.rademacherMatrix(SEED, 1, SplitMix64.OUTPUT_FACTOR, 2, 3);
        float[] inFactor = SplitMix64.rademacherMatrix(SEED, 1, SplitMix64.INPUT_FACTOR, 2, 2);
        float[] dense = projector.denseEquivalent(1);
        // Entry (i*b + j, o*in + c) = R_out[i][o] * R_in[j][c], here with a = b = 2, out = 3, in = 2.
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                for (int o = 0; o < 3; o++) {
                    for (int c = 0; c < 2; c++) {
                        assertThat(dense[(i * 2 + j) * 6 + o * 2 + c])
                                .isEqualTo((float) ((double) outFactor[i * 3 + o] * inFactor[j * 2 + c]));
                    }
                }
            }
        }
    }

    @Test
    void rejectsBadShapesAndVectors() {
        assertThatThrownBy(() -> new LayerShape(0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got out 0 x in 3");
        assertThatThrownBy(() -> new KroneckerProjector(SEED, List.of(), 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one layer");
        assertThatThrownBy(() -> new KroneckerProjector(SEED, TRAINER_LAYERS, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("number of layers (2)");
        KroneckerProjector projector = new KroneckerProjector(SEED, TRAINER_LAYERS, 64);
        float[] out = new float[64];
        assertThatThrownBy(() -> projector.projectLayerRaw(0, new float[9], new float[128], out, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("delta (output-side vector) of layer 0 has 9 floats; expected 10");
        assertThatThrownBy(() -> projector.projectLayerRaw(1, new float[128], new float[128], out, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input (activation) vector of layer 1 has 128 floats; expected 256");
        assertThatThrownBy(() -> projector.projectLayerRaw(0, new float[10], new float[128], out, 40))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no room for 32 floats at offset 40");
        assertThatThrownBy(() -> projector.projectLayerRaw(2, new float[10], new float[128], out, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("this projector has 2 layers");
        assertThatThrownBy(() -> projector.sketch(new float[][] {new float[10]}, new float[][] {new float[128]}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one delta and one input vector per layer (2 each)");
    }

    @org.junit.jupiter.api.Test
    void aGeneralMatrixIsProjectedByTheSameMapAsARankOneGradient() {
        java.util.List<LayerShape> shapes = java.util.List.of(new LayerShape(6, 5), new LayerShape(4, 7));
        KroneckerProjector projector = new KroneckerProjector(11, shapes, 24);
        java.util.SplittableRandom random = new java.util.SplittableRandom(2);
        for (int layer = 0; layer < 2; layer++) {
            int outDim = shapes.get(layer).outDim();
            int inDim = shapes.get(layer).inDim();
            float[] delta = new float[outDim];
            float[] input = new float[inDim];
            for (int o = 0; o < outDim; o++) {
                delta[o] = (float) random.nextGaussian();
            }
            for (int c = 0; c < inDim; c++) {
                input[c] = (float) random.nextGaussian();
            }
            float[] rankOne = new float[outDim * inDim];
            float[] general = new float[outDim * inDim];
            for (int o = 0; o < outDim; o++) {
                for (int c = 0; c < inDim; c++) {
                    rankOne[o * inDim + c] = delta[o] * input[c];
                    general[o * inDim + c] = (float) random.nextGaussian();
                }
            }
            int k = projector.layerSketchDim(layer);
            float[] expected = new float[k];
            float[] actual = new float[k];
            projector.projectLayerRaw(layer, delta, input, expected, 0);
            projector.projectLayerMatrix(layer, rankOne, actual, 0);
            for (int i = 0; i < k; i++) {
                org.assertj.core.api.Assertions.assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.api.Assertions.within(1e-4f));
            }
            float[] dense = projector.denseEquivalent(layer);
            projector.projectLayerMatrix(layer, general, actual, 0);
            for (int i = 0; i < k; i++) {
                double sum = 0;
                for (int column = 0; column < general.length; column++) {
                    sum += (double) dense[i * general.length + column] * general[column];
                }
                org.assertj.core.api.Assertions.assertThat((double) actual[i]).isCloseTo(sum, org.assertj.core.api.Assertions.within(1e-4));
            }
        }
    }
}
