package dev.cadc.flink.operators;

import dev.cadc.flink.records.VersionPlan;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The version plans a keyed operator holds until the rest of their version is in, taken in checkpoint
 * order: versions are built one after the other. Shared by the sample buckets and the assembler.
 */
final class PendingVersions {

    static final MapStateDescriptor<Integer, VersionPlan> PLANS =
            new MapStateDescriptor<>("plans", Types.INT, Types.POJO(VersionPlan.class));

    private final MapState<Integer, VersionPlan> plans;

    PendingVersions(MapState<Integer, VersionPlan> plans) {
        this.plans = plans;
    }

    void add(VersionPlan plan) throws Exception {
        plans.put(plan.checkpoint, plan);
    }

    /** The plan of the lowest checkpoint held, or null. */
    VersionPlan first() throws Exception {
        VersionPlan first = null;
        for (VersionPlan plan : plans.values()) {
            if (first == null || plan.checkpoint < first.checkpoint) {
                first = plan;
            }
        }
        return first;
    }

    void remove(VersionPlan plan) throws Exception {
        plans.remove(plan.checkpoint);
    }

    boolean isEmpty() throws Exception {
        return plans.isEmpty();
    }

    void clear() {
        plans.clear();
    }
}
