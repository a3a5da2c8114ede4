package dev.cadc.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/**
 * The CPU time of each of this process's threads, read from Linux's {@code /proc/self/task/<tid>/schedstat}
 * (nanoseconds on a CPU) and {@code comm} (the thread's name, cut to 15 characters by the kernel). It
 * sees the threads the JVM hides from {@link java.lang.management.ThreadMXBean}: the JIT's compiler
 * threads and the GC's. Elsewhere than Linux a snapshot is empty.
 *
 * <p>{@code cadc bench trainer} takes one before and after each block of steps to say which threads the
 * CPU time of a mode goes to (the training thread, the sketch pipeline, the producer's I/O thread, the
 * JIT, the GC).
 */
final class ThreadCpuTimes {

    private static final Path TASKS = Path.of("/proc/self/task");

    private ThreadCpuTimes() {}

    /** Nanoseconds of CPU time per thread id, with the thread's name. */
    record Snapshot(Map<Long, Long> nanos, Map<Long, String> names) {}

    static Snapshot snapshot() {
        Map<Long, Long> nanos = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        if (!Files.isDirectory(TASKS)) {
            return new Snapshot(nanos, names);
        }
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    long tid = Long.parseLong(task.getFileName().toString());
                    String schedstat = Files.readString(task.resolve("schedstat")).trim();
                    int space = schedstat.indexOf(' ');
                    nanos.put(tid, Long.parseLong(space < 0 ? schedstat : schedstat.substring(0, space)));
                    names.put(tid, Files.readString(task.resolve("comm")).trim());
                } catch (IOException | RuntimeException e) {
                    // The thread ended between the listing and the read: it has nothing more to count.
                }
            }
        } catch (IOException e) {
            return new Snapshot(Map.of(), Map.of());
        }
        return new Snapshot(nanos, names);
    }

    /**
     * The CPU time each group of threads used between {@code before} and {@code after}, added to
     * {@code into} (nanoseconds by group); a thread started in between counts from zero.
     */
    static void addDelta(Snapshot before, Snapshot after, Map<String, Long> into) {
        after.nanos().forEach((tid, nanos) -> {
            long delta = nanos - before.nanos().getOrDefault(tid, 0L);
            if (delta > 0) {
                into.merge(group(after.names().get(tid)), delta, Long::sum);
            }
        });
    }

    /**
     * The group a thread's kernel name belongs to: the JVM's numbered threads ({@code GC Thread#0},
     * {@code C2 CompilerThread1}) are counted together, and {@code java} is the main thread, the one
     * that trains (PyTorch runs the step's operators in it with one intra-op thread).
     */
    static String group(String name) {
        if (name == null) {
            return "other";
        }
        if (name.equals("java")) {
            return "main (training step)";
        }
        for (Map.Entry<String, String> prefix : GROUPS) {
            if (name.startsWith(prefix.getKey())) {
                return prefix.getValue();
            }
        }
        return "other (a local broker's too)";
    }

    /** Thread-name prefixes and their groups, tried in order. */
    private static final List<Map.Entry<String, String>> GROUPS = List.of(
            Map.entry("C2 Compiler", "JIT C2"),
            Map.entry("C1 Compiler", "JIT C1"),
            Map.entry("GC Thread", "GC and VM"),
            Map.entry("G1 ", "GC and VM"),
            Map.entry("VM Thread", "GC and VM"),
            Map.entry("bench-sketches", "sketch pipeline"),
            Map.entry("kafka-producer", "Kafka producer I/O"),
            Map.entry("JFR ", "JFR"));
}
