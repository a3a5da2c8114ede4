package dev.cadc.flink.operators;

import dev.cadc.core.run.CheckpointLedger;
import dev.cadc.core.run.CheckpointProgress;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;

/**
 * The core {@link CheckpointLedger} of the current key (a run) over Flink keyed state: the progress of
 * each open checkpoint and the next checkpoint to close.
 */
final class KeyedCheckpointLedger implements CheckpointLedger {

    private final MapState<Integer, CheckpointProgress> progress;
    private final ValueState<Integer> nextToClose;

    KeyedCheckpointLedger(MapState<Integer, CheckpointProgress> progress, ValueState<Integer> nextToClose) {
        this.progress = progress;
        this.nextToClose = nextToClose;
    }

    @Override
    public CheckpointProgress get(int checkpoint) {
        return unchecked(() -> progress.get(checkpoint));
    }

    @Override
    public void put(int checkpoint, CheckpointProgress value) {
        unchecked(() -> {
            progress.put(checkpoint, value);
            return null;
        });
    }

    @Override
    public void remove(int checkpoint) {
        unchecked(() -> {
            progress.remove(checkpoint);
            return null;
        });
    }

    @Override
    public int highestOpen() {
        return unchecked(() -> {
            int highest = -1;
            for (Integer checkpoint : progress.keys()) {
                highest = Math.max(highest, checkpoint);
            }
            return highest;
        });
    }

    @Override
    public int nextToClose() {
        return unchecked(() -> nextToClose.value() == null ? 0 : nextToClose.value());
    }

    @Override
    public void setNextToClose(int checkpoint) {
        unchecked(() -> {
            nextToClose.update(checkpoint);
            return null;
        });
    }

    interface StateCall<T> {
        T call() throws Exception;
    }

    static <T> T unchecked(StateCall<T> call) {
        try {
            return call.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("keyed state access failed: " + e.getMessage(), e);
        }
    }
}
