package dev.cadc.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;

/**
 * The trainable part of the small VLM, in DJL: a question encoder {@code q = onehot(question) Wq + bq},
 * a fusion layer {@code f = relu([image ; q] Wf + bf)} and an answer head {@code logits = f Wh + bh},
 * trained with Adam ({@link AdamState}: DJL's update, its moments readable) on the softmax
 * cross-entropy. The image features come from the frozen {@link ImageEncoder}.
 *
 * <p>{@link #weights()} copies the parameters out so that activations, per-sample gradients and
 * sketches are computed in plain Java ({@link ModelWeights}): through the engine they cost 20x more.
 */
public final class VqaModel implements AutoCloseable {

    public static final int QUESTION_DIM = 32;
    public static final int FUSION_DIM = 128;

    private final NDManager manager;
    private final AdamState optimizer;
    private final float learningRate;
    private final NDArray wq;
    private final NDArray bq;
    private final NDArray wf;
    private final NDArray bf;
    private final NDArray wh;
    private final NDArray bh;
    private final int imageDim;
    private final int questionCount;
    private final int answerCount;

    public VqaModel(int imageDim, int questionCount, int answerCount, float learningRate, long seed) {
        this(imageDim, questionCount, answerCount, learningRate, seed, null);
    }

    /**
     * Everything the model is: parameters and optimiser state. {@link #copy} makes a model that trains
     * on from it exactly as this one would.
     *
     * @param firstMoments Adam's first moment per parameter (Wq, bq, Wf, bf, Wh, bh); secondMoments likewise
     */
    public record State(ModelWeights weights, float[][] firstMoments, float[][] secondMoments, int updates, float learningRate) {

        /** Adam's first moment of the three weight matrices (Wq, Wf, Wh), in {@link ModelWeights#layerShapes} order. */
        public float[][] weightFirstMoments() {
            return new float[][] {firstMoments[0], firstMoments[2], firstMoments[4]};
        }

        /** Adam's second moment of the three weight matrices (Wq, Wf, Wh). */
        public float[][] weightSecondMoments() {
            return new float[][] {secondMoments[0], secondMoments[2], secondMoments[4]};
        }
    }

    /** A new model that is {@code state}: the same parameters and optimiser moments and step count. */
    public static VqaModel copy(State state) {
        return new VqaModel(state.weights().imageDim(), state.weights().questionCount(), state.weights().answerCount(),
                state.learningRate(), 0, state);
    }

    private VqaModel(int imageDim, int questionCount, int answerCount, float learningRate, long seed, State state) {
        this.learningRate = learningRate;
        this.imageDim = imageDim;
        this.questionCount = questionCount;
        this.answerCount = answerCount;
        manager = NDManager.newBaseManager();
        SplittableRandom random = new SplittableRandom(seed);
        wq = parameter(random, questionCount, QUESTION_DIM);
        bq = manager.zeros(new Shape(QUESTION_DIM));
        wf = parameter(random, imageDim + QUESTION_DIM, FUSION_DIM);
        bf = manager.zeros(new Shape(FUSION_DIM));
        wh = parameter(random, FUSION_DIM, answerCount);
        bh = manager.zeros(new Shape(answerCount));
        if (state != null) {
            ModelWeights w = state.weights();
            float[][] values = {w.wq(), w.bq(), w.wf(), w.bf(), w.wh(), w.bh()};
            NDArray[] parameters = parameters();
            for (int i = 0; i < parameters.length; i++) {
                parameters[i].set(values[i]);
            }
        }
        for (NDArray parameter : parameters()) {
            parameter.setRequiresGradient(true);
        }
        optimizer = state == null ? new AdamState(learningRate, parameters())
                : new AdamState(learningRate, parameters(), state.firstMoments(), state.secondMoments(), state.updates());
    }

    /** The parameters and the optimiser's state, copied out. */
    public State state() {
        NDArray[] parameters = parameters();
        float[][] first = new float[parameters.length][];
        float[][] second = new float[parameters.length][];
        for (int i = 0; i < parameters.length; i++) {
            first[i] = optimizer.firstMoment(i);
            second[i] = optimizer.secondMoment(i);
        }
        return new State(weights(), first, second, optimizer.updates(), learningRate);
    }

    /**
     * One optimiser step on a batch.
     *
     * @return the mean loss of the batch
     */
    public float step(float[][] imageFeatures, int[] questions, int[] answers) {
        return step(imageFeatures, questions, answers, false);
    }

    /**
     * The step zeroing the gradients with DJL's {@code GradientCollector.zeroGradients()}, as {@link #step}
     * did up to 2026-11-30: for the test that both take the same step, bit for bit.
     */
    float stepZeroingWithDjlsCollector(float[][] imageFeatures, int[] questions, int[] answers) {
        return step(imageFeatures, questions, answers, true);
    }

