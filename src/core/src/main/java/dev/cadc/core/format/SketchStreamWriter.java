package dev.cadc.core.format;

import dev.cadc.core.sketch.ProjectionSpec;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;

/**
 * Writes many {@link SketchBatch}es sharing one projection (of one or many runs) as ONE Arrow IPC
 * stream: the sketch schema once, then one record batch per {@link #write}, then the end-of-stream
 * marker on {@link #close}. This is the batch form (files of sketches for the offline reference and
 * replays); {@link SketchStreamReader} reads it back batch by batch.
 */
public final class SketchStreamWriter implements AutoCloseable {

    private final ProjectionSpec projection;
    private final BufferAllocator allocator;
    private final VectorSchemaRoot root;
    private final ArrowStreamWriter writer;
    private boolean closed;

    /** A writer onto {@code out}, which {@link #close} closes. */
    public SketchStreamWriter(OutputStream out, ProjectionSpec projection) {
        this.projection = Objects.requireNonNull(projection, "projection");
        this.allocator = ArrowIo.encoderAllocator("sketch-stream-writer");
        this.root = VectorSchemaRoot.create(ArrowSchemas.sketchSchema(projection), allocator);
        this.writer = ArrowIo.streamWriter(root, out);
        try {
            writer.start();
        } catch (IOException e) {
            closeQuietly();
            throw new UncheckedIOException("writing the sketch stream's schema failed", e);
        }
    }

    /** A writer creating (or replacing) the file {@code path}. */
    public static SketchStreamWriter create(Path path, ProjectionSpec projection) throws IOException {
        return new SketchStreamWriter(new BufferedOutputStream(Files.newOutputStream(path)), projection);
    }

    /** The projection every batch of this stream carries. */
    public ProjectionSpec projection() {
        return projection;
    }

    /**
     * Appends {@code batch} as one record batch.
     *
     * @throws IllegalArgumentException when the batch has another projection than the stream
     */
    public void write(SketchBatch batch) {
        if (closed) {
            throw new IllegalStateException("the sketch stream writer is closed");
        }
        if (!batch.projection().equals(projection)) {
            throw new IllegalArgumentException("batch of run " + batch.runId() + " has projection "
                    + batch.projection() + " but this stream holds " + projection
                    + "; write it to a stream of its own");
        }
        SketchCodec.fill(root, batch);
        try {
            writer.writeBatch();
        } catch (IOException e) {
            throw new UncheckedIOException("writing a sketch batch failed", e);
        }
    }

    /** Writes the end-of-stream marker, closes the output and frees the Arrow buffers. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            writer.end();
        } catch (IOException e) {
            throw new UncheckedIOException("finishing the sketch stream failed", e);
        } finally {
            closeQuietly();
        }
    }

    private void closeQuietly() {
        closed = true;
        writer.close();
        root.close();
        allocator.close();
    }
}
