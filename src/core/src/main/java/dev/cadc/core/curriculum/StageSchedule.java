package dev.cadc.core.curriculum;

import java.util.Arrays;

/**
 * How a trainer spends its steps over cumulative stages: each stage's share of the steps and, within a
 * stage, how often an item is drawn according to the stage that introduced it.
 *
 * <p>{@link #uniform} is plain cumulative staging: stage {@code s} gets its given share of the steps
 * and draws uniformly from everything introduced in stages {@code 1..s}. Items introduced late are
 * then seen less than the others: with {@code S} equal stages, an item of the last stage is drawn in
 * {@code 1/S} of the steps, a quarter of the exposure it would get without stages when {@code S = 4}.
 * On a short budget that leaves the hardest capabilities, which come last, under-trained.
 *
 * <p>{@link #equalExposure} keeps the order and the replay but gives every item the same expected
 * number of draws as training without stages ({@code steps * batch / N}): an item introduced in stage
 * {@code j} spreads its exposure evenly over the {@code S - j + 1} stages it takes part in, so it is
 * drawn with weight {@code w_j = 1 / (S - j + 1)}, and stage {@code s} gets the share of steps
 * {@code (sum over j <= s of n_j w_j) / N}. The shares sum to one because every item's weights over its
 * stages sum to one. Early items are replayed throughout; late items are concentrated at the end.
 */
public record StageSchedule(double[] stepShares, double[] itemWeights) {

    public StageSchedule {
        if (stepShares.length != itemWeights.length) {
            throw new IllegalArgumentException(stepShares.length + " step shares but " + itemWeights.length + " item weights");
        }
        stepShares = stepShares.clone();
        itemWeights = itemWeights.clone();
    }

    /** Cumulative stages with the given step shares, every available item equally likely. */
    public static StageSchedule uniform(double[] stepShares) {
        double[] weights = new double[stepShares.length];
        Arrays.fill(weights, 1.0);
        return new StageSchedule(stepShares, weights);
    }

    /**
     * Cumulative stages where every item gets the same expected exposure.
     *
     * @param stageSizes the number of items each stage introduces, in stage order
     */
    public static StageSchedule equalExposure(int[] stageSizes) {
        int stages = stageSizes.length;
        long total = Arrays.stream(stageSizes).asLongStream().sum();
        if (stages == 0 || total == 0) {
            throw new IllegalArgumentException("an equal-exposure schedule needs at least one item, got stage sizes "
                    + Arrays.toString(stageSizes));
        }
        double[] weights = new double[stages];
        double[] shares = new double[stages];
        double mass = 0;
        for (int s = 0; s < stages; s++) {
            weights[s] = 1.0 / (stages - s);
            mass += stageSizes[s] * weights[s];
            shares[s] = mass / total;
        }
        return new StageSchedule(shares, weights);
    }

    public int stages() {
        return stepShares.length;
    }

    @Override
    public double[] stepShares() {
        return stepShares.clone();
    }

    /** The relative weight of drawing an item introduced in stage {@code s} (0-based), in any later stage. */
    public double itemWeight(int stage) {
        return itemWeights[stage];
    }

    @Override
    public double[] itemWeights() {
        return itemWeights.clone();
    }

    /**
     * The expected number of draws of one item introduced in stage {@code stage} (0-based), over
     * {@code steps} steps of {@code batch} draws with these stage sizes.
     */
    public double expectedDraws(int[] stageSizes, int stage, long steps, int batch) {
        double draws = 0;
        for (int s = stage; s < stages(); s++) {
            double stageMass = 0;
            for (int j = 0; j <= s; j++) {
                stageMass += stageSizes[j] * itemWeights[j];
            }
            draws += stageMass == 0 ? 0 : steps * stepShares[s] * batch * itemWeights[stage] / stageMass;
        }
        return draws;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StageSchedule other && Arrays.equals(stepShares, other.stepShares)
                && Arrays.equals(itemWeights, other.itemWeights);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(stepShares) + Arrays.hashCode(itemWeights);
    }

    @Override
    public String toString() {
        return "shares " + Arrays.toString(stepShares) + ", item weights by stage " + Arrays.toString(itemWeights);
    }
}
