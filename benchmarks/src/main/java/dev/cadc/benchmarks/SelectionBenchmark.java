package dev.cadc.benchmarks;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.curriculum.BalancedSelector;
import dev.cadc.core.curriculum.CapabilityPicks;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.curriculum.CurriculumVersion;
import dev.cadc.core.curriculum.DuplicateGuard;
import dev.cadc.core.curriculum.InfluenceView;
import dev.cadc.core.curriculum.Selection;
import dev.cadc.core.curriculum.WaterFill;
import dev.cadc.core.curriculum.WithinCapability;
import dev.cadc.core.influence.CapabilityScorer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
 * Balanced selection ({@link BalancedSelector#select}, the batch curator's and, split by capability, the
 * job's) of the default budget, 5% of 100,000 samples (B = 5,000), over 16 capabilities of 32 probes
 * each (P = 512), scored with the default rules ({@link CurriculumVersion#score}: strongest-10
 * aggregation, the harm rule). About 15% of the samples are harmful and every tenth is a near-copy of
 * the one before it (same capability, same influence and trajectory up to a little noise), so the
 * duplicate guard has something to skip. Side by side: the two within-capability orders (coverage, the
 * default; top influence), each with the duplicate guard (threshold 0.98 over J = 4 checkpoints of
 * k = 1024) and without it (threshold 1); one capability's picks on their own (the job's per-selector
 * unit of work); and {@link WaterFill}, the budget split between capabilities.
 *
 * <p>The fork adds the Vector API module, as {@code ./cadc} does, so the guard's {@code RowBlock} runs on
 * the vector kernel. BalancedSelector orders the capabilities in a parallel stream, so it uses both cores
 * here. Each capability orders up to B picks (water-filling may ask one capability for all of them),
 * which is what makes the guard's cost grow with the square of the picks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g", "--add-modules", "jdk.incubator.vector"})
public class SelectionBenchmark {

    static final int SAMPLES = 100_000;
    static final int CAPABILITIES = 16;
    static final int PROBES_PER_CAPABILITY = 32;
    static final int PROBES = CAPABILITIES * PROBES_PER_CAPABILITY;
    static final int CHECKPOINTS = 4;
    static final int K = 1024;
    /** Distinct trajectories stored; sample i reads number i mod this, its pieces rotated by i / this. */
    static final int STORED_TRAJECTORIES = 2_048;

    private Clustering clustering;
    private InfluenceView influence;
    private CapabilityScorer.Score[] scores;
    private long budget;
    private float[] storedTrajectories;
    private int[] trajectorySource;
    private int[] firstCapabilityCandidates;
    private int[] firstCapabilityProbes;
    private long firstCapabilityReach;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(13L);
        long[] probeIds = new long[PROBES];
        int[] capabilityOfProbe = new int[PROBES];
        for (int p = 0; p < PROBES; p++) {
            probeIds[p] = 1_000_000_000L + p;
            capabilityOfProbe[p] = p / PROBES_PER_CAPABILITY;
        }
        clustering = new Clustering(probeIds, capabilityOfProbe);

        float[] matrix = new float[SAMPLES * PROBES];
        trajectorySource = new int[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            if (i % 10 == 9) {
                // A near-copy of sample i - 1: the same row up to noise, the same trajectory.
                for (int p = 0; p < PROBES; p++) {
                    matrix[i * PROBES + p] = matrix[(i - 1) * PROBES + p] * (float) (1 + 0.01 * BenchmarkData.gaussian(random));
                }
                trajectorySource[i] = trajectorySource[i - 1];
                continue;
            }
            trajectorySource[i] = i;
            int capability = random.nextInt(CAPABILITIES);
            double strength = (random.nextDouble() < 0.15 ? -1 : 1) * (0.2 + random.nextDouble());
            for (int p = 0; p < PROBES; p++) {
                double own = p / PROBES_PER_CAPABILITY == capability ? strength * (0.5 + random.nextDouble()) : 0;
                matrix[i * PROBES + p] = (float) (own + 0.2 * BenchmarkData.gaussian(random));
            }
        }
        influence = new InfluenceView() {
            @Override
            public int sampleCount() {
                return SAMPLES;
            }

            @Override
            public long sampleId(int sample) {
                return sample;
            }

            @Override
            public double influence(int sample, int probe) {
                return matrix[sample * PROBES + probe];
            }
        };
        CuratorConfig config = CuratorConfig.defaults();
        scores = CurriculumVersion.score(clustering, i -> row(matrix, i), SAMPLES, config);
        budget = config.budget().resolve(SAMPLES);
        storedTrajectories = BenchmarkData.unitRows(14L, STORED_TRAJECTORIES, CHECKPOINTS, K);

        firstCapabilityCandidates = IntStream.range(0, SAMPLES)
                .filter(i -> scores[i].isCandidate() && scores[i].attributedIndex() == 0).toArray();
        firstCapabilityProbes = clustering.probeIndicesOf(clustering.capabilityIds()[0]);
        long[] candidateCounts = new long[clustering.capabilityCount()];
        Arrays.stream(scores).filter(CapabilityScorer.Score::isCandidate).forEach(s -> candidateCounts[s.attributedIndex()]++);
        firstCapabilityReach = WaterFill.reach(WaterFill.limits(budget, candidateCounts)[0]);
        long harmful = Arrays.stream(scores).filter(CapabilityScorer.Score::harmful).count();
        Selection selection = coverageWithGuard();
        System.out.printf("# kernel %s; budget %d of %d, %d harmful, %d candidates in capability 0; coverage with the guard skipped %d"
                + " near-duplicates, shortfall %d%n", dev.cadc.core.math.DotKernels.name(), budget, SAMPLES, harmful, firstCapabilityCandidates.length,
                selection.duplicatesSkipped(), selection.shortfall());
    }

    @Benchmark
    public Selection coverageWithGuard() {
        return select(WithinCapability.COVERAGE, DuplicateGuard.DEFAULT_THRESHOLD);
    }

    @Benchmark
    public Selection coverageNoGuard() {
        return select(WithinCapability.COVERAGE, 1);
    }

    @Benchmark
    public Selection topInfluenceWithGuard() {
        return select(WithinCapability.TOP_INFLUENCE, DuplicateGuard.DEFAULT_THRESHOLD);
    }

    @Benchmark
    public Selection topInfluenceNoGuard() {
        return select(WithinCapability.TOP_INFLUENCE, 1);
    }

    /**
     * One capability's pick order with the guard up to its reach (twice its share of B over the
     * capabilities' candidate counts): what one of the job's selector subtasks computes.
     */
    @Benchmark
    public CapabilityPicks.Picks oneCapabilityCoverageWithGuard() {
        int[] candidates = firstCapabilityCandidates;
        int[] probes = firstCapabilityProbes;
        CapabilityPicks.Candidates view = BalancedSelector.view(candidates, probes, influence, scores);
        DuplicateGuard guard = new DuplicateGuard(local -> trajectory(candidates[local]), CHECKPOINTS,
                DuplicateGuard.DEFAULT_THRESHOLD);
        return CapabilityPicks.pick(WithinCapability.COVERAGE, probes.length, view, guard, firstCapabilityReach);
    }

    /** The budget's split between 16 capabilities, three of which run out early. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public long[] waterFill() {
        long[] available = new long[CAPABILITIES];
        Arrays.fill(available, Long.MAX_VALUE);
        available[3] = 40;
        available[7] = 250;
        available[11] = 12;
        return WaterFill.counts(budget, available);
    }

    private Selection select(WithinCapability mode, double threshold) {
        return new BalancedSelector(mode).select(clustering, influence, scores, budget, this::trajectory, CHECKPOINTS, threshold);
    }

    /**
     * Sample {@code i}'s trajectory: stored trajectory {@code i mod 2048} with each checkpoint's piece
     * rotated by {@code i / 2048} places (a rotation of a random unit vector is nearly orthogonal to it),
     * so 100,000 distinct trajectories cost 32 MiB instead of 1.6 GB. A near-copy reads its original's.
     */
    private float[] trajectory(int sample) {
        int source = trajectorySource[sample];
        int stored = source % STORED_TRAJECTORIES;
        int shift = source / STORED_TRAJECTORIES;
        float[] trajectory = new float[CHECKPOINTS * K];
        for (int j = 0; j < CHECKPOINTS; j++) {
            int from = (stored * CHECKPOINTS + j) * K;
            for (int i = 0; i < K; i++) {
                trajectory[j * K + i] = storedTrajectories[from + (i + shift) % K];
            }
        }
        return trajectory;
    }

    private static double[] row(float[] matrix, int sample) {
        double[] row = new double[PROBES];
        for (int p = 0; p < PROBES; p++) {
            row[p] = matrix[sample * PROBES + p];
        }
        return row;
    }
}
