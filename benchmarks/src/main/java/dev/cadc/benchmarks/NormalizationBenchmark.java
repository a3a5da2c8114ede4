package dev.cadc.benchmarks;

import dev.cadc.core.influence.ProbeCheckpoint;
import dev.cadc.core.math.Vectors;
import java.util.SplittableRandom;
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
 * Normalising a fold block's raw sample sketches ({@link ProbeCheckpoint#BLOCK} of k = 1024 floats) before
 * their dot products, three ways with the same bits: the former plain loops, one
 * {@link Vectors#copyNormalized} call per sketch (the scaling four elements per pass), and the block call
 * (four norms summed in one loop, too). An operation is one block.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class NormalizationBenchmark {

    static final int K = 1024;

    private float[][] sketches;
    private float[] units;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(3L);
        sketches = new float[ProbeCheckpoint.BLOCK][K];
        for (float[] sketch : sketches) {
            for (int i = 0; i < K; i++) {
                sketch[i] = (float) random.nextGaussian();
            }
        }
        units = new float[ProbeCheckpoint.BLOCK * K];
    }

    /**
     * The code before the eighth session, inlined here: {@link Vectors#norm}, then the plain scaling loop,
     * per sketch.
     */
    @Benchmark
    public float[] formerLoops() {
        for (int s = 0; s < sketches.length; s++) {
            float[] source = sketches[s];
            double norm = Vectors.norm(source, 0, K);
            double scale = norm == 0 ? 0 : 1.0 / norm;
            int at = s * K;
            for (int i = 0; i < K; i++) {
                units[at + i] = (float) (source[i] * scale);
            }
        }
        return units;
    }

    /** One {@link Vectors#copyNormalized} call per sketch (the scaling four elements per pass). */
    @Benchmark
    public float[] oneByOne() {
        for (int s = 0; s < sketches.length; s++) {
            Vectors.copyNormalized(sketches[s], 0, K, units, s * K);
        }
        return units;
    }

    /** The block call the fold uses (four norms per loop, too). */
    @Benchmark
    public float[] block() {
        Vectors.copyNormalized(sketches, sketches.length, K, units);
        return units;
    }
}
