package dev.cadc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The few calls of Flink's REST API that {@code cadc job --jobmanager} and the cluster tests make:
 * upload a jar and run it (its {@code main} runs on the JobManager), a job's state and failure, stop
 * with a savepoint, cancel. Plain HTTP and JSON, so the CLI does not build the job graph itself and a
 * cluster of another Flink patch version still accepts the submission.
 */
final class FlinkRestClient {

    /** A Flink REST call answered with an error status; the message carries Flink's own error text. */
    static final class RestException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RestException(String message) {
            super(message);
        }
    }

    /** A job's terminal and non-terminal states as Flink names them. */
    static final List<String> TERMINAL_STATES = List.of("FINISHED", "FAILED", "CANCELED", "SUSPENDED");

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http;

    /** @param jobManager the REST address, {@code HOST:PORT} (or a full {@code http://} URL) */
    FlinkRestClient(String jobManager) {
        String address = jobManager.trim();
        if (address.isEmpty()) {
            throw new IllegalArgumentException("--jobmanager must be HOST:PORT, got an empty value");
        }
        this.baseUrl = (address.startsWith("http://") || address.startsWith("https://") ? address : "http://" + address)
                .replaceAll("/+$", "");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    String baseUrl() {
        return baseUrl;
    }

    /** The web UI page of a job. */
    String jobPage(String jobId) {
        return baseUrl + "/#/job/running/" + jobId + "/overview";
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    /** Uploads a jar ({@code POST /jars/upload}); returns its id on the JobManager. */
    String uploadJar(Path jar) throws IOException, InterruptedException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("the job jar " + jar + " does not exist; build it with mvn -pl src/cli -am package "
                    + "(or give --jar PATH)");
        }
        String boundary = "cadc-" + UUID.randomUUID();
        byte[] head = ("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName() + "\"\r\n"
                + "Content-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        JsonNode answer = send(HttpRequest.newBuilder(uri("/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head),
                        HttpRequest.BodyPublishers.ofFile(jar), HttpRequest.BodyPublishers.ofByteArray(tail))));
        String stored = answer.path("filename").asText();
        if (stored.isEmpty()) {
            throw new RestException("the JobManager accepted the jar but named no file: " + answer);
        }
        return Path.of(stored).getFileName().toString();
    }

    /**
     * Runs an uploaded jar's main class with these arguments ({@code POST /jars/:id/run}); returns the
     * job id.
     *
     * @param savepoint a savepoint to restore, or empty
     */
    String runJar(String jarId, List<String> programArgs, int parallelism, Optional<String> savepoint)
            throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode();
        request.putPOJO("programArgsList", programArgs);
        request.put("parallelism", parallelism);
        savepoint.ifPresent(path -> {
            request.put("savepointPath", path);
            request.put("allowNonRestoredState", false);
        });
        JsonNode answer = post("/jars/" + jarId + "/run", request);
        String jobId = answer.path("jobid").asText();
        if (jobId.isEmpty()) {
            throw new RestException("the JobManager ran the jar but returned no job id: " + answer);
        }
        return jobId;
    }

    /** Removes an uploaded jar (the submitted job keeps its own copy). */
    void deleteJar(String jarId) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(uri("/jars/" + jarId)).DELETE());
    }

    /** A job's state: {@code RUNNING}, {@code FINISHED}, {@code FAILED}, ... */
    String jobState(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** The newest failure Flink recorded for a job, in one line, or a note that there is none. */
    String failureCause(String jobId) throws IOException, InterruptedException {
        JsonNode entries = get("/jobs/" + jobId + "/exceptions").path("exceptionHistory").path("entries");
        if (entries.isEmpty()) {
            return "no failure recorded";
        }
        String trace = entries.get(0).path("stacktrace").asText();
        // The innermost "Caused by:" names what went wrong; the outer ones name the restart policy.
        String cause = trace.lines().filter(line -> line.startsWith("Caused by: ")).reduce((first, second) -> second)
                .map(line -> line.substring("Caused by: ".length()))
                .orElse(trace.lines().findFirst().orElse(entries.get(0).path("exceptionName").asText()));
        return cause;
    }

    /** Waits until the job is in a terminal state; returns it. */
    String awaitTerminal(String jobId, Duration timeout, Duration poll) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String state = jobState(jobId);
            if (TERMINAL_STATES.contains(state)) {
                return state;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + jobId + " is still " + state + " after " + timeout.toSeconds() + " s");
            }
            Thread.sleep(poll.toMillis());
        }
    }

    /**
     * Stops a job with a savepoint in the canonical format (restorable with either state backend) and
     * returns the savepoint's path once it is written ({@code POST /jobs/:id/stop}, then polling the
     * trigger).
     *
     * @param targetDirectory where to write it, or empty for the cluster's savepoint directory
     */
    String stopWithSavepoint(String jobId, Optional<String> targetDirectory, Duration timeout)
            throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode();
        request.put("drain", false);
        request.put("formatType", "CANONICAL");
        targetDirectory.ifPresent(dir -> request.put("targetDirectory", dir));
        String triggerId = post("/jobs/" + jobId + "/stop", request).path("request-id").asText();
        if (triggerId.isEmpty()) {
            throw new RestException("the JobManager accepted the stop of " + jobId + " but returned no request id");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode status = get("/jobs/" + jobId + "/savepoints/" + triggerId);
            if ("COMPLETED".equals(status.path("status").path("id").asText())) {
                JsonNode operation = status.path("operation");
                if (operation.hasNonNull("location")) {
                    return operation.path("location").asText();
                }
                String cause = operation.path("failure-cause").path("stack-trace").asText(operation.toString());
                throw new IllegalStateException("the savepoint of job " + jobId + " failed: " + cause.lines().findFirst().orElse(cause));
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the savepoint of job " + jobId + " did not complete within " + timeout.toSeconds() + " s");
    }

    /** Cancels a job ({@code PATCH /jobs/:id}); a job that already ended is no error. */
    void cancel(String jobId) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(uri("/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()));
    }

    private JsonNode post(String path, JsonNode body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpRequest built = request.timeout(REQUEST_TIMEOUT).build();
        HttpResponse<String> response;
        try {
            response = http.send(built, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IOException("no Flink JobManager answers at " + baseUrl + " (" + built.method() + " " + built.uri().getPath()
                    + "); is the cluster running (./cadc cluster)?", e);
        }
        String text = response.body();
        if (response.statusCode() >= 400) {
            throw new RestException(built.method() + " " + built.uri().getPath() + " failed with HTTP " + response.statusCode()
                    + ": " + errorText(text));
        }
        return text == null || text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
    }

    /** Flink answers errors as {@code {"errors": ["...", "<stack trace>"]}}: the first line of each, joined. */
    private static String errorText(String body) {
        try {
            JsonNode errors = JSON.readTree(body).path("errors");
            if (errors.isArray() && !errors.isEmpty()) {
                StringBuilder text = new StringBuilder();
                for (JsonNode error : errors) {
                    String line = error.asText().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
                    if (!line.isEmpty() && text.indexOf(line) < 0) {
                        text.append(text.length() == 0 ? "" : "; ").append(line);
                    }
                }
                return text.toString();
            }
        } catch (IOException notJson) {
            // fall through to the raw body
        }
        return body;
    }

    private URI uri(String path) {
        return URI.create(baseUrl + path);
    }
}
