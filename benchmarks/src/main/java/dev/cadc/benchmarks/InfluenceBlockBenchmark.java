package dev.cadc.benchmarks;

import dev.cadc.core.math.DotKernels;
import dev.cadc.core.math.RowBlock;
import dev.cadc.core.math.Vectors;
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
 * The influence block: N unit sample sketches dotted with P = 512 unit probe sketches of k = 1024 floats
 * (what ProbeCheckpoint.addTerms does per sample and checkpoint), i.e. {@code 2 * N * P * k} flops per
 * operation: the scalar {@link Vectors#dot} loop against {@link RowBlock} on the vector kernel and on the
 * plain-Java fallback. All three give the same bits; the tear-down checks it on the compiled code.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class InfluenceBlockBenchmark {

    static final int PROBES = 512;
    static final int K = 1024;

    /** Samples per call: 1 is the streaming case (one sample at a time), more is a batch. */
    @Param({"1", "16", "256"})
    public int samples;

    /**
     * k as a field, as ProbeCheckpoint has it: with the compile-time constant {@link #K} C2 runs the scalar
     * loop about 1.4x faster than with the run-time length production code passes.
     */
    private int k;
    private float[] probes;
    private float[] sketches;
    private RowBlock vectorBlock;
    private RowBlock fallbackBlock;
    private double[] scalarOut;
    private double[] vectorOut;
    private double[] fallbackOut;

    @Setup(Level.Trial)
    public void setUp() {
        k = K;
        probes = BenchmarkData.unitRows(1L, PROBES, 1, K);
        sketches = BenchmarkData.unitRows(2L, samples, 1, K);
        vectorBlock = RowBlock.of(probes, PROBES, K, BenchmarkData.vectorKernel());
        fallbackBlock = RowBlock.of(probes, PROBES, K, DotKernels.scalar());
        scalarOut = new double[samples * PROBES];
        vectorOut = new double[samples * PROBES];
        fallbackOut = new double[samples * PROBES];
        System.out.println("# default kernel in this JVM: " + DotKernels.name());
    }

    /** The status quo: one {@code Vectors.dot} per (sample, probe). */
    @Benchmark
    public double[] scalarDotLoop() {
        for (int s = 0; s < samples; s++) {
            for (int p = 0; p < PROBES; p++) {
                scalarOut[s * PROBES + p] = Vectors.dot(sketches, s * k, probes, p * k, k);
            }
        }
        return scalarOut;
    }

    /** The same loop with the compile-time constant K, which production code does not have (for comparison). */
    @Benchmark
    public double[] scalarDotLoopConstantK() {
        for (int s = 0; s < samples; s++) {
            for (int p = 0; p < PROBES; p++) {
                scalarOut[s * PROBES + p] = Vectors.dot(sketches, s * K, probes, p * K, K);
            }
        }
        return scalarOut;
    }

    @Benchmark
    public double[] vectorKernel() {
        vectorBlock.dots(sketches, 0, samples, vectorOut, 0);
        return vectorOut;
    }

    @Benchmark
    public double[] fallbackKernel() {
        fallbackBlock.dots(sketches, 0, samples, fallbackOut, 0);
        return fallbackOut;
    }

    @TearDown(Level.Trial)
    public void checkIdentical() {
        scalarDotLoop();
        vectorKernel();
        fallbackKernel();
        BenchmarkData.checkIdentical("vector kernel", scalarOut, vectorOut);
        BenchmarkData.checkIdentical("fallback kernel", scalarOut, fallbackOut);
    }
}
