package dev.cadc.core.format;

import dev.cadc.core.sketch.ProjectionSpec;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Reads an Arrow IPC stream of sketches (one schema, any number of record batches) batch by batch,
 * holding one record batch in memory at a time, with the checks of {@link SketchCodec#decode}. Each
 * record batch becomes one {@link SketchBatch} per run of consecutive rows with the same run id, in row
 * order; empty record batches yield nothing. The projection comes from the schema metadata, read when
 * the reader opens.
 *
 * <p>Iteration throws {@link InvalidRecordException} for a bad batch and {@link UncheckedIOException}
 * when the input fails.
 */
public final class SketchStreamReader implements Iterator<SketchBatch>, AutoCloseable {

    private final InputStream in;
    private final ArrowIo.MessageReader messages;
    private final BufferAllocator allocator;
    private final Schema schema;
    private final ProjectionSpec projection;
    private final Deque<SketchBatch> pending = new ArrayDeque<>();
    private boolean ended;
    private boolean closed;

    /** A reader of {@code in} (closed by {@link #close}) whose record batches are at most {@link SketchCodec#DEFAULT_MAX_BYTES}. */
    public SketchStreamReader(InputStream in) {
        this(in, SketchCodec.DEFAULT_MAX_BYTES);
    }

    /**
     * A reader of {@code in} whose messages may be at most {@code maxBatchBytes} each.
     *
     * @throws InvalidRecordException when the stream does not open with a valid sketch schema
     */
    public SketchStreamReader(InputStream in, int maxBatchBytes) {
        this.in = in;
        this.messages = new ArrowIo.MessageReader(Channels.newChannel(in), Long.MAX_VALUE, maxBatchBytes);
        this.allocator = ArrowIo.childAllocator("sketch-stream-reader", maxBatchBytes);
        try {
            this.schema = ArrowIo.readSchema(messages.next());
            this.projection = SketchCodec.projectionOf(schema);
        } catch (IOException e) {
            closeQuietly();
            throw new UncheckedIOException("reading the sketch stream's schema failed", e);
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /** A reader of the file {@code path}. */
    public static SketchStreamReader open(Path path) throws IOException {
        return new SketchStreamReader(new BufferedInputStream(Files.newInputStream(path)));
    }

    /** The projection of every batch in the stream. */
    public ProjectionSpec projection() {
        return projection;
    }

    @Override
    public boolean hasNext() {
        while (pending.isEmpty() && !ended) {
            readBatch();
        }
        return !pending.isEmpty();
    }

    @Override
    public SketchBatch next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the sketch stream has no more batches");
        }
        return pending.removeFirst();
    }

    private void readBatch() {
        if (closed) {
            throw new IllegalStateException("the sketch stream reader is closed");
        }
        try {
            Message message = messages.next();
            if (message == null) {
                ended = true;
                return;
            }
            try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
                ArrowIo.loadBatch(messages, message, root, allocator);
                pending.addAll(SketchCodec.read(root, projection));
            }
        } catch (InvalidRecordException e) {
            ended = true;
            throw e;
        } catch (IOException e) {
            ended = true;
            throw new UncheckedIOException("reading the sketch stream failed", e);
        } catch (RuntimeException e) {
            ended = true;
            throw new InvalidRecordException(ReasonCode.MALFORMED_IPC, "unreadable record batch: " + e, e);
        }
    }

    /** Closes the input and frees the Arrow buffers. */
    @Override
    public void close() {
        if (!closed) {
            closeQuietly();
        }
    }

    private void closeQuietly() {
        closed = true;
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing the sketch stream failed", e);
        } finally {
            allocator.close();
        }
    }
}
