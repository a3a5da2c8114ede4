package dev.cadc.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The background pipeline keeps the order, bounds its queue, surfaces failures and drains on flush and close. */
class SketchPipelineTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @Test
    void tasksRunInSubmissionOrderOnTheBackgroundThreadAndFlushWaitsForAll() {
        List<Integer> ran = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        try (SketchPipeline pipeline = SketchPipeline.background("test-sketches", 2)) {
            for (int i = 0; i < 50; i++) {
                int task = i;
                pipeline.submit(() -> {
                    ran.add(task);
                    threads.add(Thread.currentThread().getName());
                });
            }
            pipeline.flush();

            assertThat(ran).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 50).boxed().toList());
            assertThat(threads).containsOnly("test-sketches");
        }
    }

    @Test
    void submitBlocksWhileTheQueueIsFull() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        try (SketchPipeline pipeline = SketchPipeline.background("test-sketches", 2)) {
            pipeline.submit(() -> {
                running.countDown();
                await(release);
            });
            assertThat(running.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            pipeline.submit(() -> {});
            pipeline.submit(() -> {});
            // One running, two waiting: the fourth hand-over has to wait for room.
            Thread submitter = new Thread(() -> pipeline.submit(() -> {}));
            submitter.start();
            awaitCondition(() -> submitter.getState() == Thread.State.WAITING, "the fourth submit to block");
            assertThat(submitter.isAlive()).isTrue();

            release.countDown();
            submitter.join(DEADLINE.toMillis());
            assertThat(submitter.isAlive()).as("the blocked submit returns once there is room").isFalse();
        }
    }

    @Test
    void aFailureIsRethrownAtTheNextSubmitAndAtCloseAndLaterTasksAreDropped() {
        List<Integer> ran = new CopyOnWriteArrayList<>();
        SketchPipeline pipeline = SketchPipeline.background("test-sketches", 2);
        pipeline.submit(() -> {
            throw new IllegalArgumentException("broker gone");
        });
        assertThatThrownBy(pipeline::flush).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("broker gone").hasCauseInstanceOf(IllegalArgumentException.class);

        assertThatThrownBy(() -> pipeline.submit(() -> ran.add(1))).hasMessageContaining("broker gone");
        assertThatThrownBy(pipeline::close).hasMessageContaining("broker gone");
        assertThat(ran).isEmpty();
    }

    @Test
    void aFailureWhileTheTrainerIsAwayIsRethrownAtClose() {
        CountDownLatch failed = new CountDownLatch(1);
        SketchPipeline pipeline = SketchPipeline.background("test-sketches", 2);
        pipeline.submit(() -> {
            failed.countDown();
            throw new IllegalStateException("encoding failed");
        });
        await(failed);

        assertThatThrownBy(pipeline::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("encoding failed");
        assertThatThrownBy(() -> pipeline.submit(() -> {})).hasMessageContaining("closed");
    }

    @Test
    void closeRunsEveryQueuedTaskAndStopsTheThread() {
        List<Integer> ran = new CopyOnWriteArrayList<>();
        SketchPipeline pipeline = SketchPipeline.background("test-sketches-close", 1);
        for (int i = 0; i < 5; i++) {
            int task = i;
            pipeline.submit(() -> ran.add(task));
        }

        pipeline.close();

        assertThat(ran).containsExactly(0, 1, 2, 3, 4);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(thread -> thread.getName().equals("test-sketches-close"));
    }

    @Test
    void theInlinePipelineRunsEachTaskAtOnceInTheCallingThread() {
        List<String> threads = new CopyOnWriteArrayList<>();
        try (SketchPipeline pipeline = SketchPipeline.inline()) {
            pipeline.submit(() -> threads.add(Thread.currentThread().getName()));

            assertThat(threads).containsExactly(Thread.currentThread().getName());
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).as("latch released within %s", DEADLINE).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void awaitCondition(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + DEADLINE + " for " + what);
            }
            Thread.onSpinWait();
        }
    }
}
