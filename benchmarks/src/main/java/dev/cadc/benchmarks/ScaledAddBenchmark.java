package dev.cadc.benchmarks;

import dev.cadc.core.math.DotKernel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The reference trainer's affine step, {@code sums[o] += x * w[o]} over a row of 1,024 weights
 * ({@link DotKernel#scaledAdd}), through the vector kernel and as the plain loop (same bits). An
 * operation is 64 rows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ScaledAddBenchmark {

    static final int K = 1024;
    static final int ROWS = 64;

    private DotKernel kernel;
    private float[] weights;
    private double[] sums;

    @Setup(Level.Trial)
    public void setUp() {
        kernel = BenchmarkData.vectorKernel();
        weights = BenchmarkData.unitRows(4L, ROWS, 1, K);
        sums = new double[K];
    }

    @Benchmark
    public double[] vectorKernel() {
        for (int row = 0; row < ROWS; row++) {
            kernel.scaledAdd(sums, 1e-3 * row, weights, row * K, K);
        }
        return sums;
    }

    @Benchmark
    public double[] plainLoop() {
        for (int row = 0; row < ROWS; row++) {
            double x = 1e-3 * row;
            int offset = row * K;
            for (int o = 0; o < K; o++) {
                sums[o] += x * weights[offset + o];
            }
        }
        return sums;
    }
}
