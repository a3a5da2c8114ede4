package dev.cadc.core.curriculum;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CheckpointOrderTest {

    @Test
    void holdsWhileCheckpointsDoNotGoBackRowsWithoutOneLeftOut() {
        CheckpointOrder order = new CheckpointOrder();
        for (int checkpoint : new int[] {0, 0, -1, 1, 1, -1, 3}) {
            order.see(checkpoint);
        }
        assertThat(order.holds()).isTrue();
        order.see(2);
        assertThat(order.holds()).isFalse();
        order.see(4);
        assertThat(order.holds()).as("once broken, stays broken").isFalse();
    }
}
