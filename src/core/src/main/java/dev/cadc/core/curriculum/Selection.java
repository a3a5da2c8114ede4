package dev.cadc.core.curriculum;

import java.util.Arrays;

/**
 * The outcome of balanced selection: per capability (in ascending id order) the chosen sample
 * indices in the order they were picked, the budget B, how far short of it the pool fell, and the
 * candidates skipped as near-duplicates (sample indices, in the order they were met).
 */
public record Selection(int[][] selectedByCapability, long budget, long shortfall, int[] duplicateSamples) {

    /** How many candidates were skipped as near-duplicates of chosen samples. */
    public int duplicatesSkipped() {
        return duplicateSamples.length;
    }

    /** The number of samples selected. */
    public long selectedCount() {
        return Arrays.stream(selectedByCapability).mapToLong(picks -> picks.length).sum();
    }
}
