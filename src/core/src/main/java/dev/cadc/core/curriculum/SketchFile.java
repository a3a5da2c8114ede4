package dev.cadc.core.curriculum;

import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchStreamReader;
import dev.cadc.core.sketch.ProjectionSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * An Arrow IPC stream file of sketches (one schema, any number of record batches, as
 * {@code ArrowStreamWriter} or {@link dev.cadc.core.format.SketchStreamWriter} writes it) as a
 * {@link SketchSource}: every scan reads the file again, one record batch at a time, so a file far
 * larger than the heap can be curated.
 */
public final class SketchFile implements SketchSource {

    private final Path path;
    private final ProjectionSpec projection;

    private SketchFile(Path path, ProjectionSpec projection) {
        this.path = path;
        this.projection = projection;
    }

    /**
     * Opens {@code path} and reads its schema.
     *
     * @throws IllegalArgumentException saying what is wrong when the file is missing or not a sketch stream
     */
    public static SketchFile open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("sketch file " + path + " does not exist or is not a file");
        }
        try (SketchStreamReader reader = SketchStreamReader.open(path)) {
            return new SketchFile(path, reader.projection());
        } catch (InvalidRecordException e) {
            throw new IllegalArgumentException(path + " is not an Arrow IPC stream in the cadc.sketches schema: " + e.getMessage(), e);
        }
    }

    /** The projection in the file's schema metadata. */
    public ProjectionSpec projection() {
        return projection;
    }

    /** The run ids in the file, ascending (one full read). */
    public Set<String> runIds() throws IOException {
        Set<String> runs = new TreeSet<>();
        scan(batch -> runs.add(batch.runId()));
        return runs;
    }

    @Override
    public void scan(Consumer<SketchBatch> visitor) throws IOException {
        try (SketchStreamReader reader = SketchStreamReader.open(path)) {
            while (reader.hasNext()) {
                visitor.accept(reader.next());
            }
        } catch (InvalidRecordException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }
}