    private float step(float[][] imageFeatures, int[] questions, int[] answers, boolean djlZeroing) {
        try (NDManager batch = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            // DJL's collector does not zero gradients when it is created.
            if (djlZeroing) {
                collector.zeroGradients();
            } else {
                zeroGradients();
            }
            NDArray logits = forward(batch, imageFeatures, questions);
            NDArray target = batch.create(answers).oneHot(answerCount);
            NDArray loss = logits.logSoftmax(1).mul(target).sum(new int[] {1}).neg().mean();
            collector.backward(loss);
            NDArray[] parameters = parameters();
            NDArray[] gradients = new NDArray[parameters.length];
            try {
                for (int i = 0; i < parameters.length; i++) {
                    gradients[i] = parameters[i].getGradient();
                }
                optimizer.step(parameters, gradients);
            } finally {
                // Each getGradient() is a new handle on the gradient, attached to the model's manager until closed.
                for (NDArray gradient : gradients) {
                    if (gradient != null) {
                        gradient.close();
                    }
                }
            }
            return loss.getFloat();
        }
    }

    /**
     * Zeroes this model's gradients as DJL's {@code GradientCollector.zeroGradients()} does ({@code g -= g}),
     * but only this model's, closing the handles it takes. DJL's walks every array of every manager in the
     * process and leaves two new gradient handles per trainable array attached to its manager, so each
     * step walked more arrays than the last (the bench's optimiser step took 7 ms on average over its first
     * 350 steps per model, 28 ms over the first 750).
     */
    private void zeroGradients() {
        for (NDArray parameter : parameters()) {
            if (parameter.hasGradient()) {
                try (NDArray gradient = parameter.getGradient()) {
                    gradient.subi(gradient);
                }
            }
        }
    }

    /** The logits of a batch, computed by the engine (for tests against the plain-Java forward). */
    public float[][] logits(float[][] imageFeatures, int[] questions) {
        try (NDManager batch = manager.newSubManager()) {
            NDArray logits = forward(batch, imageFeatures, questions);
            float[] flat = logits.toFloatArray();
            float[][] rows = new float[questions.length][answerCount];
            for (int i = 0; i < questions.length; i++) {
                System.arraycopy(flat, i * answerCount, rows[i], 0, answerCount);
            }
            return rows;
        }
    }

    /**
     * The engine's gradient of the summed loss of one sample with respect to each weight matrix (Wq,
     * Wf, Wh, row-major {@code in x out}), for tests of the closed form.
     */
    public float[][] autogradWeightGradients(float[] imageFeatures, int question, int answer) {
        try (NDManager batch = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.zeroGradients();
            NDArray logits = forward(batch, new float[][] {imageFeatures}, new int[] {question});
            NDArray target = batch.create(new int[] {answer}).oneHot(answerCount);
            NDArray loss = logits.logSoftmax(1).mul(target).sum().neg();
            collector.backward(loss);
            return new float[][] {wq.getGradient().toFloatArray(), wf.getGradient().toFloatArray(), wh.getGradient().toFloatArray()};
        }
    }

    /** A plain-Java copy of the current parameters. */
    public ModelWeights weights() {
        return new ModelWeights(imageDim, questionCount, answerCount, wq.toFloatArray(), bq.toFloatArray(),
                wf.toFloatArray(), bf.toFloatArray(), wh.toFloatArray(), bh.toFloatArray());
    }

    private NDArray forward(NDManager batch, float[][] imageFeatures, int[] questions) {
        int rows = questions.length;
        float[] flat = new float[rows * imageDim];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(imageFeatures[i], 0, flat, i * imageDim, imageDim);
        }
        NDArray image = batch.create(flat, new Shape(rows, imageDim));
        NDArray question = batch.create(questions).oneHot(questionCount);
        NDArray encoded = question.matMul(wq).add(bq);
        NDArray fused = Activation.relu(image.concat(encoded, 1).matMul(wf).add(bf));
        return fused.matMul(wh).add(bh);
    }

    private NDArray[] parameters() {
        return new NDArray[] {wq, bq, wf, bf, wh, bh};
    }

    /** Glorot-uniform weights from our own seeded stream, so runs are reproducible bit for bit. */
    private NDArray parameter(SplittableRandom random, int in, int out) {
        float limit = (float) Math.sqrt(6.0 / (in + out));
        float[] values = new float[in * out];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return manager.create(values, new Shape(in, out));
    }

    @Override
    public void close() {
        manager.close();
    }
}
