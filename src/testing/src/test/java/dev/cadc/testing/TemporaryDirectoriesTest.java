package dev.cadc.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Temporary directories are deleted by their owner, or at exit when the process is stopped by SIGTERM. */
class TemporaryDirectoriesTest {

    /** Run in a child JVM: creates a directory with a file in it, prints its path, then waits to be stopped. */
    public static void main(String[] args) throws Exception {
        Path dir = TemporaryDirectories.create("cadc-temporary-test-");
        Files.writeString(dir.resolve("state"), "x".repeat(1000));
        Files.createDirectories(dir.resolve("nested/deeper"));
        System.out.println(dir);
        System.out.flush();
        Thread.sleep(60_000);
    }

    @Test
    void aProcessStoppedBySigtermLeavesNoDirectoryBehind() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TemporaryDirectoriesTest.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Path dir;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            dir = Path.of(out.readLine());
            assertThat(dir.resolve("state")).exists();
            child.destroy(); // SIGTERM: shutdown hooks run
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the child stopped").isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void deleteRemovesTheDirectoryNow() throws Exception {
        Path dir = TemporaryDirectories.create("cadc-temporary-test-");
        Files.createDirectories(dir.resolve("a/b"));
        Files.writeString(dir.resolve("a/b/c"), "c");
        TemporaryDirectories.delete(dir);
        assertThat(dir).doesNotExist();
        TemporaryDirectories.delete(dir); // twice is harmless
    }
}
