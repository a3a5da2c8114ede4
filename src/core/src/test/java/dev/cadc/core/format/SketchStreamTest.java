package dev.cadc.core.format;

import static dev.cadc.core.format.SketchCodecTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SketchStreamTest {

    @AfterEach
    void noArrowMemoryLeft() {
        assertThat(ArrowIo.allocatedBytes()).as("Arrow bytes still allocated").isZero();
    }

    @Test
    void manyBatchesOfSeveralRunsRoundTripThroughAFile(@TempDir Path dir) throws IOException {
        List<SketchBatch> written = List.of(
                FormatTestData.sketchBatch("run-a", 0),
                FormatTestData.sketchBatch("run-b", 6),
                FormatTestData.sketchBatch("run-a", 12));
        Path file = dir.resolve("sketches.arrows");

        try (SketchStreamWriter writer = SketchStreamWriter.create(file, FormatTestData.PROJECTION)) {
            written.forEach(writer::write);
        }
        List<SketchBatch> read = new ArrayList<>();
        try (SketchStreamReader reader = SketchStreamReader.open(file)) {
            assertThat(reader.projection()).isEqualTo(FormatTestData.PROJECTION);
            reader.forEachRemaining(read::add);
        }

        assertThat(read).containsExactlyElementsOf(written);
    }

    @Test
    void aRecordBatchOfSeveralRunsSplitsIntoConsecutiveRuns() {
        byte[] stream = new FormatTestData.RawSketch().rows(5)
                .value(ArrowSchemas.RUN_ID, row -> row < 2 ? "a" : row < 4 ? "b" : "a").encode();

        try (SketchStreamReader reader = new SketchStreamReader(new ByteArrayInputStream(stream))) {
            List<String> runs = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            reader.forEachRemaining(batch -> {
                runs.add(batch.runId());
                sizes.add(batch.rowCount());
            });
            assertThat(runs).containsExactly("a", "b", "a");
            assertThat(sizes).containsExactly(2, 2, 1);
        }
    }

    @Test
    void aSingleRecordValueIsAOneBatchStream() {
        byte[] value = SketchCodec.encode(FormatTestData.sketchBatch());

        try (SketchStreamReader reader = new SketchStreamReader(new ByteArrayInputStream(value))) {
            assertThat(reader.next()).isEqualTo(FormatTestData.sketchBatch());
            assertThat(reader.hasNext()).isFalse();
        }
    }

    @Test
    void writerRefusesAnotherProjection() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SketchStreamWriter writer = new SketchStreamWriter(out,
                new ProjectionSpec(FormatTestData.SKETCH_DIM, 1L, ProjectionKind.DENSE))) {
            assertThatThrownBy(() -> writer.write(FormatTestData.sketchBatch()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("projection");
        }
    }

    @Test
    void badBatchesAndTruncationAreReportedWithTheirReason(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SketchStreamWriter writer = new SketchStreamWriter(out, FormatTestData.PROJECTION)) {
            writer.write(FormatTestData.sketchBatch("run-a", 0));
            writer.write(FormatTestData.sketchBatch("run-a", 6));
        }
        byte[] full = out.toByteArray();
        Path cut = Files.write(dir.resolve("cut.arrows"), Arrays.copyOf(full, full.length - 40));

        try (SketchStreamReader reader = SketchStreamReader.open(cut)) {
            assertThat(reader.next().runId()).isEqualTo("run-a");
            assertReason(reader::next, ReasonCode.MALFORMED_IPC);
        }
        byte[] withNaN = new FormatTestData.RawSketch().batches(2).value(ArrowSchemas.LOSS, row -> Float.NaN).encode();
        try (SketchStreamReader reader = new SketchStreamReader(new ByteArrayInputStream(withNaN))) {
            assertReason(reader::hasNext, ReasonCode.NON_FINITE);
        }
        assertReason(() -> new SketchStreamReader(new ByteArrayInputStream(new byte[] {1, 2, 3})),
                ReasonCode.MALFORMED_IPC);
    }
}
