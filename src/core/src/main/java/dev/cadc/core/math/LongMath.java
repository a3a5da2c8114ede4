package dev.cadc.core.math;

/** Arithmetic on event times and deadlines, where a sum must stop at the ends of {@code long}. */
public final class LongMath {

    private LongMath() {}

    /** {@code a + b}, saturated at {@code Long.MIN_VALUE} and {@code Long.MAX_VALUE} instead of overflowing. */
    public static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
    }
}
