package dev.cadc.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The run-id rule, and the wire contract's list of dead-letter reasons. */
class RunIdsTest {

    @ParameterizedTest
    @ValueSource(strings = {"r", "run-harness", "digits-1", "team.a:run_2025-01-01", "A9"})
    void idsOfTheAllowedCharactersAreValid(String runId) {
        assertThat(RunIds.require(runId)).isEqualTo(runId);
        assertThat(RunIds.fromKey(runId.getBytes(StandardCharsets.UTF_8))).isEqualTo(runId);
    }

    @Test
    void theLimitIs128Bytes() {
        assertThat(RunIds.require("r".repeat(RunIds.MAX_BYTES))).hasSize(RunIds.MAX_BYTES);
        assertThatThrownBy(() -> RunIds.require("r".repeat(RunIds.MAX_BYTES + 1)))
                .isInstanceOfSatisfying(InvalidRecordException.class, e -> assertThat(e.reason()).isEqualTo(ReasonCode.INVALID_RUN_ID))
                .hasMessageContaining("129 bytes").hasMessageContaining("128");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "run 1", "team/run", "run\u00e9", "run\n", "run*", "\u0000"})
    void emptyIdsAndOtherCharactersAreInvalid(String runId) {
        assertThatThrownBy(() -> RunIds.require(runId))
                .isInstanceOfSatisfying(InvalidRecordException.class, e -> assertThat(e.reason()).isEqualTo(ReasonCode.INVALID_RUN_ID));
    }

    @Test
    void anAbsentKeyIsInvalid() {
        assertThatThrownBy(() -> RunIds.fromKey(null)).hasMessageContaining("no key");
        assertThatThrownBy(() -> RunIds.fromKey(new byte[] {(byte) 0xc3})).hasMessageContaining("0xc3");
    }

    /** schemas/README.md is the wire contract: its reason table lists every code there is, no more. */
    @Test
    void theSchemasReadmeListsEveryReasonCode() {
        String readme = new String(FormatTestData.resource("cadc/schemas/README.md"), StandardCharsets.UTF_8);
        java.util.Set<String> listed = new java.util.TreeSet<>();
        java.util.regex.Matcher row = java.util.regex.Pattern.compile("(?m)^\\| `([A-Z_]+)` \\|").matcher(readme);
        while (row.find()) {
            listed.add(row.group(1));
        }
        java.util.Set<String> codes = new java.util.TreeSet<>();
        for (ReasonCode code : ReasonCode.values()) {
            codes.add(code.name());
        }
        assertThat(listed).isEqualTo(codes);
    }
}
