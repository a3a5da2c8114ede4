package dev.cadc.flink.operators;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.flink.api.common.state.ListState;

/** Taking elements out of a keyed list state. */
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
}
