package dev.cadc.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Adam as DJL's {@code Optimizer.adam()} applies it (beta1 0.9, beta2 0.999, epsilon 1e-8, no weight
 * decay, no clipping, bias correction folded into the step size, the engine's fused update), with its
 * moment estimates held here where they can be read and copied: the LESS-style baseline
 * preconditions gradients by them, and the demo starts its comparison runs from a copy of the warm-up
 * model with its optimiser state. A test checks that it updates weights bit for bit as DJL's Adam does.
 */
public final class AdamState {

    public static final float BETA1 = 0.9f;
    public static final float BETA2 = 0.999f;
    public static final float EPSILON = 1e-8f;

    private final float learningRate;
    private final NDArray[] means;
    private final NDArray[] variances;
    private int updates;

    /** Zero moments for {@code parameters}, in their order. */
    AdamState(float learningRate, NDArray[] parameters) {
        this.learningRate = learningRate;
        means = new NDArray[parameters.length];
        variances = new NDArray[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            means[i] = parameters[i].zerosLike();
            variances[i] = parameters[i].zerosLike();
        }
    }

    /** Moments copied from {@code moments} (first and second moment per parameter) after {@code updates} steps. */
    AdamState(float learningRate, NDArray[] parameters, float[][] firstMoments, float[][] secondMoments, int updates) {
        this(learningRate, parameters);
        for (int i = 0; i < parameters.length; i++) {
            means[i].set(firstMoments[i]);
            variances[i].set(secondMoments[i]);
        }
        this.updates = updates;
    }

    /** One step of every parameter by its gradient (the engine zeroes the parameters' gradients). */
    void step(NDArray[] parameters, NDArray[] gradients) {
        updates++;
        double coef1 = 1.0 - Math.pow(BETA1, updates);
        double coef2 = 1.0 - Math.pow(BETA2, updates);
        float corrected = (float) (learningRate * Math.sqrt(coef2) / coef1);
        for (int i = 0; i < parameters.length; i++) {
            NDArray weight = parameters[i];
            weight.getNDArrayInternal().adamUpdate(new NDList(weight, gradients[i], means[i], variances[i]),
                    new NDList(weight), learningRate, corrected, 0f, 1f, -1f, BETA1, BETA2, EPSILON, true, false);
        }
    }

    int updates() {
        return updates;
    }

    float[] firstMoment(int parameter) {
        return means[parameter].toFloatArray();
    }

    float[] secondMoment(int parameter) {
        return variances[parameter].toFloatArray();
    }
}
