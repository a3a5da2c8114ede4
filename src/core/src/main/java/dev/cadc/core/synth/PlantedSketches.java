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

    public static PlantedSet generate(PlantedConfig config) {
        SplittableRandom random = new SplittableRandom(config.seed());
        int k = config.sketchDim();
        int checkpoints = config.checkpoints();
        int capabilities = config.capabilities();

        double[][][] direction = new double[capabilities][checkpoints][];
        double[] baseLoss = new double[capabilities];
        double[] lossDecay = new double[capabilities];
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
        int[] probeCapability = new int[probes];
        double[][] probeOwn = new double[probes][];
        for (int p = 0; p < probes; p++) {
            probeCapability[p] = p % capabilities;
            probeOwn[p] = unit(random, k);
        }

        int helpful = capabilities * config.helpfulPerCapability();
        int harmful = (int) Math.round(helpful * config.harmfulFraction());
        int irrelevant = (int) Math.round(helpful * config.irrelevantFraction());
        int duplicates = (int) Math.round(helpful * config.duplicateFraction());
        int poolSize = helpful + harmful + irrelevant + duplicates;
        long[] ids = permutation(random, poolSize);

        Kind[] kind = new Kind[poolSize];
        int[] capability = new int[poolSize];
        int[] favouredProbe = new int[poolSize];
        int[] original = new int[poolSize];
        double[][] own = new double[poolSize][];
        for (int s = 0; s < poolSize; s++) {
            kind[s] = s < helpful ? Kind.HELPFUL : s < helpful + harmful ? Kind.HARMFUL
                    : s < helpful + harmful + irrelevant ? Kind.IRRELEVANT : Kind.DUPLICATE;
            capability[s] = kind[s] == Kind.IRRELEVANT ? -1 : random.nextInt(capabilities);
            favouredProbe[s] = capability[s] < 0 ? -1 : capability[s] + capabilities * random.nextInt(config.probesPerCapability());
            original[s] = kind[s] == Kind.DUPLICATE ? random.nextInt(helpful) : -1;
            if (original[s] >= 0) {
                capability[s] = capability[original[s]];
            }
            own[s] = unit(random, k);
        }

        ProjectionSpec projection = new ProjectionSpec(k, config.projectionSeed(), ProjectionKind.KRONECKER);
        List<SketchBatch> batches = new ArrayList<>();
        float[][] previousPool = new float[poolSize][];
        for (int j = 0; j < checkpoints; j++) {
            float learningRate = (float) (0.01 * (1 - 0.15 * j));
            SketchBatch.Builder probeBatch = SketchBatch.builder(config.runId(), projection);
            for (int p = 0; p < probes; p++) {
                int c = probeCapability[p];
                double[] signal = add(direction[c][j], scale(probeOwn[p], PROBE_OWN_WEIGHT));
                float[] sketch = noisy(random, signal, config.noise(), 0.5 + 1.5 * random.nextDouble());
                float loss = (float) (baseLoss[c] * Math.exp(-lossDecay[c] * j) * (1 + 0.05 * random.nextGaussian()));
                probeBatch.add(j * 1000L, j, Role.PROBE, PROBE_ID_BASE + p, learningRate, Math.max(loss, 0f), sketch);
            }
            batches.add(probeBatch.build());

            float[][] poolSketches = new float[poolSize][];
            for (int s = 0; s < poolSize; s++) {
                poolSketches[s] = switch (kind[s]) {
                    case HELPFUL -> noisy(random, add(direction[capability[s]][j], scale(probeOwn[favouredProbe[s]], PROBE_OWN_WEIGHT)),
                            config.noise(), 0.5 + random.nextDouble());
                    case HARMFUL -> noisy(random, scale(add(direction[capability[s]][j], scale(probeOwn[favouredProbe[s]], PROBE_OWN_WEIGHT)), -1),
                            config.noise(), 0.5 + random.nextDouble());
                    case IRRELEVANT -> noisy(random, own[s], config.noise(), 0.5 + random.nextDouble());
                    case DUPLICATE -> null;
                };
            }
            for (int s = 0; s < poolSize; s++) {
                if (kind[s] == Kind.DUPLICATE) {
                    poolSketches[s] = nearCopy(random, poolSketches[original[s]]);
                }
            }
            addRows(batches, config.runId(), projection, j, Role.POOL, ids, poolSketches, learningRate, random, j * 1000L);
            if (config.trainSteps() > 0) {
                addTrainRows(batches, config, projection, j, ids, poolSketches, learningRate, random);
            }
            previousPool = poolSketches;
        }
        if (config.trainSteps() > 0 && previousPool.length > 0) {
            // A few steps before the first checkpoint: counted by consumers, never used for influence.
            SketchBatch.Builder early = SketchBatch.builder(config.runId(), projection);
            early.add(0, -1, Role.TRAIN, ids[0], 0.01f, 1f, previousPool[0]);
            batches.add(0, early.build());
        }

        long[] probeIds = new long[probes];
        Arrays.setAll(probeIds, p -> PROBE_ID_BASE + p);
        Map<Long, PlantedSample> pool = new HashMap<>();
        for (int s = 0; s < poolSize; s++) {
            pool.put(ids[s], new PlantedSample(ids[s], kind[s], capability[s]));
        }
        return new PlantedSet(config, projection, List.copyOf(batches), probeIds, probeCapability, Map.copyOf(pool));
    }

    private static void addRows(List<SketchBatch> batches, String runId, ProjectionSpec projection, int checkpoint, Role role,
            long[] ids, float[][] sketches, float learningRate, SplittableRandom random, long step) {
        for (int from = 0; from < ids.length; from += MAX_ROWS_PER_BATCH) {
            SketchBatch.Builder batch = SketchBatch.builder(runId, projection);
            for (int s = from; s < Math.min(ids.length, from + MAX_ROWS_PER_BATCH); s++) {
                batch.add(step, checkpoint, role, ids[s], learningRate, (float) (0.2 + random.nextDouble()), sketches[s]);
            }
            batches.add(batch.build());
        }
    }

    private static void addTrainRows(List<SketchBatch> batches, PlantedConfig config, ProjectionSpec projection, int checkpoint,
            long[] ids, float[][] poolSketches, float learningRate, SplittableRandom random) {
        SketchBatch.Builder batch = SketchBatch.builder(config.runId(), projection);
        for (int step = 0; step < config.trainSteps(); step++) {
            int s = random.nextInt(ids.length);
            batch.add((long) checkpoint * config.trainSteps() + step, checkpoint, Role.TRAIN, ids[s], learningRate,
                    (float) (0.2 + random.nextDouble()), nearCopy(random, poolSketches[s]));
        }
        batches.add(batch.build());
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
