package dev.cadc.core.sketch;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a run's gradients are projected to sketches; the wire name travels in the
 * {@code cadc.projection.kind} schema metadata and the run-start record.
 */
public enum ProjectionKind {
    /** One dense Rademacher matrix over the flattened gradient. */
    DENSE("dense"),
    /** Per layer, {@code R_out (x) R_in} applied to the factors of {@code delta x^T}. */
    KRONECKER("kronecker");

    private final String wireName;

    ProjectionKind(String wireName) {
        this.wireName = wireName;
    }

    /** The name used on the wire. */
    public String wireName() {
        return wireName;
    }

    /**
     * The kind with this wire name.
     *
     * @throws IllegalArgumentException naming the accepted values when none matches
     */
    public static ProjectionKind fromWireName(String name) {
        for (ProjectionKind kind : values()) {
            if (kind.wireName.equals(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException(
                "unknown projection kind '" + name + "'; expected one of "
                        + Arrays.stream(values()).map(ProjectionKind::wireName).toList());
    }

    @Override
    public String toString() {
        return wireName.toLowerCase(Locale.ROOT);
    }
}
