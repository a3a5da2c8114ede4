package dev.cadc.core.synth;

import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A planted sketch set with a known answer, for tests, benchmarks and the demo: K capability
 * directions that drift across checkpoints; probes around them (each with a persistent direction of
 * its own); helpful pool samples aligned with a capability and one of its probes; harmful samples
 * anti-aligned with one; irrelevant samples in random directions; near-exact duplicates of helpful
 * samples. Sample ids are a random permutation, so id order says nothing about the kind.
 */
public final class PlantedSketches {

    /** What a pool sample was planted as. */
    public enum Kind { HELPFUL, HARMFUL, IRRELEVANT, DUPLICATE }

    /** The truth about one pool sample: its kind and capability (-1 for irrelevant). */
    public record PlantedSample(long id, Kind kind, int capability) {}

    /**
     * The set: batches in checkpoint order (PROBE, then POOL, then TRAIN rows of each checkpoint), the
     * planted capability of every probe (aligned with ascending {@code probeIds}) and of every pool sample.
     */
    public record PlantedSet(PlantedConfig config, ProjectionSpec projection, List<SketchBatch> batches,
            long[] probeIds, int[] probeCapability, Map<Long, PlantedSample> pool) {

        /** Ids of the pool samples of {@code kind}, ascending. */
        public long[] idsOf(Kind kind) {
            return pool.values().stream().filter(s -> s.kind() == kind).mapToLong(PlantedSample::id).sorted().toArray();
        }
    }

    private static final long PROBE_ID_BASE = 1_000_000_000L;
    private static final int MAX_ROWS_PER_BATCH = 2_000;
    private static final double PROBE_OWN_WEIGHT = 0.6;

    private PlantedSketches() {}

    /** Generates the set in memory (tests; for large sets use {@link #emitTo}). */
    public static PlantedSet generate(PlantedConfig config) {
        List<SketchBatch> batches = new ArrayList<>();
        Plan plan = emit(config, batches::add);
        return new PlantedSet(config, plan.projection, List.copyOf(batches), plan.probeIds(), plan.probeCapability, plan.truth());
    }

    /**
     * Generates the set batch by batch into {@code sink} (at most 2,000 rows each, checkpoint by
     * checkpoint: PROBE, POOL, then TRAIN rows), holding only one batch of sketches at a time: every
     * sketch is drawn from a random stream of its own (seed, sample, checkpoint), so a duplicate
     * recomputes its original instead of remembering it.
     *
     * @return the truth (planted capabilities and kinds) without the sketches
     */
    public static PlantedSet emitTo(PlantedConfig config, Consumer<SketchBatch> sink) {
        Plan plan = emit(config, sink);
        return new PlantedSet(config, plan.projection, List.of(), plan.probeIds(), plan.probeCapability, plan.truth());
    }

