package dev.cadc.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporary directories that go away even when the process is stopped by a signal (Ctrl-C, SIGTERM):
 * each is deleted by its owner's {@code close} as usual, and whatever is still registered when the JVM
 * exits is deleted by one shutdown hook. A stopped {@code cadc bench pipeline} would otherwise leave
 * its sketch set, Kafka's log and Flink's checkpoints behind (gigabytes at the default size).
 * A JVM killed with SIGKILL runs no hook; nothing can clean up after that.
 */
public final class TemporaryDirectories {

    private static final Logger LOG = LoggerFactory.getLogger(TemporaryDirectories.class);

    private static final Set<Path> REGISTERED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path dir : REGISTERED) {
                deleteRecursively(dir);
            }
        }, "cadc-temporary-directories"));
    }

    private TemporaryDirectories() {}

    /** A new directory under the system's temporary directory, deleted at exit unless {@link #delete} deleted it first. */
    public static Path create(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        REGISTERED.add(dir);
        return dir;
    }

    /** Deletes {@code dir} at exit if it is still there (for a directory made elsewhere). */
    public static void deleteAtExit(Path dir) {
        REGISTERED.add(dir);
    }

    /** Deletes {@code dir} now and forgets it. */
    public static void delete(Path dir) {
        deleteRecursively(dir);
        REGISTERED.remove(dir);
    }

    /** Deletes {@code root} and everything below it; a failure is logged, not thrown. */
    public static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.warn("could not delete {}: {}", path, e.getMessage());
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.warn("could not delete {}: {}", root, e.getMessage());
        }
    }
}
