package dev.cadc.core.curriculum;

import java.util.Arrays;

/**
 * How the selection is sequenced: {@code stages} stages, capabilities ordered by difficulty
 * ({@link Order#EASY_FIRST} by default), each stage's share of the training steps, and whether a
 * stage trains on everything introduced so far (cumulative, the default: a prototype that replayed
 * only part of earlier stages forgot them).
 *
 * <p>The shares are either given ({@code stepShares}) or, with {@code sizeProportional}, set when the
 * curriculum is laid out: each stage's share is proportional to the number of samples it trains on
 * ({@link #sizeProportionalShares}), so every stage draws its samples at the same rate. Equal shares
 * make the first, smallest stages draw theirs several times as often, and leave the last stage, the
 * only one with the whole selection, a third of the steps; when training has few steps, those are the
 * steps the hard capabilities lack. {@code stepShares} is then unused (equal shares are kept there).
 */
public record StagePlan(int stages, Order order, double[] stepShares, boolean cumulative, boolean sizeProportional) {

    public static final int DEFAULT_STAGES = 3;

    /** The order in which capabilities enter the curriculum. */
    public enum Order {
        EASY_FIRST,
        HARD_FIRST;

        /** {@code easy-first} or {@code hard-first}. */
        public static Order parse(String name) {
            return switch (name.toLowerCase(java.util.Locale.ROOT)) {
                case "easy-first", "easy_first" -> EASY_FIRST;
                case "hard-first", "hard_first" -> HARD_FIRST;
                default -> throw new IllegalArgumentException("unknown stage order '" + name + "'; expected easy-first or hard-first");
            };
        }
    }

    public StagePlan {
        if (stages < 1) {
            throw new IllegalArgumentException("need at least 1 stage, got " + stages);
        }
        if (stepShares.length != stages) {
            throw new IllegalArgumentException(stages + " stages but " + stepShares.length + " step shares");
        }
        double sum = 0;
        for (double share : stepShares) {
            if (!(share > 0)) {
                throw new IllegalArgumentException("every stage's share of steps must be positive, got " + Arrays.toString(stepShares));
            }
            sum += share;
        }
        if (Math.abs(sum - 1) > 1e-9) {
            throw new IllegalArgumentException("stage step shares must sum to 1, got " + sum + " from " + Arrays.toString(stepShares));
        }
        stepShares = stepShares.clone();
    }

    /** Shares as given (not size-proportional). */
    public StagePlan(int stages, Order order, double[] stepShares, boolean cumulative) {
        this(stages, order, stepShares, cumulative, false);
    }

    /** {@code stages} stages, easiest first, cumulative, each stage's share proportional to the samples it trains on. */
    public static StagePlan sizeProportional(int stages) {
        return new StagePlan(stages, Order.EASY_FIRST, equalShares(stages).stepShares(), true, true);
    }

    /**
     * The step share of each stage under this plan, given the number of samples each stage introduces
     * ({@code introduced}, in stage order; as many stages as the curriculum has, which may be fewer
     * than {@link #stages()} when there are fewer capabilities): the given shares when they fit, equal
     * shares when they do not, and with {@link #sizeProportional()} each stage's training set (everything
     * introduced so far when cumulative, else its own samples) over the sum of the training sets. A
     * curriculum without samples gets equal shares.
     */
    public double[] sharesFor(long[] introduced) {
        int count = introduced.length;
        if (!sizeProportional) {
            if (count == stepShares.length) {
                return stepShares.clone();
            }
            double[] equal = new double[count];
            Arrays.fill(equal, 1.0 / count);
            return equal;
        }
        return sizeProportionalShares(introduced, cumulative);
    }

    /**
     * Each stage's training-set size over the sum of them: with {@code cumulative}, stage {@code s}
     * trains on {@code introduced[0] + ... + introduced[s]}; a stage with nothing to train on gets 0.
     * Equal shares when no stage has a sample.
     */
    public static double[] sizeProportionalShares(long[] introduced, boolean cumulative) {
        int count = introduced.length;
        double[] shares = new double[count];
        long running = 0;
        double total = 0;
        for (int s = 0; s < count; s++) {
            running = cumulative ? running + introduced[s] : introduced[s];
            shares[s] = running;
            total += running;
        }
        if (total == 0) {
            Arrays.fill(shares, 1.0 / count);
            return shares;
        }
        for (int s = 0; s < count; s++) {
            shares[s] /= total;
        }
        return shares;
    }

    /** {@code stages} stages, easiest first, equal shares of steps, cumulative. */
    public static StagePlan equalShares(int stages) {
        double[] shares = new double[stages];
        Arrays.fill(shares, 1.0 / stages);
        shares[stages - 1] = 1.0 - (stages - 1) * (1.0 / stages);
        return new StagePlan(stages, Order.EASY_FIRST, shares, true);
    }

    @Override
    public double[] stepShares() {
        return stepShares.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StagePlan other && stages == other.stages && order == other.order
                && cumulative == other.cumulative && sizeProportional == other.sizeProportional
                && Arrays.equals(stepShares, other.stepShares);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(stepShares) + stages + order.hashCode() + Boolean.hashCode(cumulative)
                + 7 * Boolean.hashCode(sizeProportional);
    }

    @Override
    public String toString() {
        return stages + " stages, " + order + ", shares " + (sizeProportional ? "proportional to stage size" : Arrays.toString(stepShares))
                + (cumulative ? ", cumulative" : "");
    }
}
