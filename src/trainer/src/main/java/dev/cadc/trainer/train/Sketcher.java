package dev.cadc.trainer.train;

import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.sketch.KroneckerProjector;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.trainer.model.ModelWeights;
import dev.cadc.trainer.model.VqaModel;
import dev.cadc.trainer.vqa.VqaItem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Per-sample gradient sketches of the current model: the closed-form gradient of every trainable
 * layer ({@link ModelWeights#gradients}), with the hidden inputs centred by their mean over a set of
 * items (the pool, or a training batch itself), each layer Kronecker-projected and unit-normalised,
 * concatenated ({@link KroneckerProjector#sketch}).
 */
public final class Sketcher {

    /** Rows per sketch batch. */
    private static final int ROWS_PER_BATCH = 2_000;

    private final ProjectionSpec projection;
    private final KroneckerProjector projector;
    private final ModelWeights weights;
    private final Means means;

    /** Builds a sketcher for {@code weights}, centring by the means over {@code pool}. */
    public Sketcher(ProjectionSpec projection, ModelWeights weights, Encoded pool) {
        this(projection, weights, Means.of(weights, pool));
    }

    private Sketcher(ProjectionSpec projection, ModelWeights weights, Means means) {
        if (projection.kind() != ProjectionKind.KRONECKER) {
            throw new IllegalArgumentException("the reference trainer sketches with the kronecker projection");
        }
        this.projection = projection;
        this.projector = projector(projection, weights);
        this.weights = weights;
        this.means = means;
    }

    /** The projector made last (immutable; its factor matrices are the same for every batch of a run). */
    private static final java.util.concurrent.atomic.AtomicReference<KroneckerProjector> LAST_PROJECTOR =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * The projector of {@code projection} for the model's layers: the one made last when it is the same
     * (seed, layers, k), instead of drawing its Rademacher factors again for every batch.
     */
    private static KroneckerProjector projector(ProjectionSpec projection, ModelWeights weights) {
        KroneckerProjector last = LAST_PROJECTOR.get();
        if (last != null && last.seed() == projection.seed() && last.sketchDim() == projection.sketchDim()
                && last.layers().equals(weights.layerShapes())) {
            return last;
        }
        KroneckerProjector made = new KroneckerProjector(projection.seed(), weights.layerShapes(), projection.sketchDim());
        LAST_PROJECTOR.set(made);
        return made;
    }

    /**
     * The sketches of {@code items} centred by their own means (a training batch's TRAIN rows), in item
     * order. Each sample's forward pass is computed once and serves both the means and its gradient;
     * the rows are bit for bit those of {@code new Sketcher(projection, weights, new Encoded(items,
     * features)).batches(...)}, which computes it twice.
     *
     * <p>In the calling thread alone, not a parallel stream: the trainer calls it on its background
     * {@link SketchPipeline} thread, which has a core of its own while the step trains on another; a
     * parallel stream's workers would take the step's core (measured: docs/performance.md).
     */
    public static List<SketchBatch> selfCentredBatches(ProjectionSpec projection, ModelWeights weights, Encoded split,
            List<VqaItem> items, String runId, Role role, int checkpoint, long step, float learningRate) {
        ModelWeights.Activations[] activations = IntStream.range(0, items.size())
                .mapToObj(i -> weights.forward(split.featuresOf(items.get(i)), items.get(i).question()))
                .toArray(ModelWeights.Activations[]::new);
        Sketcher sketcher = new Sketcher(projection, weights, Means.of(weights, Arrays.asList(activations)));
        Sketch[] sketches = IntStream.range(0, items.size())
                .mapToObj(i -> sketcher.sketch(activations[i], items.get(i).answer()))
                .toArray(Sketch[]::new);
        return sketcher.toBatches(runId, items, role, checkpoint, step, learningRate, sketches);
    }

    /** One sketch and the loss of an item under the model. */
    public record Sketch(float[] sketch, float loss) {}

    public Sketch sketch(float[] features, VqaItem item) {
        return sketch(weights.forward(features, item.question()), item.answer());
    }

    private Sketch sketch(ModelWeights.Activations activations, int answer) {
        ModelWeights.LayerGradient[] gradients = weights.gradients(activations, answer, means.fusionInput(), means.fused());
        float[][] deltas = new float[gradients.length][];
        float[][] inputs = new float[gradients.length][];
        for (int l = 0; l < gradients.length; l++) {
            deltas[l] = gradients[l].delta();
            inputs[l] = gradients[l].input();
        }
        return new Sketch(projector.sketch(deltas, inputs), ModelWeights.loss(activations, answer));
    }

    /** Sketch batches (at most 2,000 rows each) of {@code items} at {@code checkpoint}, in item order. */
    public List<SketchBatch> batches(String runId, Encoded split, List<VqaItem> items, Role role, int checkpoint, long step,
            float learningRate) {
        Sketch[] sketches = IntStream.range(0, items.size()).parallel()
                .mapToObj(i -> sketch(split.featuresOf(items.get(i)), items.get(i)))
                .toArray(Sketch[]::new);
        return toBatches(runId, items, role, checkpoint, step, learningRate, sketches);
    }

    private List<SketchBatch> toBatches(String runId, List<VqaItem> items, Role role, int checkpoint, long step, float learningRate,
            Sketch[] sketches) {
        List<SketchBatch> batches = new ArrayList<>();
        // Each builder has room for exactly its batch's rows: no growing, and the batch takes its arrays uncopied.
        for (int from = 0; from < items.size(); from += ROWS_PER_BATCH) {
            int to = Math.min(items.size(), from + ROWS_PER_BATCH);
            SketchBatch.Builder builder = SketchBatch.builder(runId, projection, to - from);
            for (int i = from; i < to; i++) {
                builder.add(step, checkpoint, role, items.get(i).id(), learningRate, sketches[i].loss(), sketches[i].sketch());
            }
            batches.add(builder.build());
        }
        return batches;
    }

    /** The centring means of the fusion layer's input and of the fused (post-ReLU) activations. */
    private record Means(float[] fusionInput, float[] fused) {

        /** The means over {@code pool}, one forward pass per item, none kept. */
        static Means of(ModelWeights weights, Encoded pool) {
            Accumulator sums = new Accumulator(weights);
            for (VqaItem item : pool.items()) {
                sums.add(weights.forward(pool.featuresOf(item), item.question()));
            }
            return sums.means();
        }

        /** The means over {@code activations}, summed in their order. */
        static Means of(ModelWeights weights, List<ModelWeights.Activations> activations) {
            Accumulator sums = new Accumulator(weights);
            activations.forEach(sums::add);
            return sums.means();
        }
    }

    /** Double-precision sums of the activations, in the order they are added. */
    private static final class Accumulator {
        private final double[] inputSum;
        private final double[] fusedSum = new double[VqaModel.FUSION_DIM];
        private int count;

        Accumulator(ModelWeights weights) {
            inputSum = new double[weights.imageDim() + VqaModel.QUESTION_DIM];
        }

        void add(ModelWeights.Activations activations) {
            for (int i = 0; i < inputSum.length; i++) {
                inputSum[i] += activations.fusionInput()[i];
            }
            for (int i = 0; i < fusedSum.length; i++) {
                fusedSum[i] += activations.fused()[i];
            }
            count++;
        }

        Means means() {
            return new Means(mean(inputSum, count), mean(fusedSum, count));
        }

        private static float[] mean(double[] sum, int count) {
            float[] mean = new float[sum.length];
            for (int i = 0; i < sum.length; i++) {
                mean[i] = (float) (sum[i] / Math.max(1, count));
            }
            return mean;
        }
    }
}
