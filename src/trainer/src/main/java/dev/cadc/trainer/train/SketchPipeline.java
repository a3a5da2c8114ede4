package dev.cadc.trainer.train;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the trainer's per-step sketching and publishing run: in the training thread ({@link #inline()}),
 * or on one background thread ({@link #background}) so that they overlap the next optimiser steps,
 * which do not need them.
 *
 * <p>The background pipeline runs tasks one at a time in the order they were submitted, so records
 * reach the publisher in the order the synchronous trainer would send them. Its queue is bounded:
 * {@link #submit} blocks while {@code capacity} tasks wait, so a trainer that outruns its sketching
 * is slowed to the pipeline's pace instead of holding ever more snapshots in memory. A task must own
 * what it reads (copies of the weights and the batch taken before the next step changes them).
 *
 * <p>A task's failure is rethrown in the submitting thread by the next {@link #submit}, {@link #flush}
 * or {@link #close}; tasks submitted after a failure are dropped, so nothing is published out of order
 * after a lost batch. {@link #flush} waits until every submitted task has run: the trainer flushes
 * before it touches the publisher itself (a checkpoint's PROBE and POOL rows, its checkpoint-complete
 * record), which keeps the wire contract's order. Used by one submitting thread.
 */
public abstract class SketchPipeline implements AutoCloseable {

    /** Tasks that may wait behind the running one: enough to ride out one slow step, few enough to stay small. */
    public static final int DEFAULT_CAPACITY = 2;

    private SketchPipeline() {}

    /** Runs every task in the calling thread, at once: the synchronous trainer. */
    public static SketchPipeline inline() {
        return new Inline();
    }

    /**
     * Runs tasks on a background thread named {@code name}, at most {@code capacity} waiting behind the
     * running one.
     */
    public static SketchPipeline background(String name, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a pipeline's capacity must be at least 1 task, got " + capacity);
        }
        return new Background(name, capacity);
    }

    /**
     * Hands {@code task} over; blocks while the queue is full.
     *
     * @throws IllegalStateException when an earlier task failed (its exception is the cause), or the pipeline is closed
     */
    public abstract void submit(Runnable task);

    /** Waits until every submitted task has run; rethrows the first failure as {@link #submit} does. */
    public abstract void flush();

    /** Flushes, then stops the background thread; rethrows the first failure. */
    @Override
    public abstract void close();

    private static final class Inline extends SketchPipeline {
        @Override
        public void submit(Runnable task) {
            task.run();
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    private static final class Background extends SketchPipeline {

        /** Ends the worker's loop; it is queued behind every task submitted before close. */
        private static final Runnable STOP = () -> {};

        /** Queued by {@link #flush}: runs even after a failure, so that flush returns to rethrow it. */
        private record Drained(CountDownLatch latch) implements Runnable {
            @Override
            public void run() {
                latch.countDown();
            }
        }

        private final BlockingQueue<Runnable> queue;
        private final Thread worker;
        private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        private boolean closed;

        Background(String name, int capacity) {
            queue = new ArrayBlockingQueue<>(capacity);
            worker = new Thread(this::work, name);
            // A trainer that dies without closing its pipeline must not keep the JVM up.
            worker.setDaemon(true);
            worker.start();
        }

        @Override
        public void submit(Runnable task) {
            if (closed) {
                throw new IllegalStateException("the sketch pipeline is closed; submit before close");
            }
            rethrowFailure();
            put(task);
        }

        @Override
        public void flush() {
            if (!closed) {
                CountDownLatch done = new CountDownLatch(1);
                put(new Drained(done));
                try {
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the sketch pipeline to drain", e);
                }
            }
            rethrowFailure();
        }

        @Override
        public void close() {
            if (closed) {
                rethrowFailure();
                return;
            }
            try {
                flush();
            } finally {
                closed = true;
                put(STOP);
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void put(Runnable task) {
            try {
                queue.put(task);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for room in the sketch pipeline", e);
            }
        }

        private void work() {
            while (true) {
                Runnable task;
                try {
                    task = queue.take();
                } catch (InterruptedException e) {
                    // Only close stops the worker; an interrupt from elsewhere must not lose queued batches.
                    continue;
                }
                if (task == STOP) {
                    return;
                }
                try {
                    if (firstFailure.get() == null || task instanceof Drained) {
                        task.run();
                    }
                } catch (Throwable failure) {
                    firstFailure.compareAndSet(null, failure);
                }
            }
        }

        private void rethrowFailure() {
            Throwable failure = firstFailure.get();
            if (failure != null) {
                throw new IllegalStateException("sketching or publishing on the sketch pipeline failed: " + failure, failure);
            }
        }
    }
}
