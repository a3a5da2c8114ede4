package dev.cadc.benchmarks;

import dev.cadc.core.capability.CapabilityClusterer;
import dev.cadc.core.capability.Clustering;
import dev.cadc.core.capability.ClusteringConfig;
import dev.cadc.core.capability.KRule;
import dev.cadc.core.capability.ProbeTrajectories;
import java.util.SplittableRandom;
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
 * One capability-discovery step ({@link CapabilityClusterer#update}): P probes with trajectories over
 * J = 4 checkpoints of k = 1024, planted in P / 32 capabilities (each probe is its capability's
 * drifting direction plus a share of its own and noise), clustered with the defaults (K in [2, 16],
 * 8 k-means++ restarts per K). Side by side: the silhouette rule from scratch, the same warm-started
 * from the previous clustering (what happens at every checkpoint after the first), the stability rule,
 * and the part every variant shares, the trajectory similarity matrix ({@code P^2 / 2} dots of
 * {@code J k} floats).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules", "jdk.incubator.vector"})
public class ClusteringBenchmark {

    static final int CHECKPOINTS = 4;
    static final int K = 1024;
    static final int PROBES_PER_CAPABILITY = 32;

    @Param({"128", "512"})
    public int probes;

    private ProbeTrajectories trajectories;
    private ClusteringConfig silhouette;
    private ClusteringConfig stability;
    private Clustering previous;
    private int nextCapabilityId;

    @Setup(Level.Trial)
    public void setUp() {
        trajectories = plantedTrajectories(probes / PROBES_PER_CAPABILITY, 9L);
        silhouette = ClusteringConfig.defaults();
        stability = silhouette.withKRule(KRule.STABILITY);
        CapabilityClusterer first = new CapabilityClusterer(silhouette);
        previous = first.update(trajectories);
        nextCapabilityId = first.nextCapabilityId();
        System.out.println("# " + probes + " probes planted in " + probes / PROBES_PER_CAPABILITY + " capabilities; the silhouette rule found "
                + previous.capabilityCount());
    }

    /** Shared by every variant: the P x P mean cosine of the probes' trajectories. */
    @Benchmark
    public double[] similarityMatrix() {
        return trajectories.meanCosineMatrix();
    }

    /** The default rule with no previous clustering (the first checkpoint). */
    @Benchmark
    public Clustering silhouetteCold() {
        return new CapabilityClusterer(silhouette).update(trajectories);
    }

    /** The default rule warm-started from the previous clustering (every later checkpoint). */
    @Benchmark
    public Clustering silhouetteWarm() {
        return new CapabilityClusterer(silhouette, previous, nextCapabilityId).update(trajectories);
    }

    /** The stability rule (an option): every K clustered again on 4 pairs of 80% subsamples. */
    @Benchmark
    public Clustering stabilityCold() {
        return new CapabilityClusterer(stability).update(trajectories);
    }

    /**
     * Trajectories of {@code capabilities * 32} probes: at checkpoint j a probe of capability c is
     * {@code d_c + 0.3 j e_c} (its capability's drifting direction) plus 0.6 times a direction of its own
     * plus noise of norm 0.5, all in k = 1024.
     */
    static ProbeTrajectories plantedTrajectories(int capabilities, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] base = new float[capabilities][];
        float[][] drift = new float[capabilities][];
        for (int c = 0; c < capabilities; c++) {
            base[c] = unit(random);
            drift[c] = unit(random);
        }
        ProbeTrajectories trajectories = new ProbeTrajectories(K);
        int probes = capabilities * PROBES_PER_CAPABILITY;
        for (int p = 0; p < probes; p++) {
            int capability = p % capabilities;
            float[] own = unit(random);
            for (int j = 0; j < CHECKPOINTS; j++) {
                float[] noise = unit(random);
                float[] sketch = new float[K];
                for (int i = 0; i < K; i++) {
                    sketch[i] = base[capability][i] + 0.3f * j * drift[capability][i] + 0.6f * own[i] + 0.5f * noise[i];
                }
                trajectories.add(j, 1_000_000L + p, sketch, 1f);
            }
        }
        return trajectories;
    }

    private static float[] unit(SplittableRandom random) {
        float[] vector = new float[K];
        double sum = 0;
        for (int i = 0; i < K; i++) {
            vector[i] = (float) BenchmarkData.gaussian(random);
            sum += (double) vector[i] * vector[i];
        }
        float scale = (float) (1 / Math.sqrt(sum));
        for (int i = 0; i < K; i++) {
            vector[i] *= scale;
        }
        return vector;
    }
}