    private static Plan emit(PlantedConfig config, Consumer<SketchBatch> sink) {
        Plan plan = new Plan(config);
        int checkpoints = config.checkpoints();
        if (config.trainSteps() > 0) {
            // A step before the first checkpoint: counted by consumers, never used for influence.
            SketchBatch.Builder early = SketchBatch.builder(config.runId(), plan.projection);
            early.add(0, -1, Role.TRAIN, plan.ids[0], 0.01f, 1f, plan.poolSketch(0, 0));
            sink.accept(early.build());
        }
        for (int j = 0; j < checkpoints; j++) {
            float learningRate = (float) (0.01 * (1 - 0.15 * j));
            SketchBatch.Builder probeBatch = SketchBatch.builder(config.runId(), plan.projection);
            for (int p = 0; p < plan.probeCapability.length; p++) {
                SplittableRandom random = plan.stream(TAG_PROBE, p, j);
                int c = plan.probeCapability[p];
                double[] signal = add(plan.direction[c][j], scale(plan.probeOwn[p], PROBE_OWN_WEIGHT));
                float[] sketch = noisy(random, signal, config.noise(), 0.5 + 1.5 * random.nextDouble());
                float loss = (float) (plan.baseLoss[c] * Math.exp(-plan.lossDecay[c] * j) * (1 + 0.05 * random.nextGaussian()));
                probeBatch.add(j * 1000L, j, Role.PROBE, PROBE_ID_BASE + p, learningRate, Math.max(loss, 0f), sketch);
                if (probeBatch.rowCount() == MAX_ROWS_PER_BATCH) {
                    sink.accept(probeBatch.build());
                    probeBatch = SketchBatch.builder(config.runId(), plan.projection);
                }
            }
            if (probeBatch.rowCount() > 0) {
                sink.accept(probeBatch.build());
            }
            SketchBatch.Builder poolBatch = SketchBatch.builder(config.runId(), plan.projection);
            for (int s = 0; s < plan.ids.length; s++) {
                float loss = (float) (0.2 + plan.stream(TAG_LOSS, s, j).nextDouble());
                poolBatch.add(j * 1000L, j, Role.POOL, plan.ids[s], learningRate, loss, plan.poolSketch(s, j));
                if (poolBatch.rowCount() == MAX_ROWS_PER_BATCH) {
                    sink.accept(poolBatch.build());
                    poolBatch = SketchBatch.builder(config.runId(), plan.projection);
                }
            }
            if (poolBatch.rowCount() > 0) {
                sink.accept(poolBatch.build());
            }
            if (config.trainSteps() > 0) {
                SketchBatch.Builder trainBatch = SketchBatch.builder(config.runId(), plan.projection);
                for (int step = 0; step < config.trainSteps(); step++) {
                    SplittableRandom random = plan.stream(TAG_TRAIN, step, j);
                    int s = random.nextInt(plan.ids.length);
                    trainBatch.add((long) j * config.trainSteps() + step, j, Role.TRAIN, plan.ids[s], learningRate,
                            (float) (0.2 + random.nextDouble()), nearCopy(random, plan.poolSketch(s, j)));
                }
                sink.accept(trainBatch.build());
            }
        }
        return plan;
    }

    private static final long TAG_PROBE = 1;
    private static final long TAG_POOL = 2;
    private static final long TAG_LOSS = 3;
    private static final long TAG_TRAIN = 4;
    private static final long TAG_DUPLICATE = 5;

    /** Everything drawn once per set: directions, losses, probe offsets, the pool's kinds and ids. */
    private static final class Plan {
        final PlantedConfig config;
        final ProjectionSpec projection;
        final double[][][] direction;
        final double[] baseLoss;
        final double[] lossDecay;
        final int[] probeCapability;
        final double[][] probeOwn;
        final long[] ids;
        final Kind[] kind;
        final int[] capability;
        final int[] favouredProbe;
        final int[] original;

        Plan(PlantedConfig config) {
            this.config = config;
            SplittableRandom random = new SplittableRandom(config.seed());
            int k = config.sketchDim();
            int checkpoints = config.checkpoints();
            int capabilities = config.capabilities();
            projection = new ProjectionSpec(k, config.projectionSeed(), ProjectionKind.KRONECKER);
            direction = new double[capabilities][checkpoints][];
            baseLoss = new double[capabilities];
            lossDecay = new double[capabilities];
            for (int c = 0; c < capabilities; c++) {
                double[] start = unit(random, k);
                double[] driftDirection = unit(random, k);
                for (int j = 0; j < checkpoints; j++) {
                    direction[c][j] = normalize(add(start, scale(driftDirection, config.drift() * j)));
                }
                baseLoss[c] = 0.5 + 2.0 * c / Math.max(1, capabilities - 1) + 0.1 * random.nextDouble();
                lossDecay[c] = 0.1 + 0.7 * random.nextDouble();
            }
            int probes = capabilities * config.probesPerCapability();
            probeCapability = new int[probes];
            probeOwn = new double[probes][];
            for (int p = 0; p < probes; p++) {
                probeCapability[p] = p % capabilities;
                probeOwn[p] = unit(random, k);
            }
            int helpful = capabilities * config.helpfulPerCapability();
            int harmful = (int) Math.round(helpful * config.harmfulFraction());
            int irrelevant = (int) Math.round(helpful * config.irrelevantFraction());
            int duplicates = (int) Math.round(helpful * config.duplicateFraction());
            int poolSize = helpful + harmful + irrelevant + duplicates;
            ids = permutation(random, poolSize);
            kind = new Kind[poolSize];
            capability = new int[poolSize];
            favouredProbe = new int[poolSize];
            original = new int[poolSize];
            for (int s = 0; s < poolSize; s++) {
                kind[s] = s < helpful ? Kind.HELPFUL : s < helpful + harmful ? Kind.HARMFUL
                        : s < helpful + harmful + irrelevant ? Kind.IRRELEVANT : Kind.DUPLICATE;
                capability[s] = kind[s] == Kind.IRRELEVANT ? -1 : random.nextInt(capabilities);
                favouredProbe[s] = capability[s] < 0 ? -1 : capability[s] + capabilities * random.nextInt(config.probesPerCapability());
                original[s] = kind[s] == Kind.DUPLICATE ? random.nextInt(helpful) : -1;
                if (original[s] >= 0) {
                    capability[s] = capability[original[s]];
                }
            }
        }

