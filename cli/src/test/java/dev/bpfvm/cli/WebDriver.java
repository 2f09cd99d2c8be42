package dev.bpfvm.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A headless Debian chromium driven through chromedriver's W3C WebDriver HTTP API with
 * {@link java.net.http.HttpClient} (no WebDriver library). Every request and wait is bounded; {@link #close}
 * deletes the session, kills chromedriver and every browser process it started, and deletes the fresh
 * profile directory.
 */
final class WebDriver implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String INSTALL_HINT = "the browser test needs Debian's chromium and chromedriver: "
            + "apt-get install -y chromium chromium-driver (.ci/run installs them when it can)";

    /** The W3C key of an element reference in a response. */
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Process driver;
    private final Path profile;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private String session;

    /** Whether this machine has the browser and its driver. */
    static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    WebDriver() throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        profile = Files.createTempDirectory("bpfvm-chromium-");
        base = "http://127.0.0.1:" + port;
        driver = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            awaitReady();
            String args = String.join(", ", List.of("\"--headless\"", "\"--no-sandbox\"", "\"--disable-gpu\"",
                    "\"--disable-quic\"", "\"--no-first-run\"", "\"--disable-background-networking\"",
                    "\"--disable-component-update\"", "\"--disable-sync\"", "\"--window-size=1400,1000\"",
                    json("--user-data-dir=" + profile)));
            Object r = post("/session", "{\"capabilities\": {\"alwaysMatch\": {\"browserName\": \"chrome\", "
                    + "\"goog:chromeOptions\": {\"binary\": " + json(CHROMIUM.toString()) + ", \"args\": [" + args
                    + "]}}}}");
            session = (String) ((Map<?, ?>) r).get("sessionId");
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void awaitReady() throws InterruptedException, IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!driver.isAlive()) {
                throw new IOException("chromedriver exited with " + driver.exitValue());
            }
            try {
                Object v = request("GET", "/status", null);
                if (v instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("ready"))) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IOException("chromedriver not ready after " + START_TIMEOUT.toSeconds() + " s", last);
    }

    void open(Path file) throws IOException, InterruptedException {
        post(sessionPath("/url"), "{\"url\": " + json(file.toUri().toString()) + "}");
    }

    /** The element matching a CSS selector (an error when there is none). */
    String find(String css) throws IOException, InterruptedException {
        Object v = post(sessionPath("/element"), "{\"using\": \"css selector\", \"value\": " + json(css) + "}");
        return (String) ((Map<?, ?>) v).get(ELEMENT);
    }

    /** A real click: the driver moves the pointer to the element's centre and presses the button. */
    void click(String element) throws IOException, InterruptedException {
        post(sessionPath("/element/" + element + "/click"), "{}");
    }

    /** The element's rendered text, as a user sees it. */
    String text(String element) throws IOException, InterruptedException {
        return (String) request("GET", sessionPath("/element/" + element + "/text"), null);
    }

    String attribute(String element, String name) throws IOException, InterruptedException {
        return (String) request("GET", sessionPath("/element/" + element + "/attribute/" + name), null);
    }

    /** Presses and releases a key (a WebDriver key code such as {@code \uE015} for ArrowDown). */
    void press(String key) throws IOException, InterruptedException {
        post(sessionPath("/actions"), "{\"actions\": [{\"type\": \"key\", \"id\": \"keyboard\", \"actions\": ["
                + "{\"type\": \"keyDown\", \"value\": " + json(key) + "}, {\"type\": \"keyUp\", \"value\": "
                + json(key) + "}]}]}");
    }

    /** Runs a script in the page and gives its (string, number, boolean or null) result. */
    Object script(String body) throws IOException, InterruptedException {
        return post(sessionPath("/execute/sync"), "{\"script\": " + json(body) + ", \"args\": []}");
    }

    private String sessionPath(String p) {
        return "/session/" + session + p;
    }

    private Object post(String path, String body) throws IOException, InterruptedException {
        return request("POST", path, body);
    }

    private Object request(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json; charset=utf-8");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        Object parsed = new Parser(r.body()).value();
        Object value = parsed instanceof Map<?, ?> m ? m.get("value") : null;
        if (r.statusCode() != 200) {
            String msg = value instanceof Map<?, ?> m ? m.get("error") + ": " + m.get("message") : r.body();
            throw new IOException(method + " " + path + ": HTTP " + r.statusCode() + ": " + msg);
        }
        return value;
    }

    @Override
    public void close() {
        try {
            if (session != null) {
                request("DELETE", sessionPath(""), null);
            }
        } catch (IOException | RuntimeException e) {
            // the processes are killed below anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            session = null;
            List<ProcessHandle> all = new ArrayList<>(driver.descendants().toList());
            all.add(driver.toHandle());
            for (ProcessHandle p : all) {
                p.destroyForcibly();
            }
            for (ProcessHandle p : all) {
                try {
                    p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    // bounded: a process that does not die in time is left to the OS
                }
            }
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    static String json(String s) {
        return ObjectRuns.json(s);
    }

    /** A small JSON reader for the driver's responses: maps, lists, strings, numbers, booleans, null. */
    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Object value() {
            ws();
            if (i >= s.length()) {
                return null;
            }
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    Map<String, Object> m = new LinkedHashMap<>();
                    i++;
                    ws();
                    if (s.charAt(i) == '}') {
                        i++;
                        return m;
                    }
                    for (;;) {
                        ws();
                        String k = string();
                        ws();
                        i++; // ':'
                        m.put(k, value());
                        ws();
                        if (s.charAt(i++) == '}') {
                            return m;
                        }
                    }
                }
                case '[': {
                    List<Object> l = new ArrayList<>();
                    i++;
                    ws();
                    if (s.charAt(i) == ']') {
                        i++;
                        return l;
                    }
                    for (;;) {
                        l.add(value());
                        ws();
                        if (s.charAt(i++) == ']') {
                            return l;
                        }
                    }
                }
                case '"':
                    return string();
                case 't':
                    i += 4;
                    return Boolean.TRUE;
                case 'f':
                    i += 5;
                    return Boolean.FALSE;
                case 'n':
                    i += 4;
                    return null;
                default: {
                    int start = i;
                    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                        i++;
                    }
                    return Double.parseDouble(s.substring(start, i));
                }
            }
        }

        private String string() {
            StringBuilder sb = new StringBuilder();
            i++; // opening quote
            for (;;) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> sb.append(e);
                }
            }
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }
    }
}
