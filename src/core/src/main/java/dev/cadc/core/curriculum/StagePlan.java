package dev.cadc.core.curriculum;

import java.util.Arrays;

/**
 * How the selection is sequenced: {@code stages} stages, capabilities ordered by difficulty
 * ({@link Order#EASY_FIRST} by default), each stage's share of the training steps, and whether a
 * stage trains on everything introduced so far (cumulative, the default: a prototype that replayed
 * only part of earlier stages forgot them).
 */
public record StagePlan(int stages, Order order, double[] stepShares, boolean cumulative) {

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
                && cumulative == other.cumulative && Arrays.equals(stepShares, other.stepShares);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(stepShares) + stages + order.hashCode() + Boolean.hashCode(cumulative);
    }

    @Override
    public String toString() {
        return stages + " stages, " + order + ", shares " + Arrays.toString(stepShares) + (cumulative ? ", cumulative" : "");
    }
}
