package dev.cadc.core.curriculum;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The selection budget as the user wrote it: a fraction of the pool (a value in (0, 1)) or a count of
 * samples (an integer >= 1). {@link #resolve} turns it into the sample count B; a fraction rounds half
 * up, computed in decimal so that {@code 0.05 x 200000} is exactly 10000.
 */
public record Budget(BigDecimal value) {

    public Budget {
        if (value.signum() <= 0) {
            throw new IllegalArgumentException("budget must be positive, got " + value.toPlainString());
        }
        if (value.compareTo(BigDecimal.ONE) >= 0 && value.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("budget " + value.toPlainString()
                    + " is neither a fraction in (0, 1) nor a whole sample count >= 1");
        }
    }

    /** Parses {@code 0.05} (a fraction) or {@code 500} (a count). */
    public static Budget parse(String text) {
        try {
            return new Budget(new BigDecimal(text.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("budget '" + text + "' is not a number; use a fraction like 0.05 or a count like 500", e);
        }
    }

    public boolean isFraction() {
        return value.compareTo(BigDecimal.ONE) < 0;
    }

    /** The number of samples to select from a pool of {@code poolSize}. */
    public long resolve(long poolSize) {
        if (!isFraction()) {
            return value.longValueExact();
        }
        return value.multiply(BigDecimal.valueOf(poolSize)).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    @Override
    public String toString() {
        return value.toPlainString();
    }
}
