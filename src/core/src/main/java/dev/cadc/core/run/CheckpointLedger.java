package dev.cadc.core.run;

/**
 * Where a {@link CheckpointTracker} keeps its state: the open checkpoints' progress and the next
 * checkpoint to close. The job backs it with Flink keyed state, tests and the batch path with maps.
 */
public interface CheckpointLedger {

    /** The progress of {@code checkpoint}, or null when nothing is known of it. */
    CheckpointProgress get(int checkpoint);

    void put(int checkpoint, CheckpointProgress progress);

    void remove(int checkpoint);

    /** The highest checkpoint with progress, or -1 when none. */
    int highestOpen();

    /** Checkpoints below this one are closed. */
    int nextToClose();

    void setNextToClose(int checkpoint);

    /** An in-memory ledger. */
    static CheckpointLedger inMemory() {
        return new CheckpointLedger() {
            private final java.util.TreeMap<Integer, CheckpointProgress> open = new java.util.TreeMap<>();
            private int next;

            @Override
            public CheckpointProgress get(int checkpoint) {
                return open.get(checkpoint);
            }

            @Override
            public void put(int checkpoint, CheckpointProgress progress) {
                open.put(checkpoint, progress);
            }

            @Override
            public void remove(int checkpoint) {
                open.remove(checkpoint);
            }

            @Override
            public int highestOpen() {
                return open.isEmpty() ? -1 : open.lastKey();
            }

            @Override
            public int nextToClose() {
                return next;
            }

            @Override
            public void setNextToClose(int checkpoint) {
                next = checkpoint;
            }
        };
    }
}
