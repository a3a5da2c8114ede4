package dev.cadc.flink.operators;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;

/** Taking elements out of a keyed list state; counting parts received per version. */
final class ListStates {

    private ListStates() {}

    /**
     * Removes the elements {@code taken} accepts from {@code state} and returns them, in list order; the
     * others stay, in order. The list is written back only when something was taken.
     */
    static <T> List<T> take(ListState<T> state, Predicate<T> taken) throws Exception {
        List<T> out = new ArrayList<>();
        List<T> kept = new ArrayList<>();
        Iterable<T> all = state.get();
        if (all != null) {
            for (T element : all) {
                (taken.test(element) ? out : kept).add(element);
            }
        }
        if (!out.isEmpty()) {
            state.update(kept);
        }
        return out;
    }

    /** Adds one to {@code counts}' count of {@code version} and returns the new count. */
    static int countOne(MapState<Integer, Integer> counts, int version) throws Exception {
        Integer before = counts.get(version);
        int count = before == null ? 1 : before + 1;
        counts.put(version, count);
        return count;
    }
}
