package dev.cadc.trainer.vqa;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A dataset for VQA-Fashion: class names, two yes/no groupings of the classes, and where its images
 * are by default. Any IDX image/label pair can be pointed at a descriptor with {@code --images} and
 * {@code --labels}.
 */
public record DatasetDescriptor(String name, List<String> classNames, Grouping first, Grouping second,
        Path trainImages, Path trainLabels, Path testImages, Path testLabels, Path digitsCsv) {

    /** A yes/no question about class membership. */
    public record Grouping(String question, Set<Integer> members) {}

    public static final String FASHION_DIR = "/usr/share/datasets/fashion-mnist";

    public static final DatasetDescriptor FASHION_MNIST = new DatasetDescriptor("fashion-mnist",
            List.of("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"),
            new Grouping("is this footwear?", Set.of(5, 7, 9)),
            new Grouping("is this worn on the upper body?", Set.of(0, 2, 4, 6)),
            Path.of(FASHION_DIR, "train-images-idx3-ubyte.gz"), Path.of(FASHION_DIR, "train-labels-idx1-ubyte.gz"),
            Path.of(FASHION_DIR, "t10k-images-idx3-ubyte.gz"), Path.of(FASHION_DIR, "t10k-labels-idx1-ubyte.gz"), null);

    public static final DatasetDescriptor DIGITS = new DatasetDescriptor("digits",
            List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
            new Grouping("is this number even?", Set.of(0, 2, 4, 6, 8)),
            new Grouping("is this number greater than four?", Set.of(5, 6, 7, 8, 9)),
            null, null, null, null, Path.of("/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"));

    /** The built-in descriptor named {@code name}. */
    public static DatasetDescriptor named(String name) {
        return switch (name) {
            case "fashion-mnist" -> FASHION_MNIST;
            case "digits" -> DIGITS;
            default -> throw new IllegalArgumentException("unknown dataset '" + name + "'; built in are fashion-mnist and digits");
        };
    }

    /** Letters (a-z) in a class name, the answer of the symbolic family. */
    public int letterCount(int label) {
        return (int) classNames.get(label).chars().filter(Character::isLetter).count();
    }
}
