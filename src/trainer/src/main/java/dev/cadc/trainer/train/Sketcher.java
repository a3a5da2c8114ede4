package dev.cadc.trainer.train;

import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.sketch.KroneckerProjector;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.trainer.model.ModelWeights;
import dev.cadc.trainer.vqa.VqaItem;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Per-sample gradient sketches of the current model: the closed-form gradient of every trainable
 * layer ({@link ModelWeights#gradients}), with the hidden inputs centred by their pool mean, each
 * layer Kronecker-projected and unit-normalised, concatenated ({@link KroneckerProjector#sketch}).
 */
public final class Sketcher {

    private final ProjectionSpec projection;
    private final KroneckerProjector projector;
    private final ModelWeights weights;
    private final float[] fusionInputMean;
    private final float[] fusedMean;

    /** Builds a sketcher for {@code weights}, centring by the means over {@code pool}. */
    public Sketcher(ProjectionSpec projection, ModelWeights weights, Encoded pool) {
        if (projection.kind() != ProjectionKind.KRONECKER) {
            throw new IllegalArgumentException("the reference trainer sketches with the kronecker projection");
        }
        this.projection = projection;
        this.projector = new KroneckerProjector(projection.seed(), weights.layerShapes(), projection.sketchDim());
        this.weights = weights;
        int fusionIn = weights.imageDim() + dev.cadc.trainer.model.VqaModel.QUESTION_DIM;
        double[] inputSum = new double[fusionIn];
        double[] fusedSum = new double[dev.cadc.trainer.model.VqaModel.FUSION_DIM];
        for (VqaItem item : pool.items()) {
            ModelWeights.Activations activations = weights.forward(pool.featuresOf(item), item.question());
            for (int i = 0; i < fusionIn; i++) {
                inputSum[i] += activations.fusionInput()[i];
            }
            for (int i = 0; i < fusedSum.length; i++) {
                fusedSum[i] += activations.fused()[i];
            }
        }
        fusionInputMean = mean(inputSum, pool.items().size());
        fusedMean = mean(fusedSum, pool.items().size());
    }

    /** One sketch and the loss of an item under the model. */
    public record Sketch(float[] sketch, float loss) {}

    public Sketch sketch(float[] features, VqaItem item) {
        ModelWeights.Activations activations = weights.forward(features, item.question());
        ModelWeights.LayerGradient[] gradients = weights.gradients(activations, item.answer(), fusionInputMean, fusedMean);
        float[][] deltas = new float[gradients.length][];
        float[][] inputs = new float[gradients.length][];
        for (int l = 0; l < gradients.length; l++) {
            deltas[l] = gradients[l].delta();
            inputs[l] = gradients[l].input();
        }
        return new Sketch(projector.sketch(deltas, inputs), ModelWeights.loss(activations, item.answer()));
    }

    /** Sketch batches (at most 2,000 rows each) of {@code items} at {@code checkpoint}, in item order. */
    public List<SketchBatch> batches(String runId, Encoded split, List<VqaItem> items, Role role, int checkpoint, long step,
            float learningRate) {
        Sketch[] sketches = IntStream.range(0, items.size()).parallel()
                .mapToObj(i -> sketch(split.featuresOf(items.get(i)), items.get(i)))
                .toArray(Sketch[]::new);
        List<SketchBatch> batches = new ArrayList<>();
        SketchBatch.Builder builder = SketchBatch.builder(runId, projection);
        for (int i = 0; i < items.size(); i++) {
            builder.add(step, checkpoint, role, items.get(i).id(), learningRate, sketches[i].loss(), sketches[i].sketch());
            if (builder.rowCount() == 2_000) {
                batches.add(builder.build());
                builder = SketchBatch.builder(runId, projection);
            }
        }
        if (builder.rowCount() > 0) {
            batches.add(builder.build());
        }
        return batches;
    }

    private static float[] mean(double[] sum, int count) {
        float[] mean = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            mean[i] = (float) (sum[i] / Math.max(1, count));
        }
        return mean;
    }
}
