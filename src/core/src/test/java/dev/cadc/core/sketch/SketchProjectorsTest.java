package dev.cadc.core.sketch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SketchProjectorsTest extends ProjectionTestBase {

    private static final List<LayerShape> LAYERS = List.of(new LayerShape(2, 3), new LayerShape(3, 2));

    @Test
    void buildsTheProjectorTheSpecNames() {
        DenseProjector dense = SketchProjectors.forSpec(new ProjectionSpec(PINNED_DENSE_SKETCH.length, SMALL_SEED, ProjectionKind.DENSE), 10);
        assertThat(dense.project(pinnedDenseGradient())).containsExactly(PINNED_DENSE_SKETCH);
        KroneckerProjector kronecker = SketchProjectors.forSpec(
                new ProjectionSpec(PINNED_KRONECKER_SKETCH_DIM, SMALL_SEED, ProjectionKind.KRONECKER), LAYERS);
        assertThat(kronecker.sketch(PINNED_DELTAS, PINNED_INPUTS)).containsExactly(PINNED_KRONECKER_SKETCH);
    }

    @Test
    void rejectsASpecOfTheOtherKind() {
        assertThatThrownBy(() -> SketchProjectors.forSpec(new ProjectionSpec(8, SEED, ProjectionKind.KRONECKER), 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("projection spec is kronecker but a flat gradient length was given");
        assertThatThrownBy(() -> SketchProjectors.forSpec(new ProjectionSpec(8, SEED, ProjectionKind.DENSE), LAYERS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("projection spec is dense but layer shapes was given");
    }
}
