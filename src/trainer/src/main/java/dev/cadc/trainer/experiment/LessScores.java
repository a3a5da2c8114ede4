package dev.cadc.trainer.experiment;

import dev.cadc.core.math.Vectors;
import dev.cadc.core.sketch.KroneckerProjector;
import dev.cadc.trainer.model.AdamState;
import dev.cadc.trainer.model.ModelWeights;
import dev.cadc.trainer.model.VqaModel;
import dev.cadc.trainer.train.Encoded;
import dev.cadc.trainer.vqa.VqaItem;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The LESS-style baseline's scores (Xia et al., 2024, "LESS: Selecting Influential Data for Targeted
 * Instruction Tuning"), from the same warm-up run as CADC's sketches: at each warm-up checkpoint
 * {@code j}, a pool item's feature is its Adam-preconditioned gradient
 * {@code Gamma = m' / sqrt(v' + eps)} with {@code m' = beta1 m + (1 - beta1) g} and
 * {@code v' = beta2 v + (1 - beta2) g^2} (the trainer's own Adam moments {@code m, v} at that
 * checkpoint, as LESS's code computes it: no bias correction, epsilon inside the root), a probe's
 * feature is its plain gradient, both uncentred, projected by the run's Kronecker projection and
 * unit-normalised as a whole. The score of item {@code z} is
 * {@code max_p sum_j eta_j cos(Gamma_j(z), grad_j(p))}: the best single probe ({@code less});
 * {@link #meanScores} gives the mean over the probes instead ({@code less-mean}: the whole probe set as
 * one target task).
 *
 * <p>What differs from the paper: LESS averages the cosine over each target task's validation
 * examples and takes the maximum over tasks; the probes here carry no task labels (their families are
 * hidden from every curator), so each probe is its own task. LESS trains LoRA adapters and projects
 * their gradients to 8,192 dimensions with a dense random projection; here the model's three weight
 * matrices (biases excluded, as in CADC's sketches) are projected to CADC's sketch dimension with the
 * same Kronecker projection. The warm-up is the experiment's (a random 5%, 4 checkpoints), as in LESS.
 */
final class LessScores {

    private final KroneckerProjector projector;
    private final float[][] sums;
    private final List<VqaItem> pool;
    private final int probeCount;

    LessScores(KroneckerProjector projector, List<VqaItem> pool, int probeCount) {
        this.projector = projector;
        this.pool = pool;
        this.probeCount = probeCount;
        this.sums = new float[pool.size()][probeCount];
    }

    /** Adds checkpoint {@code state}'s term {@code eta cos(Gamma(z), grad(p))} for every pool item and probe. */
    void addCheckpoint(VqaModel.State state, Encoded poolData, Encoded probes, float learningRate) {
        ModelWeights weights = state.weights();
        float[][] probeFeatures = probes.items().parallelStream()
                .map(probe -> gradientFeature(weights, probes.featuresOf(probe), probe))
                .toArray(float[][]::new);
        if (probeFeatures.length != probeCount) {
            throw new IllegalArgumentException(probeFeatures.length + " probes, expected " + probeCount);
        }
        float[][] first = state.weightFirstMoments();
        float[][] second = state.weightSecondMoments();
        IntStream.range(0, pool.size()).parallel().forEach(i -> {
            VqaItem item = pool.get(i);
            float[] feature = adamFeature(weights, first, second, poolData.featuresOf(item), item);
            float[] row = sums[i];
            for (int p = 0; p < probeCount; p++) {
                row[p] += (float) (learningRate * Vectors.dot(feature, probeFeatures[p]));
            }
        });
    }

    /** Each pool item's score, in pool order: its best probe's summed cosine. */
    double[] scores() {
        double[] scores = new double[pool.size()];
        for (int i = 0; i < scores.length; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (float value : sums[i]) {
                best = Math.max(best, value);
            }
            scores[i] = best;
        }
        return scores;
    }

    /** Each pool item's mean over the probes of its summed cosine: the probe set as one task, LESS's task score. */
    double[] meanScores() {
        double[] scores = new double[pool.size()];
        for (int i = 0; i < scores.length; i++) {
            double sum = 0;
            for (float value : sums[i]) {
                sum += value;
            }
            scores[i] = sum / probeCount;
        }
        return scores;
    }

    /** The projected plain gradient, unit-normalised as a whole. */
    private float[] gradientFeature(ModelWeights weights, float[] image, VqaItem item) {
        ModelWeights.LayerGradient[] gradients = weights.gradients(weights.forward(image, item.question()), item.answer(), null, null);
        float[] feature = new float[projector.sketchDim()];
        for (int l = 0; l < gradients.length; l++) {
            projector.projectLayerRaw(l, gradients[l].delta(), gradients[l].input(), feature, projector.layerOffset(l));
        }
        return Vectors.normalized(feature);
    }

    /** The projected Adam update direction, unit-normalised as a whole. */
    private float[] adamFeature(ModelWeights weights, float[][] first, float[][] second, float[] image, VqaItem item) {
        ModelWeights.LayerGradient[] gradients = weights.gradients(weights.forward(image, item.question()), item.answer(), null, null);
        float[] feature = new float[projector.sketchDim()];
        for (int l = 0; l < gradients.length; l++) {
            float[] delta = gradients[l].delta();
            float[] input = gradients[l].input();
            int outDim = delta.length;
            int inDim = input.length;
            float[] m = first[l];
            float[] v = second[l];
            // Moments are in parameter layout (in x out); Gamma in the projector's (out x in).
            float[] gamma = new float[outDim * inDim];
            for (int o = 0; o < outDim; o++) {
                for (int c = 0; c < inDim; c++) {
                    float g = delta[o] * input[c];
                    int parameter = c * outDim + o;
                    float mean = AdamState.BETA1 * m[parameter] + (1 - AdamState.BETA1) * g;
                    float variance = AdamState.BETA2 * v[parameter] + (1 - AdamState.BETA2) * g * g;
                    gamma[o * inDim + c] = (float) (mean / Math.sqrt(variance + AdamState.EPSILON));
                }
            }
            projector.projectLayerMatrix(l, gamma, feature, projector.layerOffset(l));
        }
        return Vectors.normalized(feature);
    }
}
