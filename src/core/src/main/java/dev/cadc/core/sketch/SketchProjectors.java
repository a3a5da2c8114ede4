package dev.cadc.core.sketch;

import java.util.List;

/**
 * Builds the projector a run's {@link ProjectionSpec} names, checking that the spec's kind matches
 * the shape of gradient the caller has (a flat vector for dense, layer factors for kronecker).
 */
public final class SketchProjectors {

    private SketchProjectors() {
    }

    /** The dense projector of a {@link ProjectionKind#DENSE} spec over gradients of {@code inputDim} floats. */
    public static DenseProjector forSpec(ProjectionSpec spec, int inputDim) {
        requireKind(spec, ProjectionKind.DENSE, "a flat gradient length");
        return new DenseProjector(spec.seed(), inputDim, spec.sketchDim());
    }

    /** The Kronecker projector of a {@link ProjectionKind#KRONECKER} spec over these layers. */
    public static KroneckerProjector forSpec(ProjectionSpec spec, List<LayerShape> layers) {
        requireKind(spec, ProjectionKind.KRONECKER, "layer shapes");
        return new KroneckerProjector(spec.seed(), layers, spec.sketchDim());
    }

    private static void requireKind(ProjectionSpec spec, ProjectionKind expected, String given) {
        if (spec == null) {
            throw new IllegalArgumentException("projection spec is required");
        }
        if (spec.kind() != expected) {
            throw new IllegalArgumentException("projection spec is " + spec.kind() + " but " + given
                    + " was given, which only a " + expected + " projection takes");
        }
    }
}
