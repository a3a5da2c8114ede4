package dev.cadc.core.sketch;

import java.util.List;
import java.util.Objects;

/**
 * The {@link ProjectionKind#KRONECKER} projection (as LoGra does): layer {@code l}'s per-sample
 * gradient {@code delta_l x_l^T} is sketched by {@code R_l = R_out,l (x) R_in,l} without ever
 * materialising the gradient, since {@code (R_out (x) R_in)(delta (x) x) = (R_out delta) (x) (R_in x)}.
 * The full sketch concatenates the unit-normalised layer parts in layer order (SPEC, "Sketch").
 *
 * <p>Layer split and factorisation (PROJECTION.md): {@code k_l = floor(k/L) + (l < k mod L ? 1 : 0)};
 * {@code a_l} = the largest divisor of {@code k_l} that is at most {@code min(out_l, isqrt(k_l))};
 * {@code b_l = k_l / a_l}. {@code R_out,l} is {@code a_l x out_l} (stream layer l, factor 0) and
 * {@code R_in,l} is {@code b_l x in_l} (stream layer l, factor 1). Instances are immutable and thread-safe.
 */
public final class KroneckerProjector {

    private final long seed;
    private final int sketchDim;
    private final List<LayerShape> layers;
    private final int[] layerSketchDims;
    private final int[] layerOffsets;
    private final int[] outFactorDims;
    private final int[] inFactorDims;
    private final float[][] outFactors;
    private final float[][] inFactors;

