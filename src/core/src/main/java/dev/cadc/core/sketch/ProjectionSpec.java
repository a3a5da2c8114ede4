package dev.cadc.core.sketch;

/**
 * A run's projection: sketch dimension {@code k}, seed and kind. Fixed by the run-start record;
 * every sketch batch of the run must carry the same values in its schema metadata.
 */
public record ProjectionSpec(int sketchDim, long seed, ProjectionKind kind) {

    public ProjectionSpec {
        if (sketchDim < 1) {
            throw new IllegalArgumentException("sketch dimension must be >= 1, got " + sketchDim);
        }
        if (kind == null) {
            throw new IllegalArgumentException("projection kind is required");
        }
    }
}
