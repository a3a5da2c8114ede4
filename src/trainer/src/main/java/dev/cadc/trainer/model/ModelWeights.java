package dev.cadc.trainer.model;

import dev.cadc.core.math.DotKernel;
import dev.cadc.core.math.DotKernels;
import dev.cadc.core.sketch.LayerShape;
import java.util.List;

/**
 * A plain-Java copy of {@link VqaModel}'s parameters (row-major {@code in x out}) with the forward
 * pass and the closed-form per-sample gradients of every trainable linear layer: for a layer with
 * input {@code x} and output gradient {@code delta}, {@code dL/dW = x delta^T}; for the head
 * {@code delta = softmax(z) - onehot(y)}, then back through the fusion ReLU and into the question
 * encoder.
 */
public record ModelWeights(int imageDim, int questionCount, int answerCount, float[] wq, float[] bq, float[] wf,
        float[] bf, float[] wh, float[] bh) {

    /** What one sample computes on its way through the model. */
    public record Activations(int question, float[] fusionInput, float[] fusionPre, float[] fused, float[] probabilities) {}

    /** The gradient of one layer as its two factors: output delta and input. */
    public record LayerGradient(float[] delta, float[] input) {}

    /** The three trainable layers as (out, in) shapes, in the order of {@link #gradients}. */
    public List<LayerShape> layerShapes() {
        return List.of(new LayerShape(VqaModel.QUESTION_DIM, questionCount),
                new LayerShape(VqaModel.FUSION_DIM, imageDim + VqaModel.QUESTION_DIM),
                new LayerShape(answerCount, VqaModel.FUSION_DIM));
    }

    public Activations forward(float[] image, int question) {
        int fusionIn = imageDim + VqaModel.QUESTION_DIM;
        float[] fusionInput = new float[fusionIn];
        System.arraycopy(image, 0, fusionInput, 0, imageDim);
        for (int j = 0; j < VqaModel.QUESTION_DIM; j++) {
            fusionInput[imageDim + j] = wq[question * VqaModel.QUESTION_DIM + j] + bq[j];
        }
        float[] fusionPre = affine(fusionInput, wf, bf, VqaModel.FUSION_DIM);
        float[] fused = new float[VqaModel.FUSION_DIM];
        for (int j = 0; j < fused.length; j++) {
            fused[j] = Math.max(0f, fusionPre[j]);
        }
        float[] logits = affine(fused, wh, bh, answerCount);
        return new Activations(question, fusionInput, fusionPre, fused, softmax(logits));
    }

    public int predict(float[] image, int question) {
        float[] probabilities = forward(image, question).probabilities();
        int best = 0;
        for (int a = 1; a < probabilities.length; a++) {
            if (probabilities[a] > probabilities[best]) {
                best = a;
            }
        }
        return best;
    }

    public static float loss(Activations activations, int answer) {
        return (float) -Math.log(Math.max(activations.probabilities()[answer], 1e-12f));
    }

    /**
     * The per-sample gradient of every trainable layer (question encoder, fusion, head) as factors,
     * with the hidden inputs optionally centred ({@code fusionInputMean}, {@code fusedMean} may be null).
     */
    public LayerGradient[] gradients(Activations activations, int answer, float[] fusionInputMean, float[] fusedMean) {
        float[] headDelta = activations.probabilities().clone();
        headDelta[answer] -= 1f;
        float[] fusionDelta = new float[VqaModel.FUSION_DIM];
        for (int i = 0; i < VqaModel.FUSION_DIM; i++) {
            if (activations.fusionPre()[i] > 0) {
                double sum = 0;
                for (int a = 0; a < answerCount; a++) {
                    sum += (double) wh[i * answerCount + a] * headDelta[a];
                }
                fusionDelta[i] = (float) sum;
            }
        }
        float[] questionDelta = new float[VqaModel.QUESTION_DIM];
        for (int j = 0; j < VqaModel.QUESTION_DIM; j++) {
            double sum = 0;
            int row = imageDim + j;
            for (int i = 0; i < VqaModel.FUSION_DIM; i++) {
                sum += (double) wf[row * VqaModel.FUSION_DIM + i] * fusionDelta[i];
            }
            questionDelta[j] = (float) sum;
        }
        float[] oneHot = new float[questionCount];
        oneHot[activations.question()] = 1f;
        return new LayerGradient[] {
            new LayerGradient(questionDelta, oneHot),
            new LayerGradient(fusionDelta, centred(activations.fusionInput(), fusionInputMean)),
            new LayerGradient(headDelta, centred(activations.fused(), fusedMean))
        };
    }

    /** {@code dL/dW} of a layer, row-major {@code in x out}, as the engine reports it (for tests). */
    public static float[] weightGradient(LayerGradient gradient) {
        float[] matrix = new float[gradient.input().length * gradient.delta().length];
        for (int i = 0; i < gradient.input().length; i++) {
            for (int o = 0; o < gradient.delta().length; o++) {
                matrix[i * gradient.delta().length + o] = gradient.input()[i] * gradient.delta()[o];
            }
        }
        return matrix;
    }

    private static float[] centred(float[] values, float[] mean) {
        if (mean == null) {
            return values;
        }
        float[] centred = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            centred[i] = values[i] - mean[i];
        }
        return centred;
    }

    /**
     * {@code input W + b} with {@code W} row-major {@code in x out}, each output summed in double from its
     * bias in input order. The loop runs along the rows of {@code W} (contiguous), not down its columns:
     * the same sums in the same order, several times faster.
     */
    private static float[] affine(float[] input, float[] weights, float[] bias, int out) {
        double[] sums = new double[out];
        for (int o = 0; o < out; o++) {
            sums[o] = bias[o];
        }
        // cadc-core's active kernel (the Vector API's when the JVM has jdk.incubator.vector): the same operations
        // in the same order as the plain loop, several outputs at a time.
        DotKernel kernel = DotKernels.active();
        for (int i = 0; i < input.length; i++) {
            kernel.scaledAdd(sums, input[i], weights, i * out, out);
        }
        float[] result = new float[out];
        for (int o = 0; o < out; o++) {
            result[o] = (float) sums[o];
        }
        return result;
    }

    private static float[] softmax(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float z : logits) {
            max = Math.max(max, z);
        }
        double sum = 0;
        double[] exp = new double[logits.length];
        for (int a = 0; a < logits.length; a++) {
            exp[a] = Math.exp(logits[a] - max);
            sum += exp[a];
        }
        float[] probabilities = new float[logits.length];
        for (int a = 0; a < logits.length; a++) {
            probabilities[a] = (float) (exp[a] / sum);
        }
        return probabilities;
    }
}