    /**
     * @param layers    the trainable linear layers, in the order their parts appear in the sketch
     * @param sketchDim {@code k}, at least the number of layers so every layer gets a part
     */
    public KroneckerProjector(long seed, List<LayerShape> layers, int sketchDim) {
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("the kronecker projection needs at least one layer shape");
        }
        if (layers.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("layer shapes must not contain null: " + layers);
        }
        int layerCount = layers.size();
        if (sketchDim < layerCount) {
            throw new IllegalArgumentException("sketch dimension must be >= the number of layers ("
                    + layerCount + ") so each layer gets at least one float, got " + sketchDim);
        }
        this.seed = seed;
        this.sketchDim = sketchDim;
        this.layers = List.copyOf(layers);
        this.layerSketchDims = new int[layerCount];
        this.layerOffsets = new int[layerCount];
        this.outFactorDims = new int[layerCount];
        this.inFactorDims = new int[layerCount];
        this.outFactors = new float[layerCount][];
        this.inFactors = new float[layerCount][];
        int offset = 0;
        for (int l = 0; l < layerCount; l++) {
            LayerShape shape = this.layers.get(l);
            int layerDim = sketchDim / layerCount + (l < sketchDim % layerCount ? 1 : 0);
            int outFactorDim = outFactorDim(layerDim, shape.outDim());
            layerSketchDims[l] = layerDim;
            layerOffsets[l] = offset;
            outFactorDims[l] = outFactorDim;
            inFactorDims[l] = layerDim / outFactorDim;
            outFactors[l] = SplitMix64.rademacherMatrix(
                    seed, l, SplitMix64.OUTPUT_FACTOR, outFactorDim, shape.outDim());
            inFactors[l] = SplitMix64.rademacherMatrix(
                    seed, l, SplitMix64.INPUT_FACTOR, inFactorDims[l], shape.inDim());
            offset += layerDim;
        }
    }

    /** {@code a}: the largest divisor of {@code layerDim} that is at most {@code min(outDim, isqrt(layerDim))}. */
    private static int outFactorDim(int layerDim, int outDim) {
        int limit = Math.min(outDim, integerSqrt(layerDim));
        for (int candidate = limit; candidate > 1; candidate--) {
            if (layerDim % candidate == 0) {
                return candidate;
            }
        }
        return 1;
    }

    private static int integerSqrt(int n) {
        int root = (int) Math.sqrt(n);
        // Math.sqrt of an int is exact enough that at most one step of correction is ever needed.
        while ((long) root * root > n) {
            root--;
        }
        while ((long) (root + 1) * (root + 1) <= n) {
            root++;
        }
        return root;
    }

    public long seed() {
        return seed;
    }

    /** {@code k}, the length of {@link #sketch}. */
    public int sketchDim() {
        return sketchDim;
    }

    public List<LayerShape> layers() {
        return layers;
    }

    public int layerCount() {
        return layers.size();
    }

    /** {@code k_l = a_l * b_l}, the number of floats layer {@code l} contributes. */
    public int layerSketchDim(int layer) {
        return layerSketchDims[checkLayer(layer)];
    }

    /** Where layer {@code l}'s part starts in the full sketch: {@code k_0 + ... + k_(l-1)}. */
    public int layerOffset(int layer) {
        return layerOffsets[checkLayer(layer)];
    }

    /** {@code a_l}, the number of rows of {@code R_out,l}. */
    public int outFactorDim(int layer) {
        return outFactorDims[checkLayer(layer)];
    }

    /** {@code b_l}, the number of rows of {@code R_in,l}. */
    public int inFactorDim(int layer) {
        return inFactorDims[checkLayer(layer)];
    }

    /**
     * Writes layer {@code l}'s unnormalised part {@code (R_out delta) (x) (R_in input)} to
     * {@code out[outOffset .. outOffset + k_l)}: entry {@code i*b + j} is {@code (float) (u[i] * v[j])}
     * with {@code u = R_out delta} and {@code v = R_in input} accumulated in double.
     */
    public void projectLayerRaw(int layer, float[] delta, float[] input, float[] out, int outOffset) {
        Projections.requireRoom(out, outOffset, layerSketchDim(layer));
        double[] outSide = projectOutSide(layer, delta);
        double[] inSide = projectInSide(layer, input);
        int index = outOffset;
        for (double u : outSide) {
            for (double v : inSide) {
                out[index++] = (float) (u * v);
            }
        }
    }

    /**
     * Writes layer {@code l}'s unnormalised projection of a general gradient matrix {@code G}
     * ({@code out_l x in_l}, row-major: entry {@code o*in + c}), not necessarily of rank one, to
     * {@code out[outOffset .. outOffset + k_l)}: entry {@code i*b + j} is
     * {@code sum_{o,c} R_out[i][o] R_in[j][c] G[o][c]}, the same linear map as {@link #projectLayerRaw}
     * applies to {@code delta (x) x} (and as {@link #denseEquivalent} writes out), computed as
     * {@code R_out G R_in^T} in double. For elementwise transforms of gradients (e.g. Adam's
     * preconditioning), which break the rank-one form.
     */
    public void projectLayerMatrix(int layer, float[] gradient, float[] out, int outOffset) {
        LayerShape shape = layers.get(checkLayer(layer));
        int outDim = shape.outDim();
        int inDim = shape.inDim();
        Projections.requireRoom(out, outOffset, layerSketchDim(layer));
        if (gradient == null || gradient.length != outDim * inDim) {
            throw new IllegalArgumentException("gradient matrix of layer " + layer + " needs " + outDim * inDim + " floats, got "
                    + (gradient == null ? "null" : gradient.length));
        }
        int a = outFactorDims[layer];
        int b = inFactorDims[layer];
        float[] outFactor = outFactors[layer];
        float[] inFactor = inFactors[layer];
        double[] left = new double[a * inDim];
        for (int i = 0; i < a; i++) {
            for (int o = 0; o < outDim; o++) {
                double r = outFactor[i * outDim + o];
                if (r == 0) {
                    continue;
                }
                int row = o * inDim;
                int target = i * inDim;
                for (int c = 0; c < inDim; c++) {
                    left[target + c] += r * gradient[row + c];
                }
            }
        }
        int index = outOffset;
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                double sum = 0;
                for (int c = 0; c < inDim; c++) {
                    sum += left[i * inDim + c] * inFactor[j * inDim + c];
                }
                out[index++] = (float) sum;
            }
        }
    }

    /**
     * The full sketch of one sample: per layer, {@code (u (x) v) / (|u| |v|)} (the part divided by its
     * L2 norm, a zero part stays zero), concatenated in layer order.
     *
     * @param deltas one output-side vector per layer ({@code out_l} floats)
     * @param inputs one input-side vector per layer ({@code in_l} floats)
     */
    public float[] sketch(float[][] deltas, float[][] inputs) {
        if (deltas == null || inputs == null || deltas.length != layerCount() || inputs.length != layerCount()) {
            throw new IllegalArgumentException("expected one delta and one input vector per layer ("
                    + layerCount() + " each), got " + (deltas == null ? "null" : deltas.length) + " deltas and "
                    + (inputs == null ? "null" : inputs.length) + " inputs");
        }
        float[] sketch = new float[sketchDim];
        for (int l = 0; l < layerCount(); l++) {
            double[] outSide = projectOutSide(l, deltas[l]);
            double[] inSide = projectInSide(l, inputs[l]);
            double norm = Projections.norm(outSide) * Projections.norm(inSide);
            if (norm == 0.0) {
                continue;
            }
            int index = layerOffsets[l];
            for (double u : outSide) {
                for (double v : inSide) {
                    sketch[index++] = (float) ((u * v) / norm);
                }
            }
        }
        return sketch;
    }

    /**
     * The full sketch of one sample whose layers are applied to a sequence of tokens (PROJECTION.md,
     * "Sequences"). Layer {@code l}'s per-sample gradient is {@code G = sum_t delta_t x_t^T}; its part is
     * {@code M = R_out G R_in^T}, computed as {@code M[i][j] = sum_t u_t[i] * v_t[j]} in double with
     * {@code t} ascending ({@code u_t = R_out delta_t}, {@code v_t = R_in x_t}), divided by its Frobenius
     * norm (squares summed in row-major order). A layer with one token gives exactly {@link #sketch}'s
     * part (its norm is {@code |u| |v|}), so single-token inputs are unchanged bit for bit; a layer with
     * no tokens, or a zero {@code M}, gives a zero part.
     *
     * @param deltas per layer, one output-side vector per token: {@code deltas[l][t]} has {@code out_l} floats
     * @param inputs per layer, one input-side vector per token: {@code inputs[l][t]} has {@code in_l} floats;
     *     {@code inputs[l]} has as many tokens as {@code deltas[l]} (layers may differ in token count)
     */
    public float[] sketchSequence(float[][][] deltas, float[][][] inputs) {
        if (deltas == null || inputs == null || deltas.length != layerCount() || inputs.length != layerCount()) {
            throw new IllegalArgumentException("expected one token sequence of deltas and one of inputs per layer ("
                    + layerCount() + " each), got " + (deltas == null ? "null" : deltas.length) + " and "
                    + (inputs == null ? "null" : inputs.length));
        }
        float[] sketch = new float[sketchDim];
        for (int l = 0; l < layerCount(); l++) {
            float[][] layerDeltas = deltas[l];
            float[][] layerInputs = inputs[l];
            if (layerDeltas == null || layerInputs == null || layerDeltas.length != layerInputs.length) {
                throw new IllegalArgumentException("layer " + l + " needs as many input vectors as deltas (one per token), got "
                        + (layerDeltas == null ? "null" : layerDeltas.length) + " deltas and "
                        + (layerInputs == null ? "null" : layerInputs.length) + " inputs");
            }
            int tokens = layerDeltas.length;
            if (tokens == 1) {
                double[] outSide = projectOutSide(l, layerDeltas[0]);
                double[] inSide = projectInSide(l, layerInputs[0]);
                double norm = Projections.norm(outSide) * Projections.norm(inSide);
                if (norm == 0.0) {
                    continue;
                }
                int index = layerOffsets[l];
                for (double u : outSide) {
                    for (double v : inSide) {
                        sketch[index++] = (float) ((u * v) / norm);
                    }
                }
                continue;
            }
            int b = inFactorDims[l];
            double[] part = new double[layerSketchDims[l]];
            for (int t = 0; t < tokens; t++) {
                double[] outSide = projectOutSide(l, layerDeltas[t]);
                double[] inSide = projectInSide(l, layerInputs[t]);
                for (int i = 0; i < outSide.length; i++) {
                    for (int j = 0; j < b; j++) {
                        part[i * b + j] += outSide[i] * inSide[j];
                    }
                }
            }
            double norm = Projections.norm(part);
            if (norm == 0.0) {
                continue;
            }
            int offset = layerOffsets[l];
            for (int n = 0; n < part.length; n++) {
                sketch[offset + n] = (float) (part[n] / norm);
            }
        }
        return sketch;
    }

    /**
     * {@code R_out,l (x) R_in,l} as a row-major {@code k_l x (out_l * in_l)} matrix: entry
     * {@code (i*b + j, o*in + c)} is {@code R_out[i][o] * R_in[j][c]} ({@code +-1/sqrt(k_l)} up to float
     * rounding). It is what the layer part applies to the flattened gradient {@code delta (x) x}; for tests
     * and for checking another implementation, not for projecting.
     */
    public float[] denseEquivalent(int layer) {
        LayerShape shape = layers.get(checkLayer(layer));
        long columns = shape.gradientLength();
        long size = layerSketchDims[layer] * columns;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("dense equivalent of layer " + layer + " would have " + size
                    + " entries, more than one Java array holds");
        }
        int outDim = shape.outDim();
        int inDim = shape.inDim();
        float[] outFactor = outFactors[layer];
        float[] inFactor = inFactors[layer];
        float[] dense = new float[(int) size];
        int index = 0;
        for (int i = 0; i < outFactorDims[layer]; i++) {
            for (int j = 0; j < inFactorDims[layer]; j++) {
                for (int o = 0; o < outDim; o++) {
                    for (int c = 0; c < inDim; c++) {
                        dense[index++] = (float) ((double) outFactor[i * outDim + o] * inFactor[j * inDim + c]);
                    }
                }
            }
        }
        return dense;
    }

    private double[] projectOutSide(int layer, float[] delta) {
        int outDim = layers.get(checkLayer(layer)).outDim();
        Projections.requireLength("delta (output-side vector) of layer " + layer, delta, outDim);
        double[] projected = new double[outFactorDims[layer]];
        Projections.multiply(outFactors[layer], outFactorDims[layer], outDim, delta, projected);
        return projected;
    }

    private double[] projectInSide(int layer, float[] input) {
        int inDim = layers.get(checkLayer(layer)).inDim();
        Projections.requireLength("input (activation) vector of layer " + layer, input, inDim);
        double[] projected = new double[inFactorDims[layer]];
        Projections.multiply(inFactors[layer], inFactorDims[layer], inDim, input, projected);
        return projected;
    }

    private int checkLayer(int layer) {
        if (layer < 0 || layer >= layers.size()) {
            throw new IllegalArgumentException(
                    "layer index " + layer + " out of range; this projector has " + layers.size() + " layers");
        }
        return layer;
    }
}
