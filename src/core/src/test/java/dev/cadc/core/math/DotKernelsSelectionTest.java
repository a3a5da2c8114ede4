package dev.cadc.core.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How {@link DotKernels} picks a kernel: in this JVM, by {@link DotKernels#choose}, and in fresh JVMs. */
class DotKernelsSelectionTest {

    @Test
    void theTestJvmRunsTheVectorKernelUnlessForced() {
        assertThat(DotKernels.vector()).as("the test JVM has --add-modules jdk.incubator.vector").isPresent();
        assertThat(DotKernels.vectorUnavailableReason()).isEmpty();
        assertThat(DotKernels.scalar().vectorized()).isFalse();
        assertThat(DotKernels.vector().orElseThrow().vectorized()).isTrue();
        String property = System.getProperty(DotKernels.PROPERTY);
        if (property == null) {
            assertThat(DotKernels.vectorized()).isTrue();
            assertThat(DotKernels.active()).isSameAs(DotKernels.vector().orElseThrow());
            assertThat(DotKernels.name()).startsWith("vector-");
        } else if (property.equals("scalar")) {
            assertThat(DotKernels.vectorized()).isFalse();
        }
    }

    @Test
    void thePropertyChoosesOrForces() {
        DotKernel vector = DotKernels.vector().orElseThrow();
        DotKernel scalar = DotKernels.scalar();
        assertThat(DotKernels.choose(null, vector, null).kernel).isSameAs(vector);
        assertThat(DotKernels.choose("auto", vector, null).kernel).isSameAs(vector);
        assertThat(DotKernels.choose(" Vector ", vector, null).kernel).isSameAs(vector);
        assertThat(DotKernels.choose("scalar", vector, null).kernel).isSameAs(scalar);
        assertThat(DotKernels.choose("scalar", vector, null).description).isEqualTo("scalar (-Dcadc.kernel=scalar)");
        DotKernels.Choice fallback = DotKernels.choose(null, null, "no module");
        assertThat(fallback.kernel).isSameAs(scalar);
        assertThat(fallback.description).isEqualTo("scalar (no module)");
        assertThat(DotKernels.choose("vector", null, "no module").kernel).isNull();
        assertThat(DotKernels.choose("vectorised", vector, null).kernel).isNull();
        assertThat(DotKernels.choose("vectorised", vector, null).description).contains("auto, scalar or vector");
    }

    @Test
    void withoutTheModuleTheScalarKernelRunsAndAgrees() throws Exception {
        Probe probe = probe(List.of());
        assertThat(probe.exit).as(probe.toString()).isZero();
        assertThat(probe.stdout).contains("vectorized=false", "vectorAvailable=false", "kernel=scalar",
                "name=scalar (jdk.incubator.vector not available (java needs --add-modules jdk.incubator.vector))",
                "mismatches=0");
        assertThat(probe.stderr).doesNotContain("incubator");
    }

    @Test
    void withTheModuleTheVectorKernelRunsAndAgrees() throws Exception {
        Probe probe = probe(List.of("--add-modules", "jdk.incubator.vector"));
        assertThat(probe.exit).as(probe.toString()).isZero();
        assertThat(probe.stdout).contains("vectorized=true", "vectorAvailable=true", "kernel=vector-", "mismatches=0");
        // The JVM's own notice; cadc prints nothing.
        assertThat(probe.stderr).contains("WARNING: Using incubator modules: jdk.incubator.vector");
    }

    @Test
    void thePropertyForcesTheScalarKernelDespiteTheModule() throws Exception {
        Probe probe = probe(List.of("--add-modules", "jdk.incubator.vector", "-Dcadc.kernel=scalar"));
        assertThat(probe.exit).as(probe.toString()).isZero();
        assertThat(probe.stdout).contains("name=scalar (-Dcadc.kernel=scalar)", "vectorized=false",
                "vectorAvailable=true", "kernel=scalar", "mismatches=0");
    }

    @Test
    void requiringTheVectorKernelWithoutTheModuleFails() throws Exception {
        Probe probe = probe(List.of("-Dcadc.kernel=vector"));
        assertThat(probe.exit).as(probe.toString()).isEqualTo(3);
        assertThat(probe.stdout).contains("error=-Dcadc.kernel=vector, but jdk.incubator.vector not available");
    }

    @Test
    void activeThrowsOnlyWhenNoKernelMayBeUsed() {
        assertThatThrownBy(() -> {
            DotKernels.Choice none = DotKernels.choose("x", null, "n/a");
            if (none.kernel == null) {
                throw new IllegalStateException(none.description);
            }
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("not 'x'");
    }

    private record Probe(int exit, String stdout, String stderr) {}

    private static Probe probe(List<String> jvmOptions) throws IOException, InterruptedException, URISyntaxException {
        String classPath = location(DotKernels.class) + File.pathSeparator + location(KernelProbe.class);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xshare:auto");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath);
        command.add(KernelProbe.class.getName());
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("probe JVM did not finish: " + command);
        }
        return new Probe(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    private static String location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
