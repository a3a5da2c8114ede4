package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.apache.logging.log4j.Level;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quick demo, headless, end to end (real broker, real Flink, DJL trainer): it exits 0, the trainer
 * consumed at least two curriculum versions, and the report exists; then headless Chromium opens the
 * report, every plot loads, nothing overflows sideways, no debug text shows, and the screenshot is not blank.
 */
class DemoITCase {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void theQuickDemoRunsEndToEndAndItsReportRendersInABrowser(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.exists(dev.cadc.trainer.vqa.DatasetDescriptor.FASHION_MNIST.trainImages()),
                "dataset-fashion-mnist is installed by .ci/run");
        Path report = dir.resolve("cadc-report");
        StringWriter out = new StringWriter();
        picocli.CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));
        int exit;
        List<String> shown;
        try (CapturedLogs logs = new CapturedLogs(Level.INFO)) {
            exit = commandLine.execute("demo", "--quick", "--web-port", "0", "--report-dir", report.toString());
            shown = logs.shown();
        }
        // A normal stop logs no stack trace (issue 15: the cancelled job's checkpoint used to end the demo with one).
        assertThat(shown).as("log lines the demo shows").noneMatch(line -> line.contains("\n\tat "));

        assertThat(exit).as(out.toString()).isZero();
        Matcher versions = Pattern.compile("versions consumed: \\[([0-9, ]+)\\]").matcher(out.toString());
        assertThat(versions.find()).as(out.toString()).isTrue();
        assertThat(versions.group(1).split(",\\s*").length).as("curriculum versions consumed").isGreaterThanOrEqualTo(2);
        for (String file : new String[] {"index.html", "capabilities.png", "curriculum.png", "accuracy.png", "influence.png"}) {
            assertThat(report.resolve(file)).isNotEmptyFile();
        }

        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "Debian chromium is installed by .ci/run");
        String dom = chromium(dir, "--dump-dom", "--window-size=1100,2400", report.resolve("index.html").toUri().toString());
        assertThat(dom).contains("data-images-loaded=\"4/4\"").contains("data-overflow=\"none\"").doesNotContain("images loaded");
        Path screenshot = dir.resolve("report.png");
        chromium(dir, "--screenshot=" + screenshot, "--window-size=1100,2400", report.resolve("index.html").toUri().toString());
        BufferedImage image = ImageIO.read(screenshot.toFile());
        assertThat(image.getWidth()).isEqualTo(1100);
        assertThat(distinctColours(image)).as("a rendered page, not a blank one").isGreaterThan(20);
    }

    private static String chromium(Path dir, String... arguments) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(CHROMIUM.toString(), "--headless",
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--allow-file-access-from-files",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile")));
        command.addAll(java.util.List.of(arguments));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        return new String(output, StandardCharsets.UTF_8);
    }

    private static long distinctColours(BufferedImage image) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 7) {
            for (int x = 0; x < image.getWidth(); x += 7) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
