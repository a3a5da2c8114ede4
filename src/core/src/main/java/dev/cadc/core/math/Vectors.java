package dev.cadc.core.math;

/**
 * The few dense-vector kernels CADC's math needs, written once so that the batch reference and the
 * Flink operators compute bit-identical results: every dot product here runs the same loop in the
 * same order, whatever thread or JVM calls it.
 */
public final class Vectors {

    private Vectors() {}

    /**
     * {@code <a[aOffset..aOffset+length), b[bOffset..bOffset+length)>}, accumulated in four float lanes
     * (so the JIT can pipeline them) that are combined in double in a fixed order.
     */
    public static double dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int i = 0;
        int blocked = length & ~3;
        for (; i < blocked; i += 4) {
            s0 += a[aOffset + i] * b[bOffset + i];
            s1 += a[aOffset + i + 1] * b[bOffset + i + 1];
            s2 += a[aOffset + i + 2] * b[bOffset + i + 2];
            s3 += a[aOffset + i + 3] * b[bOffset + i + 3];
        }
        double sum = ((double) s0 + s1) + ((double) s2 + s3);
        for (; i < length; i++) {
            sum += (double) a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    /** {@code <a, b>} over whole arrays of equal length. */
    public static double dot(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of length " + a.length + " and " + b.length);
        }
        return dot(a, 0, b, 0, a.length);
    }

    /** The L2 norm of {@code v[offset..offset+length)}, accumulated in double. */
    public static double norm(float[] v, int offset, int length) {
        double sum = 0;
        for (int i = 0; i < length; i++) {
            double x = v[offset + i];
            sum += x * x;
        }
        return Math.sqrt(sum);
    }

    /**
     * Copies {@code source[offset..offset+length)} into {@code target[targetOffset..)} divided by its
     * L2 norm; a zero vector stays zero.
     *
     * @return the norm of the source
     */
    public static double copyNormalized(float[] source, int offset, int length, float[] target, int targetOffset) {
        double norm = norm(source, offset, length);
        scale(source, offset, length, norm, target, targetOffset);
        return norm;
    }

    /**
     * {@link #copyNormalized} of {@code sources[0..count)}, each of length {@code length}, into
     * {@code target} (source {@code s} from {@code target[s * length]}), bit for bit as one call per
     * source. The norms of four sources are summed in one loop: each sum still adds its squares one by
     * one in index order (so every sum is {@link #norm}'s), but the four chains of dependent additions
     * overlap instead of each waiting on its own previous addition, which is what bounds {@link #norm}.
     */
    public static void copyNormalized(float[][] sources, int count, int length, float[] target) {
        double[] norms = norms(sources, count, length);
        for (int s = 0; s < count; s++) {
            scale(sources[s], 0, length, norms[s], target, s * length);
        }
    }

    /** {@link #norm} of each of {@code sources[0..count)}, bit for bit, four sums in one loop. */
    static double[] norms(float[][] sources, int count, int length) {
        double[] norms = new double[count];
        int s = 0;
        for (; s + 4 <= count; s += 4) {
            float[] a = sources[s];
            float[] b = sources[s + 1];
            float[] c = sources[s + 2];
            float[] d = sources[s + 3];
            double sumA = 0;
            double sumB = 0;
            double sumC = 0;
            double sumD = 0;
            for (int i = 0; i < length; i++) {
                double x = a[i];
                sumA += x * x;
                double y = b[i];
                sumB += y * y;
                double z = c[i];
                sumC += z * z;
                double w = d[i];
                sumD += w * w;
            }
            norms[s] = Math.sqrt(sumA);
            norms[s + 1] = Math.sqrt(sumB);
            norms[s + 2] = Math.sqrt(sumC);
            norms[s + 3] = Math.sqrt(sumD);
        }
        for (; s < count; s++) {
            norms[s] = norm(sources[s], 0, length);
        }
        return norms;
    }

    /** {@code target[targetOffset..)} = {@code source[offset..offset+length)} divided by {@code norm} (zero stays zero). */
    private static void scale(float[] source, int offset, int length, double norm, float[] target, int targetOffset) {
        double scale = norm == 0 ? 0 : 1.0 / norm;
        // Four elements per pass, each with the plain loop's operations (widen, multiply in double, round
        // to float): the plain loop ran at about 9 cycles per element, each conversion waiting on the
        // register the previous one wrote; four independent ones per pass run about 3x faster (JMH,
        // NormalizationBenchmark). The same bits, element by element.
        int i = 0;
        for (; i + 4 <= length; i += 4) {
            double a = source[offset + i];
            double b = source[offset + i + 1];
            double c = source[offset + i + 2];
            double d = source[offset + i + 3];
            target[targetOffset + i] = (float) (a * scale);
            target[targetOffset + i + 1] = (float) (b * scale);
            target[targetOffset + i + 2] = (float) (c * scale);
            target[targetOffset + i + 3] = (float) (d * scale);
        }
        for (; i < length; i++) {
            target[targetOffset + i] = (float) (source[offset + i] * scale);
        }
    }

    /** A unit-normalised copy of {@code v}; a zero vector stays zero. */
    public static float[] normalized(float[] v) {
        float[] unit = new float[v.length];
        copyNormalized(v, 0, v.length, unit, 0);
        return unit;
    }
}
