package dev.cadc.cli;

import dev.cadc.trainer.vqa.DatasetDescriptor;
import dev.cadc.trainer.vqa.LabelledImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a dataset's images, installing the Debian package when it is missing and we may. */
final class Datasets {

    private Datasets() {}

    /**
     * The train and test images (test null when only one set is given: it is split from the train set).
     *
     * @throws IllegalStateException with the command to run when the files cannot be had
     */
    static LabelledImages[] load(DatasetDescriptor descriptor, Path images, Path labels) throws IOException {
        if ((images == null) != (labels == null)) {
            throw new IllegalArgumentException("--images and --labels go together");
        }
        if (images != null) {
            return new LabelledImages[] {LabelledImages.readIdx(images, labels), null};
        }
        if (descriptor.digitsCsv() != null) {
            ensure(descriptor.digitsCsv(), "python3-sklearn");
            return new LabelledImages[] {LabelledImages.readDigitsCsv(descriptor.digitsCsv()), null};
        }
        ensure(descriptor.trainImages(), "dataset-fashion-mnist");
        return new LabelledImages[] {
            LabelledImages.readIdx(descriptor.trainImages(), descriptor.trainLabels()),
            LabelledImages.readIdx(descriptor.testImages(), descriptor.testLabels())
        };
    }

    private static void ensure(Path file, String debianPackage) throws IOException {
        if (Files.exists(file)) {
            return;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            System.err.println("cadc: " + file + " is missing; installing it: apt-get install -y " + debianPackage);
            try {
                Process process = new ProcessBuilder("apt-get", "install", "-y", "-q", debianPackage).inheritIO().start();
                if (process.waitFor() == 0 && Files.exists(file)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new IllegalStateException(file + " is missing; install it with: sudo apt-get install -y " + debianPackage);
    }
}
