package dev.cadc.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.cadc.trainer.vqa.LabelledImages;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VLM's vision tower: an MLP {@code pixels -> 128 (ReLU) -> classes}, pretrained in DJL on images
 * outside the pool (as a VLM's tower is pretrained elsewhere), then frozen; its hidden layer is the
 * image feature the rest of the model sees. Features are computed once per image and cached.
 */
public final class ImageEncoder {

    public static final int FEATURE_DIM = 128;

    private static final Logger LOG = LoggerFactory.getLogger(ImageEncoder.class);

    private final int inputDim;
    private final float[] weights;
    private final float[] bias;

    private ImageEncoder(int inputDim, float[] weights, float[] bias) {
        this.inputDim = inputDim;
        this.weights = weights;
        this.bias = bias;
    }

    /** Pretrains the tower on {@code images} for {@code epochs} epochs with batches of 128. */
    public static ImageEncoder pretrain(LabelledImages images, int epochs, long seed) {
        int inputDim = images.height() * images.width();
        SplittableRandom random = new SplittableRandom(seed);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray w1 = glorot(manager, random, inputDim, FEATURE_DIM);
            NDArray b1 = manager.zeros(new Shape(FEATURE_DIM));
            NDArray w2 = glorot(manager, random, FEATURE_DIM, 10);
            NDArray b2 = manager.zeros(new Shape(10));
            NDArray[] parameters = {w1, b1, w2, b2};
            for (NDArray parameter : parameters) {
                parameter.setRequiresGradient(true);
            }
            Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
            int batchSize = 128;
            int[] order = new int[images.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            float lastLoss = Float.NaN;
            for (int epoch = 0; epoch < epochs; epoch++) {
                shuffle(order, random);
                for (int from = 0; from + batchSize <= order.length; from += batchSize) {
                    float[] flat = new float[batchSize * inputDim];
                    int[] labels = new int[batchSize];
                    for (int b = 0; b < batchSize; b++) {
                        System.arraycopy(images.pixels()[order[from + b]], 0, flat, b * inputDim, inputDim);
                        labels[b] = images.labels()[order[from + b]];
                    }
                    try (NDManager batch = manager.newSubManager();
                            GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        collector.zeroGradients();
                        NDArray x = batch.create(flat, new Shape(batchSize, inputDim));
                        NDArray logits = Activation.relu(x.matMul(w1).add(b1)).matMul(w2).add(b2);
                        NDArray loss = logits.logSoftmax(1).mul(batch.create(labels).oneHot(10)).sum(new int[] {1}).neg().mean();
                        collector.backward(loss);
                        for (int p = 0; p < parameters.length; p++) {
                            adam.update("encoder" + p, parameters[p], parameters[p].getGradient());
                        }
                        lastLoss = loss.getFloat();
                    }
                }
            }
            LOG.info("image encoder pretrained on {} images for {} epochs (last batch loss {})", images.size(), epochs, lastLoss);
            return new ImageEncoder(inputDim, w1.toFloatArray(), b1.toFloatArray());
        }
    }

    /** The frozen features of every image. */
    public float[][] encode(LabelledImages images) {
        if (images.height() * images.width() != inputDim) {
            throw new IllegalArgumentException("images of " + images.height() + "x" + images.width()
                    + " do not fit an encoder for " + inputDim + " pixels");
        }
        float[][] features = new float[images.size()][];
        java.util.stream.IntStream.range(0, images.size()).parallel().forEach(i -> {
            float[] pixels = images.pixels()[i];
            float[] hidden = new float[FEATURE_DIM];
            for (int o = 0; o < FEATURE_DIM; o++) {
                double sum = bias[o];
                for (int p = 0; p < inputDim; p++) {
                    sum += (double) pixels[p] * weights[p * FEATURE_DIM + o];
                }
                hidden[o] = (float) Math.max(0, sum);
            }
            features[i] = hidden;
        });
        return features;
    }

    private static NDArray glorot(NDManager manager, SplittableRandom random, int in, int out) {
        float limit = (float) Math.sqrt(6.0 / (in + out));
        float[] values = new float[in * out];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return manager.create(values, new Shape(in, out));
    }

    private static void shuffle(int[] order, SplittableRandom random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }
}
