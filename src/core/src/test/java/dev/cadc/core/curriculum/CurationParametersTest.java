package dev.cadc.core.curriculum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CurationParametersTest {

    @Test
    void theDefaultsAreTheDeclaredOnesAndRoundTripThroughText() {
        CuratorConfig defaults = CuratorConfig.defaults();

        assertThat(CurationParameters.parse(CurationParameters.of(defaults))).isEqualTo(defaults);
        assertThat(CurationParameters.of(defaults)).containsEntry("budget", CuratorConfig.DEFAULT_BUDGET)
                .containsEntry("duplicate-threshold", "0.98").containsEntry("stage-shares", "proportional")
                .containsEntry("k-rule", "silhouette").containsEntry("harm-rule", "exclude")
                .containsOnlyKeys(CurationParameters.all().stream().map(CurationParameters.Parameter::name).toList());
    }

    @Test
    void everyParameterSurvivesARoundTrip() {
        Map<String, String> values = Map.ofEntries(Map.entry("budget", "500"), Map.entry("k-min", "3"), Map.entry("k-max", "7"),
                Map.entry("seed", "-5"), Map.entry("k-rule", "stability"), Map.entry("harm-rule", "off"), Map.entry("aggregation", "mean"), Map.entry("strongest", "4"),
                Map.entry("selection", "top-influence"), Map.entry("duplicate-threshold", "0.9"), Map.entry("stages", "2"),
                Map.entry("stage-order", "hard-first"), Map.entry("stage-shares", "0.25,0.75"));
        CuratorConfig config = CurationParameters.parse(values);

        assertThat(CurationParameters.of(config)).isEqualTo(values);
        assertThat(CurationParameters.parse(CurationParameters.of(config))).isEqualTo(config);
        assertThat(config.stages().stepShares()).containsExactly(0.25, 0.75);
        assertThat(config.harmRule()).isFalse();
        assertThat(config.clustering().kRule()).isEqualTo(dev.cadc.core.capability.KRule.STABILITY);
    }

    @Test
    void proportionalStageSharesRoundTripAndLeaveTheStageCountAlone() {
        CuratorConfig config = CurationParameters.parse(Map.of("stage-shares", "proportional", "stages", "4"));

        assertThat(config.stages().sizeProportional()).isTrue();
        assertThat(config.stages().stages()).isEqualTo(4);
        assertThat(CurationParameters.of(config)).containsEntry("stage-shares", "proportional");
        assertThat(CurationParameters.parse(CurationParameters.of(config))).isEqualTo(config);
        assertThat(config).isNotEqualTo(CurationParameters.parse(Map.of("stages", "4", "stage-shares", "equal")));
        assertThat(CurationParameters.parse(Map.of("stage-shares", "equal")).stages().sizeProportional()).isFalse();
    }

    @Test
    void badValuesNameTheParameter() {
        assertThatThrownBy(() -> CurationParameters.parse(Map.of("k-min", "5", "k-max", "3")))
                .hasMessageContaining("k-max (3) must be >= k-min (5)");
        assertThatThrownBy(() -> CurationParameters.parse(Map.of("budget", "1.5"))).hasMessageContaining("budget");
        assertThatThrownBy(() -> CurationParameters.parse(Map.of("stage-shares", "0.5,0.6"))).hasMessageContaining("stage-shares");
        assertThatThrownBy(() -> CurationParameters.parse(Map.of("selection", "best"))).hasMessageStartingWith("selection:");
        assertThatThrownBy(() -> CurationParameters.parse(Map.of("harm-rule", "maybe"))).hasMessageStartingWith("harm-rule:");
        assertThatThrownBy(() -> CurationParameters.parse(Map.of("k-rule", "gap"))).hasMessageStartingWith("k-rule:");
    }
}
