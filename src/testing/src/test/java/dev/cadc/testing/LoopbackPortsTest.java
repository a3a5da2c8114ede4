package dev.cadc.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@link LoopbackPorts}: the ports one broker or cluster needs are all different (a broker whose two listeners shared one failed to start in CI). */
class LoopbackPortsTest {

    @Test
    void portsFoundTogetherAreAllDifferent() {
        for (int round = 0; round < 20; round++) {
            int[] ports = LoopbackPorts.free(32);
            assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(32);
            assertThat(Arrays.stream(ports).min().orElseThrow()).isPositive();
        }
    }

    @Test
    void aPortOtherThanTheTakenOne() {
        int taken = LoopbackPorts.free(1)[0];
        for (int round = 0; round < 50; round++) {
            assertThat(LoopbackPorts.freeOtherThan(taken)).isNotEqualTo(taken);
        }
    }
}
