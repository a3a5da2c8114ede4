package dev.cadc.flink.operators;

import dev.cadc.flink.records.VersionPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimerService;

/**
 * The version plans a keyed operator holds until its watermark passes each one's closing
 * ({@link VersionPlan#readyAt()}): an event-time timer per plan, and the plans that are ready, in
 * checkpoint order. Shared by the sample buckets and the assembler, which act on a version at the same
 * watermark.
 */
final class PendingVersions {

    static final MapStateDescriptor<Integer, VersionPlan> PLANS =
            new MapStateDescriptor<>("plans", Types.INT, Types.POJO(VersionPlan.class));

    private final MapState<Integer, VersionPlan> plans;

    PendingVersions(MapState<Integer, VersionPlan> plans) {
        this.plans = plans;
    }

    /** Holds {@code plan} and sets the timer at which it is ready. */
    void add(VersionPlan plan, TimerService timers) throws Exception {
        plans.put(plan.checkpoint, plan);
        timers.registerEventTimeTimer(plan.readyAt());
    }

    /** Removes and returns the plans ready at {@code watermark}, in checkpoint order. */
    List<VersionPlan> takeReady(long watermark) throws Exception {
        List<VersionPlan> ready = new ArrayList<>();
        for (Map.Entry<Integer, VersionPlan> entry : plans.entries()) {
            if (watermark >= entry.getValue().readyAt()) {
                ready.add(entry.getValue());
            }
        }
        ready.sort((a, b) -> Integer.compare(a.checkpoint, b.checkpoint));
        for (VersionPlan plan : ready) {
            plans.remove(plan.checkpoint);
        }
        return ready;
    }

    boolean isEmpty() throws Exception {
        return plans.isEmpty();
    }

    void clear() {
        plans.clear();
    }
}
