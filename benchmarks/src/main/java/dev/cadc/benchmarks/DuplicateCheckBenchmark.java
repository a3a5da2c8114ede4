package dev.cadc.benchmarks;

import dev.cadc.core.math.DotKernels;
import dev.cadc.core.math.RowBlock;
import dev.cadc.core.math.Vectors;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The duplicate guard's check: one candidate trajectory (J = 4 checkpoints x k = 1024 floats) against
 * every chosen sample's, {@code dot > 0.98 * J}. The candidate is no duplicate, so every variant scans all
 * rows: {@code 2 * rows * 4096} flops per operation. The scalar {@link Vectors#dot} loop (what
 * DuplicateGuard.admits does) against {@link RowBlock#anyAbove} on the vector kernel and the fallback.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class DuplicateCheckBenchmark {

    static final int CHECKPOINTS = 4;
    static final int K = 1024;
    static final int LENGTH = CHECKPOINTS * K;
    static final double MINIMUM_DOT = 0.98 * CHECKPOINTS;

    /** Samples chosen so far. */
    @Param({"200", "2000"})
    public int rows;

    /** The trajectory length as a field, as DuplicateGuard has it (trajectory.length); see InfluenceBlockBenchmark.k. */
    private int length;
    private float[][] chosen;
    private float[] candidate;
    private RowBlock vectorBlock;
    private RowBlock fallbackBlock;

    @Setup(Level.Trial)
    public void setUp() {
        length = LENGTH;
        float[] matrix = BenchmarkData.unitRows(3L, rows, CHECKPOINTS, K);
        candidate = BenchmarkData.unitRows(4L, 1, CHECKPOINTS, K);
        chosen = new float[rows][];
        // Built as the guard would: one append per chosen sample.
        vectorBlock = RowBlock.growable(LENGTH, 0, BenchmarkData.vectorKernel());
        fallbackBlock = RowBlock.growable(LENGTH, 0, DotKernels.scalar());
        for (int r = 0; r < rows; r++) {
            chosen[r] = Arrays.copyOfRange(matrix, r * LENGTH, (r + 1) * LENGTH);
            vectorBlock.append(chosen[r], 0);
            fallbackBlock.append(chosen[r], 0);
        }
        if (scalarLoop() || vectorAnyAbove() || fallbackAnyAbove()) {
            throw new IllegalStateException("the random candidate should be no near-duplicate");
        }
    }

    /** DuplicateGuard.admits today: a list of arrays, one Vectors.dot each. */
    @Benchmark
    public boolean scalarLoop() {
        for (float[] other : chosen) {
            if (Vectors.dot(candidate, 0, other, 0, length) > MINIMUM_DOT) {
                return true;
            }
        }
        return false;
    }

    @Benchmark
    public boolean vectorAnyAbove() {
        return vectorBlock.anyAbove(candidate, 0, MINIMUM_DOT);
    }

    @Benchmark
    public boolean fallbackAnyAbove() {
        return fallbackBlock.anyAbove(candidate, 0, MINIMUM_DOT);
    }

    @TearDown(Level.Trial)
    public void checkIdentical() {
        double[] expected = new double[rows];
        for (int r = 0; r < rows; r++) {
            expected[r] = Vectors.dot(candidate, 0, chosen[r], 0, LENGTH);
        }
        BenchmarkData.checkIdentical("vector kernel", expected, vectorBlock.dots(candidate, 0));
        BenchmarkData.checkIdentical("fallback kernel", expected, fallbackBlock.dots(candidate, 0));
    }
}
