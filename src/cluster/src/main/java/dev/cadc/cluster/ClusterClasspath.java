package dev.cadc.cluster;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The classpath of a Flink JobManager or TaskManager process started by {@code cadc cluster}: this
 * module's own jar (it holds {@link LoopbackPrometheusReporterFactory}) and the Flink modules that the
 * build resolved for it (runtime, web UI, clients, RocksDB, the Prometheus reporter, Log4j). The list
 * is written at build time by maven-dependency-plugin's {@code build-classpath} into a resource of this
 * jar, so it names the local Maven repository's files: valid on the machine that built it.
 */
public final class ClusterClasspath {

    static final String RESOURCE = "flink-cluster.classpath";

    private ClusterClasspath() {}

    /**
     * Every entry, this module's jar (or classes directory) first.
     *
     * @throws IllegalStateException when the resource is missing or names a file that is gone (the
     *     local Maven repository was cleaned): rebuilding the project fixes both
     */
    public static List<Path> entries() {
        List<Path> entries = new ArrayList<>();
        entries.add(ownLocation());
        String text;
        try (InputStream in = ClusterClasspath.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the cluster classpath (" + RESOURCE + ") is not in cadc-cluster's jar; "
                        + "rebuild with mvn -pl src/cli -am package");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster classpath " + RESOURCE, e);
        }
        for (String entry : text.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path path = Path.of(entry.trim());
            if (!Files.exists(path)) {
                throw new IllegalStateException("the cluster classpath names " + path + ", which does not exist "
                        + "(was the Maven repository cleaned?); rebuild with mvn -pl src/cli -am package");
            }
            entries.add(path);
        }
        return entries;
    }

    /** The entries joined for {@code java -cp}. */
    public static String asArgument() {
        List<String> paths = new ArrayList<>();
        entries().forEach(path -> paths.add(path.toString()));
        return String.join(File.pathSeparator, paths);
    }

    private static Path ownLocation() {
        try {
            return Path.of(ClusterClasspath.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate cadc-cluster's jar", e);
        }
    }
}
