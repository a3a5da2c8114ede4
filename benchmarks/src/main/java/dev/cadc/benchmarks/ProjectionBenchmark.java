package dev.cadc.benchmarks;

import dev.cadc.core.sketch.DenseProjector;
import dev.cadc.core.sketch.KroneckerProjector;
import dev.cadc.core.sketch.LayerShape;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The random projection of one sample's gradient to a sketch of k floats, for the reference trainer's
 * three linear layers (question encoder 32 x 16, fusion 128 x 160, head 28 x 128: 24,576 weights), as
 * the trainer sketches every sample of every step. Three ways the code can do it:
 * {@link KroneckerProjector#sketch} on the per-layer factors {@code delta} and {@code x} (what
 * {@code Sketcher} does: the gradient {@code delta x^T} is never formed),
 * {@link KroneckerProjector#projectLayerMatrix} on each layer's full gradient matrix (the path for
 * gradients that are not rank one, e.g. Adam-preconditioned), and {@link DenseProjector} on the
 * flattened gradient (one k x 24,576 Rademacher matrix). The tear-down checks that the two Kronecker
 * paths give the same layer parts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class ProjectionBenchmark {

    /** The reference trainer's layers as (out, in), as {@code ModelWeights.layerShapes()} gives them. */
    static final List<LayerShape> LAYERS = List.of(new LayerShape(32, 16), new LayerShape(128, 160), new LayerShape(28, 128));

    /** k: 512 is {@code cadc train}'s default, 1024 the pipeline's. */
    @Param({"512", "1024"})
    public int sketchDim;

    private KroneckerProjector kronecker;
    private DenseProjector dense;
    private float[][] deltas;
    private float[][] inputs;
    private float[][] layerGradients;
    private float[] flatGradient;
    private float[] kroneckerOut;
    private float[] denseOut;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(5L);
        kronecker = new KroneckerProjector(11L, LAYERS, sketchDim);
        int layers = LAYERS.size();
        deltas = new float[layers][];
        inputs = new float[layers][];
        layerGradients = new float[layers][];
        int gradientLength = 0;
        for (int l = 0; l < layers; l++) {
            LayerShape shape = LAYERS.get(l);
            deltas[l] = gaussian(random, shape.outDim());
            inputs[l] = gaussian(random, shape.inDim());
            layerGradients[l] = outer(deltas[l], inputs[l]);
            gradientLength += layerGradients[l].length;
        }
        flatGradient = new float[gradientLength];
        for (int l = 0, offset = 0; l < layers; offset += layerGradients[l].length, l++) {
            System.arraycopy(layerGradients[l], 0, flatGradient, offset, layerGradients[l].length);
        }
        dense = new DenseProjector(11L, gradientLength, sketchDim);
        kroneckerOut = new float[sketchDim];
        denseOut = new float[sketchDim];
    }

    /** What the trainer's Sketcher does per sample: project the factors, never the gradient. */
    @Benchmark
    public float[] kroneckerFactors() {
        return kronecker.sketch(deltas, inputs);
    }

    /** The same linear map applied to each layer's full gradient matrix, {@code R_out G R_in^T} (unnormalised). */
    @Benchmark
    public float[] kroneckerGradientMatrix() {
        for (int l = 0; l < LAYERS.size(); l++) {
            kronecker.projectLayerMatrix(l, layerGradients[l], kroneckerOut, kronecker.layerOffset(l));
        }
        return kroneckerOut;
    }

    /** One dense k x d Rademacher matrix over the flattened gradient (d = 24,576). */
    @Benchmark
    public float[] denseFlatGradient() {
        dense.project(flatGradient, denseOut, 0);
        return denseOut;
    }

    @TearDown(Level.Trial)
    public void checkKroneckerPathsAgree() {
        float[] raw = new float[sketchDim];
        for (int l = 0; l < LAYERS.size(); l++) {
            kronecker.projectLayerRaw(l, deltas[l], inputs[l], raw, kronecker.layerOffset(l));
        }
        float[] matrix = kroneckerGradientMatrix();
        double norm = 0;
        double difference = 0;
        for (int i = 0; i < sketchDim; i++) {
            norm += (double) raw[i] * raw[i];
            difference += ((double) raw[i] - matrix[i]) * ((double) raw[i] - matrix[i]);
        }
        if (Math.sqrt(difference) > 1e-5 * Math.sqrt(norm)) {
            throw new IllegalStateException("projectLayerMatrix differs from projectLayerRaw by a relative "
                    + Math.sqrt(difference / norm) + "; expected float rounding only");
        }
    }

    private static float[] gaussian(SplittableRandom random, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) BenchmarkData.gaussian(random);
        }
        return values;
    }

    /** {@code delta x^T} row-major (entry {@code o * in + c}), the layout projectLayerMatrix reads. */
    private static float[] outer(float[] delta, float[] input) {
        float[] matrix = new float[delta.length * input.length];
        for (int o = 0; o < delta.length; o++) {
            for (int c = 0; c < input.length; c++) {
                matrix[o * input.length + c] = delta[o] * input[c];
            }
        }
        return matrix;
    }
}
