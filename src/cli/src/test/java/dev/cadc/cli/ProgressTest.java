package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Bars only on a terminal; plain lines otherwise; curriculum lines always stay. */
class ProgressTest {

    @Test
    void aStepStatusGetsABarOnATerminal() {
        assertThat(Progress.withBar("stage 1: step 15/30, loss 0.5")).startsWith("[###############...............] stage 1");
        assertThat(Progress.withBar("no steps here")).isEqualTo("no steps here");
    }

    @Test
    void offATerminalThereAreNoBarsAndCurriculumLinesAlwaysPrint() {
        StringWriter text = new StringWriter();
        Progress progress = new Progress(new PrintWriter(text), false);
        progress.update("stage 1: step 1/30, loss 0.5");
        progress.update("stage 1: step 2/30, loss 0.5");
        progress.update("curriculum version 3: 300 samples in 3 stages");
        assertThat(text.toString()).doesNotContain("[#").doesNotContain("\r")
                .contains("curriculum version 3: 300 samples")
                .contains("step 1/30").doesNotContain("step 2/30");
    }
}
