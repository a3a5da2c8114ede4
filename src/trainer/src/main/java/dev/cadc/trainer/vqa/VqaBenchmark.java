package dev.cadc.trainer.vqa;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VQA-Fashion: a multi-capability visual question answering benchmark built from labelled images,
 * with the pool's defects made the way machine-made instruction data is: exact duplicates and a
 * faulty annotator.
 *
 * <ul>
 *   <li>The training images are split by a seeded permutation: the first {@code poolSize x (1 -
 *       duplicates)} carry the pool's unique items; the rest are outside the pool (probe items and the
 *       image encoder's pretraining).
 *   <li>Pool families follow the mixture exactly (largest remainders); then {@code duplicates} of the
 *       pool are exact copies of random unique items.
 *   <li>Systematic noise: for each family a fixed half of the classes (seeded) is faulty; on
 *       {@code 2 x noise} of the unique items of a faulty class (40% for the default 20%) the answer is
 *       systematically wrong: a fixed wrong class, a flipped yes/no, a count shifted by one. Uniform
 *       noise: {@code noise} of the unique items get a random wrong answer of the same family.
 *   <li>Probes ({@code probesPerFamily} per family) are clean unless {@code probeNoise} is set: then
 *       the same annotator (the same faulty classes and wrong answers, the same kind of noise)
 *       mislabels that share of them as it does the pool. Test items ({@code testPerFamily} per
 *       family, from the test images) are always clean.
 *   <li>Pool, probe, encoder and test images are disjoint ({@link #imageSources}, checked by
 *       {@link #requireDisjointImages}).
 * </ul>
 */
public final class VqaBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(VqaBenchmark.class);

    /** Pool sample ids start here; probe and test ids have their own ranges. */
    public static final long PROBE_ID_BASE = 1_000_000L;

    /** How answers are made wrong: none (a clean pool, whatever the rate), systematic or uniform. */
    public enum Noise { NONE, SYSTEMATIC, UNIFORM }

    /**
     * Every size and rate of the benchmark, with the defaults.
     *
     * @param probeNoise the share of probes the pool's annotator mislabels (0, the default: clean probes)
     */
    public record Config(int poolSize, double[] mixture, double duplicates, double noise, Noise noiseKind,
            int probesPerFamily, int testPerFamily, double probeNoise, long seed) {
        public Config {
            if (!(probeNoise >= 0 && probeNoise <= 0.5)) {
                throw new IllegalArgumentException("the probe noise rate is a share in [0, 0.5], got " + probeNoise);
            }
        }

        public static Config defaults(long seed) {
            double[] mixture = Arrays.stream(QuestionFamily.values()).mapToDouble(QuestionFamily::defaultShare).toArray();
            return new Config(40_000, mixture, 0.2, 0.2, Noise.SYSTEMATIC, 100, 1_000, 0.0, seed);
        }

        public Config withSizes(int newPoolSize, int newProbesPerFamily, int newTestPerFamily) {
            return new Config(newPoolSize, mixture, duplicates, noise, noiseKind, newProbesPerFamily, newTestPerFamily, probeNoise,
                    seed);
        }

        public Config withNoise(Noise kind) {
            return new Config(poolSize, mixture, duplicates, noise, kind, probesPerFamily, testPerFamily, probeNoise, seed);
        }

        public Config withProbeNoise(double rate) {
            return new Config(poolSize, mixture, duplicates, noise, noiseKind, probesPerFamily, testPerFamily, rate, seed);
        }

        public Config withSeed(long newSeed) {
            return new Config(poolSize, mixture, duplicates, noise, noiseKind, probesPerFamily, testPerFamily, probeNoise, newSeed);
        }
    }

    /**
     * Where each split's images come from: indices into the training images for the pool's unique
     * items, the probes and the encoder's pretraining, and for the test set indices into the test
     * images, or into the training images when the test set was split from them.
     */
    public record ImageSources(int[] pool, int[] probes, int[] encoder, int[] test, boolean testFromTrainImages) {}

    /** Items over one set of images. */
    public record Split(LabelledImages images, List<VqaItem> items) {}

    private final Questions questions;
    private final Config config;
    private final Split pool;
    private final Split probes;
    private final Split test;
    private final LabelledImages encoderImages;
    private final ImageSources imageSources;

    private VqaBenchmark(Questions questions, Config config, Split pool, Split probes, Split test, LabelledImages encoderImages,
            ImageSources imageSources) {
        this.imageSources = imageSources;
        this.questions = questions;
        this.config = config;
        this.pool = pool;
        this.probes = probes;
        this.test = test;
        this.encoderImages = encoderImages;
    }

    public Questions questions() {
        return questions;
    }

    public Config config() {
        return config;
    }

    public Split pool() {
        return pool;
    }

    public Split probes() {
        return probes;
    }

    public Split test() {
        return test;
    }

    public ImageSources imageSources() {
        return imageSources;
    }

    /**
     * Throws unless the pool, probe, encoder and test images are disjoint sets of source images (by
     * index into the file they come from; the test set from its own file is disjoint from the others
     * by construction).
     */
    public void requireDisjointImages() {
        java.util.BitSet seen = new java.util.BitSet();
        String[] names = {"pool", "probe", "encoder", "test"};
        int[][] sets = {imageSources.pool(), imageSources.probes(), imageSources.encoder(),
            imageSources.testFromTrainImages() ? imageSources.test() : new int[0]};
        for (int s = 0; s < sets.length; s++) {
            for (int index : sets[s]) {
                if (seen.get(index)) {
                    throw new IllegalStateException("training image " + index + " is in the " + names[s]
                            + " split and in an earlier one (pool, probe, encoder, test)");
                }
                seen.set(index);
            }
        }
    }

    /** Training images outside the pool and the probes: the image encoder is pretrained on them. */
    public LabelledImages encoderImages() {
        return encoderImages;
    }

    /**
     * Builds the benchmark. When {@code testImages} is null, test images are split from
     * {@code trainImages} too. Sizes shrink proportionally, with a warning, when the images are too few.
     */
    public static VqaBenchmark build(DatasetDescriptor dataset, LabelledImages trainImages, LabelledImages testImages, Config requested) {
        Questions questions = new Questions(dataset);
        SplittableRandom random = new SplittableRandom(requested.seed());
        int[] order = permutation(random, trainImages.size());
        LabelledImages testSource = testImages;
        int available = trainImages.size();
        int[] testIndices = testImages == null ? null : java.util.stream.IntStream.range(0, testImages.size()).toArray();
        if (testImages == null) {
            int testCount = Math.min(available / 5, requested.testPerFamily() * QuestionFamily.values().length);
            testIndices = Arrays.copyOfRange(order, available - testCount, available);
            testSource = trainImages.subset(testIndices);
            available -= testCount;
        }
        Config config = fit(requested, available, testSource.size());
        int unique = (int) Math.round(config.poolSize() * (1 - config.duplicates()));
        int probeCount = config.probesPerFamily() * QuestionFamily.values().length;
        int[] poolIndices = Arrays.copyOfRange(order, 0, unique);
        int[] probeIndices = Arrays.copyOfRange(order, unique, unique + probeCount);
        int[] encoderIndices = Arrays.copyOfRange(order, unique + probeCount, available);
        LabelledImages poolImages = trainImages.subset(poolIndices);
        LabelledImages probeImages = trainImages.subset(probeIndices);
        LabelledImages encoderImages = trainImages.subset(encoderIndices);

        Annotator annotator = Annotator.of(config.seed());
        List<VqaItem> poolItems = uniquePool(questions, poolImages, config, annotator, random);
        addDuplicates(poolItems, config.poolSize() - unique, random);
        List<VqaItem> probeItems = cleanItems(questions, probeImages, config.probesPerFamily(), PROBE_ID_BASE, random);
        if (config.probeNoise() > 0 && config.noiseKind() != Noise.NONE) {
            // A stream of its own, so that the rest of the benchmark is the same with and without noisy probes.
            mislabel(questions, probeItems, config.noiseKind(), config.probeNoise(), annotator,
                    new SplittableRandom(config.seed() ^ 0x9E3779B97F4A7C15L));
        }
        List<VqaItem> testItems = cleanItems(questions, testSource, config.testPerFamily(), 2 * PROBE_ID_BASE, random);
        VqaBenchmark benchmark = new VqaBenchmark(questions, config, new Split(poolImages, poolItems),
                new Split(probeImages, probeItems), new Split(testSource, testItems), encoderImages,
                new ImageSources(poolIndices, probeIndices, encoderIndices, testIndices, testImages == null));
        benchmark.requireDisjointImages();
        return benchmark;
    }

    private static Config fit(Config requested, int trainAvailable, int testAvailable) {
        int families = QuestionFamily.values().length;
        double uniqueShare = 1 - requested.duplicates();
        int needed = (int) Math.round(requested.poolSize() * uniqueShare) + requested.probesPerFamily() * families;
        // Keep at least a fifth of the images for the encoder.
        double scale = Math.min(1.0, 0.8 * trainAvailable / (double) needed);
        double testScale = Math.min(1.0, testAvailable / (double) (requested.testPerFamily() * families));
        if (scale < 1 || testScale < 1) {
            LOG.warn("{} training and {} test images are too few for the default sizes; shrinking the pool and probes to {}% "
                    + "and the test set to {}%", trainAvailable, testAvailable, Math.round(100 * scale), Math.round(100 * testScale));
        }
        return new Config((int) (requested.poolSize() * scale), requested.mixture(), requested.duplicates(), requested.noise(),
                requested.noiseKind(), Math.max(1, (int) (requested.probesPerFamily() * scale)),
                Math.max(1, (int) (requested.testPerFamily() * testScale)), requested.probeNoise(), requested.seed());
    }

    /**
     * The faulty annotator: for each family, a fixed half of the classes, and a fixed wrong class for
     * each class, drawn from the seed alone.
     */
    private record Annotator(Map<QuestionFamily, boolean[]> faulty, int[] wrongClass) {
        static Annotator of(long seed) {
            SplittableRandom annotator = new SplittableRandom(seed ^ 0x5DEECE66DL);
            Map<QuestionFamily, boolean[]> faulty = new EnumMap<>(QuestionFamily.class);
            for (QuestionFamily family : QuestionFamily.values()) {
                int[] classes = permutation(annotator, 10);
                boolean[] isFaulty = new boolean[10];
                for (int c = 0; c < 5; c++) {
                    isFaulty[classes[c]] = true;
                }
                faulty.put(family, isFaulty);
            }
            int[] wrongClass = new int[10];
            for (int c = 0; c < 10; c++) {
                wrongClass[c] = (c + 1 + annotator.nextInt(9)) % 10;
            }
            return new Annotator(faulty, wrongClass);
        }
    }

    private static List<VqaItem> uniquePool(Questions questions, LabelledImages images, Config config, Annotator annotator,
            SplittableRandom random) {
        int unique = images.size();
        int[] familyCounts = largestRemainder(config.mixture(), unique);
        QuestionFamily[] families = new QuestionFamily[unique];
        int position = 0;
        for (QuestionFamily family : QuestionFamily.values()) {
            for (int i = 0; i < familyCounts[family.ordinal()]; i++) {
                families[position++] = family;
            }
        }
        shuffle(families, random);
        List<VqaItem> items = new ArrayList<>();
        for (int i = 0; i < unique; i++) {
            int label = images.labels()[i];
            int question = question(families[i], label, random);
            int truth = questions.answer(question, label, images.pixels()[i], images.height(), images.width());
            items.add(new VqaItem(i, i, label, question, truth, truth, -1));
        }
        // No noise is systematic noise at rate 0, so that it draws the same random numbers: the benchmark is
        // the same but for the wrong answers.
        boolean clean = config.noiseKind() == Noise.NONE;
        mislabel(questions, items, clean ? Noise.SYSTEMATIC : config.noiseKind(), clean ? 0 : config.noise(), annotator, random);
        return items;
    }

    /**
     * Systematic: on {@code 2 x rate} of the items of each faulty (family, class), the annotator's
     * wrong answer; uniform: on {@code rate} of all items, a random wrong answer of the family; none:
     * nothing.
     */
    private static void mislabel(Questions questions, List<VqaItem> items, Noise kind, double rate, Annotator annotator,
            SplittableRandom random) {
        int count = items.size();
        if (kind == Noise.SYSTEMATIC) {
            for (QuestionFamily family : QuestionFamily.values()) {
                for (int c = 0; c < 10; c++) {
                    if (!annotator.faulty().get(family)[c]) {
                        continue;
                    }
                    List<Integer> members = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        if (items.get(i).family() == family && items.get(i).label() == c) {
                            members.add(i);
                        }
                    }
                    int wrong = (int) Math.round(members.size() * Math.min(1.0, 2 * rate));
                    java.util.Collections.shuffle(members, new java.util.Random(random.nextLong()));
                    for (int m = 0; m < wrong; m++) {
                        VqaItem item = items.get(members.get(m));
                        items.set(members.get(m), withAnswer(item, systematicWrong(questions, item, annotator.wrongClass())));
                    }
                }
            }
        } else if (kind == Noise.UNIFORM) {
            int[] chosen = permutation(random, count);
            int wrong = (int) Math.round(count * rate);
            for (int m = 0; m < wrong; m++) {
                VqaItem item = items.get(chosen[m]);
                items.set(chosen[m], withAnswer(item, randomWrong(questions, item, random)));
            }
        }
    }

    private static int systematicWrong(Questions questions, VqaItem item, int[] wrongClass) {
        return switch (item.family()) {
            case RECOGNITION -> wrongClass[item.trueAnswer()];
            case VERIFICATION, GROUPING, STRUCTURE -> item.trueAnswer() == questions.yes() ? questions.no() : questions.yes();
            case SYMBOLIC -> item.trueAnswer() + 1;
        };
    }

    private static int randomWrong(Questions questions, VqaItem item, SplittableRandom random) {
        return switch (item.family()) {
            case RECOGNITION -> (item.trueAnswer() + 1 + random.nextInt(9)) % 10;
            case VERIFICATION, GROUPING, STRUCTURE -> item.trueAnswer() == questions.yes() ? questions.no() : questions.yes();
            case SYMBOLIC -> {
                int count = item.trueAnswer() - questions.number(0);
                int other = count;
                while (other == count) {
                    other = 1 + random.nextInt(Questions.MAX_COUNT);
                }
                yield questions.number(other);
            }
        };
    }

    private static VqaItem withAnswer(VqaItem item, int answer) {
        return new VqaItem(item.id(), item.image(), item.label(), item.question(), answer, item.trueAnswer(), item.duplicateOf());
    }

    private static void addDuplicates(List<VqaItem> items, int count, SplittableRandom random) {
        int unique = items.size();
        for (int d = 0; d < count; d++) {
            VqaItem original = items.get(random.nextInt(unique));
            items.add(new VqaItem(unique + d, original.image(), original.label(), original.question(), original.answer(),
                    original.trueAnswer(), (int) original.id()));
        }
    }

    private static List<VqaItem> cleanItems(Questions questions, LabelledImages images, int perFamily, long idBase,
            SplittableRandom random) {
        List<VqaItem> items = new ArrayList<>();
        int image = 0;
        for (QuestionFamily family : QuestionFamily.values()) {
            for (int i = 0; i < perFamily; i++, image++) {
                int index = image % images.size();
                int label = images.labels()[index];
                int question = question(family, label, random);
                int truth = questions.answer(question, label, images.pixels()[index], images.height(), images.width());
                items.add(new VqaItem(idBase + items.size(), index, label, question, truth, truth, -1));
            }
        }
        return items;
    }

    /** A question of {@code family} about an image of class {@code label}. */
    private static int question(QuestionFamily family, int label, SplittableRandom random) {
        return switch (family) {
            case RECOGNITION -> Questions.RECOGNITION;
            case VERIFICATION -> Questions.FIRST_VERIFICATION + (random.nextBoolean() ? label : (label + 1 + random.nextInt(9)) % 10);
            case GROUPING -> Questions.FIRST_GROUPING + random.nextInt(2);
            case STRUCTURE -> random.nextBoolean() ? Questions.TOP_BRIGHTER : Questions.WIDER;
            case SYMBOLIC -> Questions.LETTERS;
        };
    }

    static int[] largestRemainder(double[] shares, int total) {
        double sum = Arrays.stream(shares).sum();
        int[] counts = new int[shares.length];
        double[] remainders = new double[shares.length];
        int assigned = 0;
        for (int i = 0; i < shares.length; i++) {
            double exact = total * shares[i] / sum;
            counts[i] = (int) Math.floor(exact);
            remainders[i] = exact - counts[i];
            assigned += counts[i];
        }
        while (assigned < total) {
            int best = 0;
            for (int i = 1; i < shares.length; i++) {
                if (remainders[i] > remainders[best]) {
                    best = i;
                }
            }
            counts[best]++;
            remainders[best] = -1;
            assigned++;
        }
        return counts;
    }

    private static int[] permutation(SplittableRandom random, int size) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    private static <T> void shuffle(T[] values, SplittableRandom random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
    }
}