        SplittableRandom stream(long tag, long entity, int checkpoint) {
            long mixed = config.seed() * 0x9E3779B97F4A7C15L + tag * 0xBF58476D1CE4E5B9L + entity * 0x94D049BB133111EBL + checkpoint;
            return new SplittableRandom(mixed);
        }

        float[] poolSketch(int s, int j) {
            SplittableRandom random = stream(TAG_POOL, s, j);
            return switch (kind[s]) {
                case HELPFUL -> noisy(random, add(direction[capability[s]][j], scale(probeOwn[favouredProbe[s]], PROBE_OWN_WEIGHT)),
                        config.noise(), 0.5 + random.nextDouble());
                case HARMFUL -> noisy(random, scale(add(direction[capability[s]][j], scale(probeOwn[favouredProbe[s]], PROBE_OWN_WEIGHT)), -1),
                        config.noise(), 0.5 + random.nextDouble());
                case IRRELEVANT -> noisy(random, unit(stream(TAG_POOL, s, -1), config.sketchDim()), config.noise(), 0.5 + random.nextDouble());
                case DUPLICATE -> nearCopy(stream(TAG_DUPLICATE, s, j), poolSketch(original[s], j));
            };
        }

        long[] probeIds() {
            long[] probeIds = new long[probeCapability.length];
            Arrays.setAll(probeIds, p -> PROBE_ID_BASE + p);
            return probeIds;
        }

        Map<Long, PlantedSample> truth() {
            Map<Long, PlantedSample> pool = new HashMap<>();
            for (int s = 0; s < ids.length; s++) {
                pool.put(ids[s], new PlantedSample(ids[s], kind[s], capability[s]));
            }
            return Map.copyOf(pool);
        }
    }

    private static float[] noisy(SplittableRandom random, double[] signal, double noise, double norm) {
        double[] noiseVector = unit(random, signal.length);
        double[] value = normalize(add(normalize(signal), scale(noiseVector, noise)));
        float[] sketch = new float[signal.length];
        for (int d = 0; d < sketch.length; d++) {
            sketch[d] = (float) (value[d] * norm);
        }
        return sketch;
    }

    private static float[] nearCopy(SplittableRandom random, float[] sketch) {
        double norm = 0;
        for (float v : sketch) {
            norm += v * v;
        }
        double jitter = 0.01 * Math.sqrt(norm / sketch.length);
        float[] copy = new float[sketch.length];
        for (int d = 0; d < sketch.length; d++) {
            copy[d] = (float) (sketch[d] + jitter * random.nextGaussian());
        }
        return copy;
    }

    private static long[] permutation(SplittableRandom random, int size) {
        long[] ids = new long[size];
        for (int i = 0; i < size; i++) {
            ids[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long swap = ids[i];
            ids[i] = ids[j];
            ids[j] = swap;
        }
        return ids;
    }

    private static double[] unit(SplittableRandom random, int dim) {
        double[] v = new double[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = random.nextGaussian();
        }
        return normalize(v);
    }

    private static double[] normalize(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        double[] unit = new double[v.length];
        for (int d = 0; d < v.length; d++) {
            unit[d] = norm == 0 ? 0 : v[d] / norm;
        }
        return unit;
    }

    private static double[] add(double[] a, double[] b) {
        double[] sum = new double[a.length];
        for (int d = 0; d < a.length; d++) {
            sum[d] = a[d] + b[d];
        }
        return sum;
    }

    private static double[] scale(double[] v, double factor) {
        double[] scaled = new double[v.length];
        for (int d = 0; d < v.length; d++) {
            scaled[d] = v[d] * factor;
        }
        return scaled;
    }
}
