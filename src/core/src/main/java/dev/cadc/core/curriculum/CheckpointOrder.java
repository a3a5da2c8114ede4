package dev.cadc.core.curriculum;

/**
 * Whether rows come in checkpoint order (non-decreasing checkpoint numbers, rows without a checkpoint
 * left out), as every publisher writes them: then one read of a file can fold them all
 * ({@link Curator}) and a replay can announce each checkpoint once the next one begins
 * ({@code cadc sketches publish}).
 */
public final class CheckpointOrder {

    private int newest = Integer.MIN_VALUE;
    private boolean holds = true;

    /** Notes the next row's checkpoint (negative: none). */
    public void see(int checkpoint) {
        if (checkpoint < 0) {
            return;
        }
        if (checkpoint < newest) {
            holds = false;
        }
        newest = Math.max(newest, checkpoint);
    }

    /** Whether every row seen so far came in checkpoint order. */
    public boolean holds() {
        return holds;
    }
}
