package dev.cadc.core.capability;

import java.util.HashMap;
import java.util.Map;

/**
 * Agreement between two partitions of the same items: the adjusted Rand index (Hubert and Arabie,
 * 1985), 1 for identical partitions up to relabelling, about 0 for independent ones.
 */
public final class ClusterAgreement {

    private ClusterAgreement() {}

    /** The adjusted Rand index of labelings {@code a} and {@code b} (equal length). */
    public static double adjustedRandIndex(int[] a, int[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("labelings of " + a.length + " and " + b.length + " items");
        }
        Map<Long, Long> joint = new HashMap<>();
        Map<Integer, Long> rowsA = new HashMap<>();
        Map<Integer, Long> rowsB = new HashMap<>();
        for (int i = 0; i < a.length; i++) {
            joint.merge(((long) a[i] << 32) ^ (b[i] & 0xffffffffL), 1L, Long::sum);
            rowsA.merge(a[i], 1L, Long::sum);
            rowsB.merge(b[i], 1L, Long::sum);
        }
        double index = joint.values().stream().mapToDouble(ClusterAgreement::pairs).sum();
        double sumA = rowsA.values().stream().mapToDouble(ClusterAgreement::pairs).sum();
        double sumB = rowsB.values().stream().mapToDouble(ClusterAgreement::pairs).sum();
        double total = pairs(a.length);
        double expected = total == 0 ? 0 : sumA * sumB / total;
        double maximum = (sumA + sumB) / 2;
        if (maximum == expected) {
            return 1.0;
        }
        return (index - expected) / (maximum - expected);
    }

    private static double pairs(long n) {
        return n * (n - 1) / 2.0;
    }
}
