package dev.cadc.benchmarks;

import dev.cadc.core.math.DotKernel;
import dev.cadc.core.math.RowBlock;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The influence block's vector kernel (32 samples against 512 probes of k = 1024), in a JVM that has or
 * has not run {@link DotKernel#scaledAdd} first (the reference trainer's forward pass, which widens
 * float vectors of half the preferred shape). Each value of {@code scaledAddFirst} runs in a JVM of its
 * own, so the two figures show whether one shape's use slows the other's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ShapeMixBenchmark {

    static final int PROBES = 512;
    static final int K = 1024;
    static final int SAMPLES = 32;

    @Param({"false", "true"})
    public boolean scaledAddFirst;

    private float[] sketches;
    private RowBlock block;
    private double[] out;

    @Setup(Level.Trial)
    public void setUp() {
        DotKernel kernel = BenchmarkData.vectorKernel();
        sketches = BenchmarkData.unitRows(2L, SAMPLES, 1, K);
        block = RowBlock.of(BenchmarkData.unitRows(1L, PROBES, 1, K), PROBES, K, kernel);
        out = new double[SAMPLES * PROBES];
        if (scaledAddFirst) {
            double[] sums = new double[K];
            for (int round = 0; round < 200_000; round++) {
                kernel.scaledAdd(sums, 1e-3, sketches, (round % SAMPLES) * K, K);
            }
        }
    }

    @Benchmark
    public double[] vectorKernel() {
        block.dots(sketches, 0, SAMPLES, out, 0);
        return out;
    }
}
