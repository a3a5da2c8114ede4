package dev.cadc.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Python client's bytes read by the Java codecs: the fixtures in {@code src/python/tests/fixtures/}
 * are written by the Python client's built-in Arrow writer ({@code src/python/tests/cross_fixtures.py},
 * whose test keeps them current). Rows follow the formula documented there, computed here independently.
 */
class PythonFixturesTest {

    private static final String SKETCHES_RUN = "py-run-\u00e9\u6f22";

    static Path fixture(String name) {
        return Path.of(System.getProperty("basedir", "."), "..", "..", "src", "python", "tests", "fixtures", name)
                .normalize();
    }

    /** Row g of a Python fixture (see cross_fixtures.py). */
    static void addRow(SketchBatch.Builder builder, int g, int k) {
        float[] sketch = new float[k];
        for (int j = 0; j < k; j++) {
            sketch[j] = (float) ((g * k + j - 10) / 16.0);
        }
        builder.add(3L * g, g == 0 ? -1 : g / 3, Role.fromCode(g % 3), (g - 3) * 1_000_000_007L,
                (float) ((g + 1) / 1024.0), (float) (0.5 + 0.25 * g), sketch);
    }

    static SketchBatch rows(String runId, int first, int count, ProjectionSpec projection) {
        SketchBatch.Builder builder = SketchBatch.builder(runId, projection);
        for (int g = first; g < first + count; g++) {
            addRow(builder, g, projection.sketchDim());
        }
        return builder.build();
    }

    @Test
    void sketchValueWrittenByPythonDecodes() throws IOException {
        SketchBatch batch = SketchCodec.decode(Files.readAllBytes(fixture("python-sketches.arrows")));

        assertThat(batch).isEqualTo(rows(SKETCHES_RUN, 0, 7, new ProjectionSpec(5, -3L, ProjectionKind.KRONECKER)));
    }

    @Test
    void sketchStreamWrittenByPythonReadsBatchByBatch() throws IOException {
        ProjectionSpec projection = new ProjectionSpec(3, Long.MIN_VALUE + 5, ProjectionKind.DENSE);
        List<SketchBatch> batches = new ArrayList<>();
        try (SketchStreamReader reader = new SketchStreamReader(
                new ByteArrayInputStream(Files.readAllBytes(fixture("python-sketch-stream.arrows"))))) {
            assertThat(reader.projection()).isEqualTo(projection);
            reader.forEachRemaining(batches::add);
        }

        assertThat(batches).containsExactly(
                rows("a", 0, 3, projection), rows("b", 3, 2, projection), rows("a", 5, 2, projection));
    }

    @Test
    void curriculumAndCapabilitiesWrittenByPythonDecode() throws IOException {
        // The Python writer records the curation parameters too (cadc.curation.parameters).
        assertThat(CurriculumCodec.decode(Files.readAllBytes(fixture("python-curriculum.arrows")), FormatTestData.RUN_ID))
                .isEqualTo(FormatTestData.curriculum());
        assertThat(CapabilitiesCodec.decode(Files.readAllBytes(fixture("python-capabilities.arrows")), FormatTestData.RUN_ID))
                .isEqualTo(FormatTestData.capabilitySet());
    }

    @Test
    void controlRecordsWrittenByPythonDecodeWithTheirLayers() throws IOException {
        byte[] runStart = Files.readAllBytes(fixture("python-run-start.json"));
        assertThat(ControlRecordCodec.decode(WireFormat.RECORD_TYPE_RUN_START, runStart)).isEqualTo(FormatTestData.runStartWithLayers());
        assertThat(ControlRecordCodec.encode(FormatTestData.runStartWithLayers())).as("Java writes Python's bytes").isEqualTo(runStart);
        assertThat(ControlRecordCodec.decode(WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE,
                Files.readAllBytes(fixture("python-checkpoint-complete.json")))).isEqualTo(FormatTestData.checkpointComplete());
        var runEnd = new ObjectMapper().readTree(Files.readAllBytes(fixture("python-run-end.json")));
        assertThat(runEnd.get("run_id").asText()).isEqualTo(FormatTestData.RUN_ID);
        assertThat(runEnd.get("last_checkpoint").isInt()).isTrue();
    }
}
