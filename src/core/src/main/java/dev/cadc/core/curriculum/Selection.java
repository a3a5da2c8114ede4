package dev.cadc.core.curriculum;

import java.util.Arrays;

/**
 * The outcome of balanced selection: per capability (in ascending id order) the chosen sample
 * indices in the order they were picked, the budget B and how far short of it the pool fell.
 */
public record Selection(int[][] selectedByCapability, long budget, long shortfall, int duplicatesSkipped) {

    /** The number of samples selected. */
    public long selectedCount() {
        return Arrays.stream(selectedByCapability).mapToLong(picks -> picks.length).sum();
    }
}
