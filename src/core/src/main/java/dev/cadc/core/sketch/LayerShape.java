package dev.cadc.core.sketch;

/**
 * The shape of one trainable linear layer as the Kronecker projection sees it: its per-sample
 * gradient is {@code delta x^T}, with {@code delta} of length {@code outDim} and {@code x} of length {@code inDim}.
 */
public record LayerShape(int outDim, int inDim) {

    public LayerShape {
        if (outDim < 1 || inDim < 1) {
            throw new IllegalArgumentException(
                    "layer dimensions must be >= 1, got out " + outDim + " x in " + inDim);
        }
    }

    /** The length of the flattened (row-major) gradient {@code delta (x) x}. */
    public long gradientLength() {
        return (long) outDim * inDim;
    }
}
