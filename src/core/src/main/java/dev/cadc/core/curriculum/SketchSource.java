package dev.cadc.core.curriculum;

import dev.cadc.core.format.SketchBatch;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * The sketches of a curation, readable more than once: the batch curator makes a few passes (probes
 * first, then influence checkpoint by checkpoint, then the shortlist for duplicate checks) instead
 * of holding every sketch, which at 200,000 samples x 4 checkpoints x k = 1024 would be 3 GiB.
 */
@FunctionalInterface
public interface SketchSource {

    /** Hands every batch to {@code visitor}, in a stable order; may be called many times. */
    void scan(Consumer<SketchBatch> visitor) throws IOException;

    /** A source over batches already in memory. */
    static SketchSource of(List<SketchBatch> batches) {
        List<SketchBatch> copy = List.copyOf(batches);
        return visitor -> copy.forEach(visitor);
    }
}
