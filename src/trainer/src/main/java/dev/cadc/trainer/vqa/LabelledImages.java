package dev.cadc.trainer.vqa;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Grey-scale images with class labels: pixels scaled to [0, 1], row-major {@code height x width}.
 * Read from an IDX image/label pair (raw or gzipped, any image size) or from scikit-learn's
 * {@code digits.csv.gz} (64 pixel values 0..16 and the label per line).
 */
public record LabelledImages(float[][] pixels, int[] labels, int height, int width) {

    public int size() {
        return labels.length;
    }

    /** Reads an IDX3 image file and its IDX1 label file. */
    public static LabelledImages readIdx(Path images, Path labels) throws IOException {
        try (DataInputStream imageIn = open(images); DataInputStream labelIn = open(labels)) {
            int imageMagic = imageIn.readInt();
            if (imageMagic != 0x00000803) {
                throw new IOException(images + " is not an IDX3 image file (magic 0x" + Integer.toHexString(imageMagic) + ", expected 0x803)");
            }
            int count = imageIn.readInt();
            int height = imageIn.readInt();
            int width = imageIn.readInt();
            int labelMagic = labelIn.readInt();
            if (labelMagic != 0x00000801) {
                throw new IOException(labels + " is not an IDX1 label file (magic 0x" + Integer.toHexString(labelMagic) + ", expected 0x801)");
            }
            int labelCount = labelIn.readInt();
            if (labelCount != count) {
                throw new IOException(images + " holds " + count + " images but " + labels + " " + labelCount + " labels");
            }
            float[][] pixels = new float[count][height * width];
            byte[] buffer = new byte[height * width];
            int[] classes = new int[count];
            for (int i = 0; i < count; i++) {
                imageIn.readFully(buffer);
                for (int p = 0; p < buffer.length; p++) {
                    pixels[i][p] = (buffer[p] & 0xff) / 255f;
                }
                classes[i] = labelIn.readUnsignedByte();
            }
            return new LabelledImages(pixels, classes, height, width);
        }
    }

    /** Reads scikit-learn's digits.csv.gz: 8x8 images, values 0..16, label last. */
    public static LabelledImages readDigitsCsv(Path csv) throws IOException {
        java.util.List<float[]> pixels = new java.util.ArrayList<>();
        java.util.List<Integer> labels = new java.util.ArrayList<>();
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(
                new GZIPInputStream(Files.newInputStream(csv)), java.nio.charset.StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                String[] fields = line.trim().split(",");
                if (fields.length != 65) {
                    continue;
                }
                float[] image = new float[64];
                for (int p = 0; p < 64; p++) {
                    image[p] = Float.parseFloat(fields[p]) / 16f;
                }
                pixels.add(image);
                labels.add((int) Float.parseFloat(fields[64]));
            }
        }
        if (pixels.isEmpty()) {
            throw new IOException(csv + " holds no 8x8 digit rows");
        }
        return new LabelledImages(pixels.toArray(float[][]::new), labels.stream().mapToInt(Integer::intValue).toArray(), 8, 8);
    }

    /** The images at {@code indices}, in that order. */
    public LabelledImages subset(int[] indices) {
        float[][] chosen = new float[indices.length][];
        int[] chosenLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            chosen[i] = pixels[indices[i]];
            chosenLabels[i] = labels[indices[i]];
        }
        return new LabelledImages(chosen, chosenLabels, height, width);
    }

    private static DataInputStream open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException(path + " does not exist");
        }
        InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        if (first == 0x1f && second == 0x8b) {
            in = new BufferedInputStream(new GZIPInputStream(in), 1 << 16);
        }
        return new DataInputStream(in);
    }
}
