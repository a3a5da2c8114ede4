package dev.cadc.trainer.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cadc.core.sketch.KroneckerProjector;
import dev.cadc.trainer.model.AdamState;
import dev.cadc.trainer.model.ModelWeights;
import dev.cadc.trainer.model.VqaModel;
import dev.cadc.trainer.train.Encoded;
import dev.cadc.trainer.vqa.VqaItem;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The LESS-style scores against a dense reference written from the paper's formulas: per checkpoint,
 * {@code eta cos(P Gamma(z), P grad(p))} with {@code Gamma = m' / sqrt(v' + eps)} (the pool side
 * preconditioned by the model's Adam moments, the probe side a plain gradient), {@code P} the
 * Kronecker projection as a dense matrix; then the maximum over probes ({@code less}) and the mean
 * over probes ({@code less-mean}).
 */
class LessScoresTest {

    private static final int IMAGE_DIM = 6;
    private static final int QUESTIONS = 4;
    private static final int ANSWERS = 5;
    private static final int SKETCH_DIM = 48;

    @Test
    void scoresAreTheLearningRateWeightedCosinesOfAdamFeaturesWithProbeGradients() {
        SplittableRandom random = new SplittableRandom(11);
        float[][] images = new float[12][IMAGE_DIM];
        for (float[] image : images) {
            for (int d = 0; d < IMAGE_DIM; d++) {
                image[d] = (float) random.nextGaussian();
            }
        }
        List<VqaItem> pool = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int question = random.nextInt(QUESTIONS);
            int answer = random.nextInt(ANSWERS);
            pool.add(new VqaItem(i, i, 0, question, answer, answer, -1));
        }
        List<VqaItem> probes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int question = random.nextInt(QUESTIONS);
            int answer = random.nextInt(ANSWERS);
            probes.add(new VqaItem(100 + i, 8 + i, 0, question, answer, answer, -1));
        }
        Encoded poolData = new Encoded(pool, images);
        Encoded probeData = new Encoded(probes, images);
        float[] rates = {0.02f, 0.005f};
        try (VqaModel model = new VqaModel(IMAGE_DIM, QUESTIONS, ANSWERS, 0.01f, 3)) {
            KroneckerProjector projector = new KroneckerProjector(7, model.weights().layerShapes(), SKETCH_DIM);
            LessScores less = new LessScores(projector, pool, probes.size());
            double[][] expected = new double[pool.size()][probes.size()];
            for (int checkpoint = 0; checkpoint < rates.length; checkpoint++) {
                for (int step = 0; step < 5; step++) {
                    float[][] batch = new float[4][];
                    int[] questions = new int[4];
                    int[] answers = new int[4];
                    for (int b = 0; b < 4; b++) {
                        batch[b] = images[random.nextInt(images.length)];
                        questions[b] = random.nextInt(QUESTIONS);
                        answers[b] = random.nextInt(ANSWERS);
                    }
                    model.step(batch, questions, answers);
                }
                VqaModel.State state = model.state();
                less.addCheckpoint(state, poolData, probeData, rates[checkpoint]);
                for (int i = 0; i < pool.size(); i++) {
                    double[] gamma = denseFeature(projector, state, images[pool.get(i).image()], pool.get(i), true);
                    for (int p = 0; p < probes.size(); p++) {
                        double[] gradient = denseFeature(projector, state, images[probes.get(p).image()], probes.get(p), false);
                        expected[i][p] += rates[checkpoint] * cosine(gamma, gradient);
                    }
                }
            }
            double[] max = less.scores();
            double[] mean = less.meanScores();
            for (int i = 0; i < pool.size(); i++) {
                double best = Double.NEGATIVE_INFINITY;
                double sum = 0;
                for (double value : expected[i]) {
                    best = Math.max(best, value);
                    sum += value;
                }
                assertThat(max[i]).as("max over probes, item %d", i).isCloseTo(best, within(1e-5));
                assertThat(mean[i]).as("mean over probes, item %d", i).isCloseTo(sum / probes.size(), within(1e-5));
            }
        }
    }

    /** {@code P Gamma} (preconditioned) or {@code P g} (plain), P written out densely, the layers concatenated. */
    private static double[] denseFeature(KroneckerProjector projector, VqaModel.State state, float[] image, VqaItem item,
            boolean adam) {
        ModelWeights weights = state.weights();
        ModelWeights.LayerGradient[] gradients = weights.gradients(weights.forward(image, item.question()), item.answer(), null, null);
        double[] feature = new double[projector.sketchDim()];
        for (int l = 0; l < gradients.length; l++) {
            // dL/dW in parameter layout (in x out), as the engine and Adam's moments hold it.
            float[] g = ModelWeights.weightGradient(gradients[l]);
            float[] m = state.weightFirstMoments()[l];
            float[] v = state.weightSecondMoments()[l];
            int outDim = gradients[l].delta().length;
            int inDim = gradients[l].input().length;
            float[] dense = projector.denseEquivalent(l);
            int rows = projector.layerSketchDim(l);
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                for (int c = 0; c < inDim; c++) {
                    for (int o = 0; o < outDim; o++) {
                        double value = g[c * outDim + o];
                        if (adam) {
                            double first = AdamState.BETA1 * m[c * outDim + o] + (1 - AdamState.BETA1) * value;
                            double second = AdamState.BETA2 * v[c * outDim + o] + (1 - AdamState.BETA2) * value * value;
                            value = first / Math.sqrt(second + AdamState.EPSILON);
                        }
                        sum += dense[(r * outDim + o) * inDim + c] * value;
                    }
                }
                feature[projector.layerOffset(l) + r] = sum;
            }
        }
        return feature;
    }

    private static double cosine(double[] a, double[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
