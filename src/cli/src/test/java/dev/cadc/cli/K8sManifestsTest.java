package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.core.topic.TopicSpec;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.job.CadcCurationJob;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The manifests in {@code k8s/} checked against the code they deploy (no Kubernetes here: see
 * k8s/README.md): the job jar where the Dockerfile puts it, the job's parameters valid and consistent
 * with the deployment's settings, the topics as the code creates them, non-root pods with a writable
 * checkpoint volume, an upgrade mode with its reason, Kubernetes HA, metrics scraped, no credentials in
 * clear.
 */
class K8sManifestsTest {

    private static final Pattern COPY = Pattern.compile("(?m)^COPY\\s+(?:--\\S+\\s+)*(\\S+)\\s+(\\S+)\\s*$");
    private static final Pattern FROM = Pattern.compile("(?m)^FROM\\s+flink:(\\S+?)-java(\\d+)\\s*$");
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(password|secret|token|credential|access-key|api-key|sasl\\.jaas).*");

    private static Path k8s;
    private static List<JsonNode> documents;

    @BeforeAll
    static void readManifests() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("k8s"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("a k8s/ directory above " + Path.of("").toAbsolutePath()).isNotNull();
        k8s = dir.resolve("k8s");
        documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(k8s)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class).readValues(file.toFile())) {
                    while (docs.hasNext()) {
                        JsonNode doc = docs.next();
                        if (doc != null && !doc.isEmpty()) {
                            documents.add(doc);
                        }
                    }
                }
            }
        }
    }

    @Test
    void theJarUriIsWhereTheDockerfileCopiesTheShadedJobJar() throws IOException {
        String dockerfile = Files.readString(k8s.resolve("Dockerfile"));
        Matcher copy = COPY.matcher(dockerfile);
        assertThat(copy.find()).as("a COPY line in k8s/Dockerfile").isTrue();
        JsonNode job = flinkDeployment().path("spec").path("job");

        assertThat(job.path("jarURI").asText()).isEqualTo("local://" + copy.group(2));
        assertThat(job.path("entryClass").asText()).isEqualTo(CadcCurationJob.class.getName());
        // The build (flink-jobs packages before this module tests) made the plain jar and the shaded one;
        // the COPY source must name the shaded one alone, and that jar must run the entry class.
        var glob = FileSystems.getDefault().getPathMatcher("glob:" + copy.group(1));
        Path root = k8s.getParent();
        List<Path> built;
        try (Stream<Path> jars = Files.list(root.resolve("flink-jobs/target"))) {
            built = jars.filter(jar -> jar.getFileName().toString().endsWith(".jar")).toList();
        }
        List<Path> copied = built.stream().filter(jar -> glob.matches(root.relativize(jar))).toList();
        assertThat(copied).as("of the built jars %s, COPY %s takes exactly the shaded one", built, copy.group(1)).hasSize(1);
        try (JarFile jar = new JarFile(copied.get(0).toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo(CadcCurationJob.class.getName());
            assertThat(jar.getEntry(CadcCurationJob.class.getName().replace('.', '/') + ".class")).isNotNull();
            assertThat(jar.getEntry("org/apache/flink/connector/kafka/source/KafkaSource.class")).as("the Kafka connector, shaded in").isNotNull();
        }

        Matcher from = FROM.matcher(dockerfile);
        assertThat(from.find()).as("FROM flink:VERSION-javaN in k8s/Dockerfile").isTrue();
        assertThat(from.group(1)).as("the image's Flink").isEqualTo(EnvironmentInformation.getVersion());
        assertThat(Integer.parseInt(from.group(2))).as("the image's Java").isGreaterThanOrEqualTo(17);
    }

    @Test
    void theJobArgumentsAreValidAndAgreeWithTheDeployment() throws IOException {
        JsonNode spec = flinkDeployment().path("spec");
        List<String> args = new ArrayList<>();
        spec.path("job").path("args").forEach(arg -> args.add(arg.asText()));
        // --kafka-config names a file mounted from a Secret of k8s/: read it from that Secret here.
        int kafkaConfig = args.indexOf("--kafka-config");
        assertThat(kafkaConfig).as("the job takes its Kafka client settings from a file (a Secret)").isNotNegative();
        args.set(kafkaConfig + 1, secretFile(spec, args.get(kafkaConfig + 1)).toString());
        JobConfig config = JobConfig.fromArgs(args.toArray(String[]::new));
        JsonNode flink = spec.path("flinkConfiguration");

        assertThat(spec.path("job").path("parallelism").asInt()).as("spec.job.parallelism = --parallelism").isEqualTo(config.parallelism);
        assertThat(flink.path("pipeline.max-parallelism").asInt()).isEqualTo(CadcCurationJob.MAX_PARALLELISM);
        assertThat(config.parallelism).isLessThanOrEqualTo(CadcCurationJob.MAX_PARALLELISM);
        assertThat(flink.path("state.backend.type").asText()).as("state.backend.type = --state-backend").isEqualTo(config.stateBackend);
        assertThat(config.bootstrap).as("--bootstrap: the Strimzi cluster's bootstrap service")
                .startsWith(kafkaCluster() + "-kafka-bootstrap:");
        assertThat(flink.path("env.java.opts.all").asText()).contains("--add-opens=java.base/java.nio=ALL-UNNAMED");
        assertThat(flink.path("env.java.opts.taskmanager").asText()).as("the TaskManagers' collector, as `cadc cluster` starts them")
                .isEqualTo(FlinkSessionCluster.TASK_MANAGER_GC);
    }

    @Test
    void theTopicsAreTheCodesTopicSpecs() {
        List<JsonNode> topics = ofKind("KafkaTopic");
        for (TopicSpec expected : CadcTopics.all(CadcTopics.DEFAULT_SKETCH_PARTITIONS)) {
            JsonNode topic = topics.stream().filter(t -> t.path("spec").path("topicName").asText().equals(expected.name())).findFirst()
                    .orElseThrow(() -> new AssertionError("k8s/topics.yaml has no KafkaTopic for " + expected.name()));
            JsonNode spec = topic.path("spec");
            assertThat(spec.path("partitions").asInt()).as(expected.name() + " partitions").isEqualTo(expected.partitions());
            for (Map.Entry<String, String> setting : expected.configs().entrySet()) {
                assertThat(spec.path("config").path(setting.getKey()).asText()).as(expected.name() + " " + setting.getKey())
                        .isEqualTo(setting.getValue());
            }
            assertThat(spec.path("config").has("cleanup.policy")).as(expected.name() + " cleanup.policy set only where the code sets it")
                    .isEqualTo(expected.configs().containsKey("cleanup.policy"));
            assertThat(topic.path("metadata").path("labels").path("strimzi.io/cluster").asText()).isEqualTo(kafkaCluster());
        }
        assertThat(topics).hasSameSizeAs(CadcTopics.all(CadcTopics.DEFAULT_SKETCH_PARTITIONS));
    }

    @Test
    void podsRunAsNonRootWithAWritableCheckpointVolume() {
        JsonNode pod = flinkDeployment().path("spec").path("podTemplate").path("spec");
        JsonNode security = pod.path("securityContext");

        assertThat(security.path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(security.path("runAsUser").asInt(0)).as("runAsUser").isPositive();
        assertThat(security.path("fsGroup").asInt(0)).as("fsGroup: the volume writable for that user").isPositive();
        JsonNode mount = pod.path("containers").get(0).path("volumeMounts").get(0);
        String dataDir = "file://" + mount.path("mountPath").asText() + "/";
        JsonNode flink = flinkDeployment().path("spec").path("flinkConfiguration");
        for (String key : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir", "high-availability.storageDir")) {
            assertThat(flink.path(key).asText()).as(key + " on the mounted volume").startsWith(dataDir);
        }
        for (JsonNode pool : ofKind("KafkaNodePool")) {
            assertThat(pool.path("spec").path("template").path("pod").path("securityContext").path("runAsNonRoot").asBoolean())
                    .as("KafkaNodePool " + pool.path("metadata").path("name").asText() + " runAsNonRoot").isTrue();
        }
    }

    @Test
    void theUpgradeModeIsChosenWithItsReasonAndHighAvailabilityIsOnKubernetes() throws IOException {
        JsonNode spec = flinkDeployment().path("spec");
        assertThat(spec.path("job").path("upgradeMode").asText()).isIn("savepoint", "last-state");
        List<String> lines = Files.readAllLines(k8s.resolve("flink-deployment.yaml"));
        int upgradeLine = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().startsWith("upgradeMode:")) {
                upgradeLine = i;
            }
        }
        assertThat(upgradeLine).as("an upgradeMode line").isPositive();
        assertThat(lines.get(upgradeLine - 1).trim()).as("the reason for the upgrade mode, in a comment above it").startsWith("#");

        JsonNode flink = spec.path("flinkConfiguration");
        assertThat(flink.path("high-availability.type").asText()).isEqualTo("kubernetes");
        assertThat(flink.path("high-availability.storageDir").asText()).isNotBlank();
    }

    @Test
    void prometheusScrapesEveryFlinkPod() {
        JsonNode spec = flinkDeployment().path("spec");
        JsonNode flink = spec.path("flinkConfiguration");
        String port = flink.path("metrics.reporter.prom.port").asText();

        assertThat(flink.path("metrics.reporter.prom.factory.class").asText())
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        JsonNode annotations = spec.path("podTemplate").path("metadata").path("annotations");
        assertThat(annotations.path("prometheus.io/scrape").asText()).isEqualTo("true");
        assertThat(annotations.path("prometheus.io/port").asText()).isEqualTo(port);
        JsonNode containerPort = spec.path("podTemplate").path("spec").path("containers").get(0).path("ports").get(0);
        assertThat(containerPort.path("containerPort").asText()).isEqualTo(port);
        JsonNode podMonitor = ofKind("PodMonitor").get(0).path("spec");
        assertThat(podMonitor.path("selector").path("matchLabels").path("app").asText())
                .isEqualTo(flinkDeployment().path("metadata").path("name").asText());
        assertThat(podMonitor.path("podMetricsEndpoints").get(0).path("port").asText()).isEqualTo(containerPort.path("name").asText());
    }

    /** Nothing that names a password, secret, token or key holds a literal value: env values come from Secrets. */
    @Test
    void credentialsComeFromSecrets() {
        List<String> problems = new ArrayList<>();
        for (JsonNode document : documents) {
            if ("Secret".equals(document.path("kind").asText())) {
                continue; // where credentials belong (the one here holds none: PLAINTEXT settings)
            }
            walk(document, "", (path, node) -> {
                if (path.endsWith(".env") && node.isArray()) {
                    for (JsonNode variable : node) {
                        if (SECRET_NAME.matcher(variable.path("name").asText()).matches() && variable.has("value")) {
                            problems.add(path + " " + variable.path("name").asText() + " has a literal value; use valueFrom.secretKeyRef");
                        }
                    }
                } else if (node.isValueNode() && SECRET_NAME.matcher(lastKey(path)).matches() && !node.asText().startsWith("${")
                        && !lastKey(path).equals("secretName")) {
                    problems.add(path + " holds a literal credential; reference a Secret");
                }
            });
        }
        assertThat(problems).isEmpty();
    }

    /**
     * The file a pod sees at {@code path}: it must lie in a volume mount of the pod template whose volume
     * is a Secret defined in k8s/ with that key; its content is written to a temporary file.
     */
    private static java.nio.file.Path secretFile(JsonNode spec, String path) throws IOException {
        JsonNode pod = spec.path("podTemplate").path("spec");
        for (JsonNode container : pod.path("containers")) {
            for (JsonNode mount : container.path("volumeMounts")) {
                String at = mount.path("mountPath").asText() + "/";
                if (!path.startsWith(at)) {
                    continue;
                }
                String key = path.substring(at.length());
                for (JsonNode volume : pod.path("volumes")) {
                    if (volume.path("name").asText().equals(mount.path("name").asText())) {
                        String secretName = volume.path("secret").path("secretName").asText();
                        assertThat(secretName).as(path + " comes from a Secret volume").isNotEmpty();
                        JsonNode secret = ofKind("Secret").stream()
                                .filter(doc -> secretName.equals(doc.path("metadata").path("name").asText()))
                                .findFirst().orElseThrow(() -> new AssertionError("no Secret " + secretName + " in k8s/"));
                        String content = secret.path("stringData").path(key).asText(null);
                        assertThat(content).as("Secret " + secretName + " has key " + key).isNotNull();
                        java.nio.file.Path file = java.nio.file.Files.createTempFile("k8s-" + key, ".properties");
                        file.toFile().deleteOnExit();
                        return java.nio.file.Files.writeString(file, content);
                    }
                }
            }
        }
        throw new AssertionError(path + " is not in any volume mount of the pod template");
    }

    private static JsonNode flinkDeployment() {
        List<JsonNode> deployments = ofKind("FlinkDeployment");
        assertThat(deployments).hasSize(1);
        return deployments.get(0);
    }

    private static String kafkaCluster() {
        List<JsonNode> clusters = ofKind("Kafka");
        assertThat(clusters).hasSize(1);
        return clusters.get(0).path("metadata").path("name").asText();
    }

    private static List<JsonNode> ofKind(String kind) {
        return documents.stream().filter(doc -> kind.equals(doc.path("kind").asText())).toList();
    }

    private interface Visitor {
        void visit(String path, JsonNode node);
    }

    private static void walk(JsonNode node, String path, Visitor visitor) {
        visitor.visit(path, node);
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                walk(field.getValue(), path + "." + field.getKey(), visitor);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "[" + i + "]", visitor);
            }
        }
    }

    private static String lastKey(String path) {
        String last = path.substring(path.lastIndexOf('.') + 1);
        return last.contains("[") ? last.substring(0, last.indexOf('[')) : last;
    }
}
