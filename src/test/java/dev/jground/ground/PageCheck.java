package dev.jground.ground;

import dev.jground.io.Json;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A result page opened in headless Chromium and driven over the Chrome DevTools Protocol, with
 * only the JDK (java.net.http's WebSocket) and our JSON: it loads the page as a file, records
 * every console error, uncaught exception and failed load, clicks buttons, reads the DOM and takes
 * screenshots. {@link #check} is the whole check of a result directory; {@code main} runs it for
 * tools/check_page.sh.
 */
public final class PageCheck implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Process browser;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final List<String> errors = new ArrayList<>();
    private volatile CompletableFuture<Void> loaded = new CompletableFuture<>();

    /** Starts Chromium with a fresh profile and attaches to its blank page. */
    public static PageCheck launch() throws IOException {
        if (!Files.isExecutable(CHROMIUM)) throw new IOException(CHROMIUM + " not found: install chromium (apt-get install chromium)");
        Path profile = Files.createTempDirectory("jground-chromium-");
        Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                "--window-size=1200,900", "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank")
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            return new PageCheck(p, profile);
        } catch (IOException | RuntimeException e) {
            kill(p);
            ResultFiles.deleteTree(profile);
            throw e;
        }
    }

    private PageCheck(Process browser, Path profile) throws IOException {
        this.browser = browser;
        this.profile = profile;
        int port = devToolsPort();
        HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();
        this.socket = http.newWebSocketBuilder().connectTimeout(WAIT)
                .buildAsync(URI.create(pageSocket(http, port)), new Listener()).join();
        send("Runtime.enable", Map.of());
        send("Log.enable", Map.of());
        send("Page.enable", Map.of());
    }

    /** Port from the DevToolsActivePort file Chromium writes into its profile once it listens. */
    private int devToolsPort() throws IOException {
        Path file = profile.resolve("DevToolsActivePort");
        long until = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < until) {
            if (!browser.isAlive()) throw new IOException("chromium exited (" + browser.exitValue() + "): " + logTail());
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (!lines.isEmpty() && !lines.getFirst().isBlank()) return Integer.parseInt(lines.getFirst().trim());
            }
            sleep(50);
        }
        throw new IOException("chromium wrote no DevToolsActivePort in " + WAIT.toSeconds() + " s: " + logTail());
    }

    /** The WebSocket of the first page target, from http://127.0.0.1:port/json/list. */
    private String pageSocket(HttpClient http, int port) throws IOException {
        long until = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < until) {
            HttpResponse<String> r;
            try {
                r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).timeout(WAIT).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            for (Object t : (List<?>) Json.parse(r.body()))
                if (t instanceof Map<?, ?> target && "page".equals(target.get("type")))
                    return (String) target.get("webSocketDebuggerUrl");
            sleep(100);
        }
        throw new IOException("chromium on port " + port + " lists no page target");
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder message = new StringBuilder();

        @Override public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                handle(message.toString());
                message.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override public void onError(WebSocket ws, Throwable error) {
            pending.values().forEach(f -> f.completeExceptionally(error));
        }
    }

    @SuppressWarnings("unchecked")
    private void handle(String text) {
        Map<String, Object> msg = (Map<String, Object>) Json.parse(text, "devtools", false);
        if (msg.get("id") instanceof Long id) {
            CompletableFuture<Map<String, Object>> f = pending.remove(id.intValue());
            if (f != null) f.complete(msg);
            return;
        }
        Map<String, Object> params = (Map<String, Object>) msg.getOrDefault("params", Map.of());
        switch (String.valueOf(msg.get("method"))) {
            case "Page.loadEventFired" -> loaded.complete(null);
            case "Runtime.exceptionThrown" -> error("uncaught " + params.get("exceptionDetails"));
            case "Runtime.consoleAPICalled" -> {
                if ("error".equals(params.get("type")) || "assert".equals(params.get("type"))) error("console." + params.get("type") + " " + params.get("args"));
            }
            case "Log.entryAdded" -> {
                Map<String, Object> entry = (Map<String, Object>) params.get("entry");
                if ("error".equals(entry.get("level"))) error(entry.get("source") + ": " + entry.get("text") + " " + entry.getOrDefault("url", ""));
            }
            default -> { }
        }
    }

    private synchronized void error(String what) { errors.add(what); }

    /** Console errors, uncaught exceptions and failed loads since the page was opened. */
    public synchronized List<String> errors() { return List.copyOf(errors); }

    /** Sends one DevTools command and waits for its result. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> send(String method, Map<String, Object> params) throws IOException {
        int id = ids.incrementAndGet();
        CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
        pending.put(id, reply);
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("id", id);
        msg.put("method", method);
        msg.put("params", params);
        socket.sendText(Json.write(msg), true).join();
        Map<String, Object> r;
        try {
            r = reply.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException(method + ": no reply from chromium (" + e + ")", e);
        }
        if (r.get("error") instanceof Map<?, ?> err) throw new IOException(method + ": " + err.get("message"));
        return (Map<String, Object>) r.getOrDefault("result", Map.of());
    }

    /** Navigates to the file and waits for its load event (every image in it loaded or failed); errors start afresh. */
    public void open(Path file) throws IOException {
        synchronized (this) {
            errors.clear();
        }
        loaded = new CompletableFuture<>();
        send("Page.navigate", Map.of("url", file.toAbsolutePath().toUri().toString()));
        try {
            loaded.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException(file + ": no load event in " + WAIT.toSeconds() + " s", e);
        }
        frames();
    }

    /** Evaluates a JavaScript expression in the page (promises awaited) and returns its value as JSON reads it. */
    public Object eval(String expression) throws IOException {
        Map<String, Object> r = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (r.get("exceptionDetails") != null) throw new IOException("page script failed: " + expression + ": " + r.get("exceptionDetails"));
        return ((Map<?, ?>) r.get("result")).get("value");
    }

    /** Waits until the page has painted twice, so a screenshot shows what the last DOM change did. */
    public void frames() throws IOException {
        eval("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))");
    }

    /** The viewport as pixels. */
    public BufferedImage screenshot() throws IOException {
        String png = (String) send("Page.captureScreenshot", Map.of("format", "png")).get("data");
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(png)));
    }

    /**
     * Checks a result directory's index.html: it loads without console errors, every image on it
     * loads, and for every phrase the answer's phrase button shows its mask, the heat button its
     * heat map (the picture changes where the image is, and changes back on a second click).
     * Returns what went wrong, empty when nothing did.
     */
    public List<String> check(Path dir) throws IOException {
        List<String> problems = new ArrayList<>();
        List<?> phrases = (List<?>) ((Map<?, ?>) Json.parse(dir.resolve(ResultFiles.JSON))).get("phrases");
        open(dir.resolve(ResultFiles.PAGE));
        Object broken = eval("[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'))");
        if (!((List<?>) broken).isEmpty()) problems.add("images that did not load: " + broken);
        Object layers = eval("document.querySelectorAll('.layer').length");
        if (((Long) layers).intValue() != 2 * phrases.size())
            problems.add(layers + " layers on the page for " + phrases.size() + " phrases in " + ResultFiles.JSON);
        for (int n = 1; n <= phrases.size(); n++) {
            problems.addAll(toggles("mask", n, "button.toggle.mask[data-n=\"" + n + "\"]"));
            problems.addAll(toggles("heat", n, "button.toggle.heat[data-n=\"" + n + "\"]"));
        }
        for (String e : errors()) problems.add("console: " + e);
        return problems;
    }

    /** Clicks the first button matching selector twice: layer kind-n must show and the image change, then hide and change back. */
    List<String> toggles(String kind, int n, String selector) throws IOException {
        List<String> problems = new ArrayList<>();
        String layer = "document.getElementById('" + kind + "-" + n + "')", button = "document.querySelector('" + selector + "')";
        String what = kind + " " + n;
        if (!Boolean.TRUE.equals(eval(button + " !== null && " + layer + " !== null"))) return List.of(what + ": no button or no layer");
        if (Boolean.TRUE.equals(eval(layer + ".checkVisibility()"))) problems.add(what + ": shown before any click");
        BufferedImage before = stage();
        eval(button + ".click()");
        frames();
        if (!Boolean.TRUE.equals(eval(layer + ".checkVisibility()"))) problems.add(what + ": not shown after a click");
        if (!"true".equals(eval(button + ".getAttribute('aria-pressed')"))) problems.add(what + ": button not pressed after a click");
        BufferedImage shown = stage();
        if (samePixels(before, shown)) problems.add(what + ": the image looks the same after a click");
        eval(button + ".click()");
        frames();
        if (Boolean.TRUE.equals(eval(layer + ".checkVisibility()"))) problems.add(what + ": still shown after a second click");
        if (!samePixels(before, stage())) problems.add(what + ": the image did not go back after a second click");
        return problems;
    }

    /** The part of a screenshot where the image and its layers are. */
    BufferedImage stage() throws IOException {
        List<?> r = (List<?>) eval("(() => { const b = document.querySelector('.stage').getBoundingClientRect(); "
                + "const d = devicePixelRatio; return [b.left * d, b.top * d, b.width * d, b.height * d].map(Math.round); })()");
        BufferedImage shot = screenshot();
        int x = ((Long) r.get(0)).intValue(), y = ((Long) r.get(1)).intValue();
        int w = Math.min(((Long) r.get(2)).intValue(), shot.getWidth() - x), h = Math.min(((Long) r.get(3)).intValue(), shot.getHeight() - y);
        return shot.getSubimage(x, y, w, h);
    }

    static boolean samePixels(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) return false;
        for (int y = 0; y < a.getHeight(); y++)
            for (int x = 0; x < a.getWidth(); x++) if (a.getRGB(x, y) != b.getRGB(x, y)) return false;
        return true;
    }

    @Override public void close() throws IOException {
        socket.abort();
        kill(browser);
        ResultFiles.deleteTree(profile);
    }

    /** Ends the browser and the helper processes (zygote, renderers) it started, by id, and waits for them. */
    private static void kill(Process browser) {
        List<ProcessHandle> all = browser.descendants().toList();
        browser.destroyForcibly();
        all.forEach(ProcessHandle::destroyForcibly);
        try {
            browser.waitFor(10, TimeUnit.SECONDS);
            for (ProcessHandle h : all) h.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // a helper that outlives this wait has lost its parent and ends by itself
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(profile.resolve("chromium.log"));
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** tools/check_page.sh: {@code PageCheck RESULT_DIR}; exit 0 when the page passes, 1 when it does not. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: PageCheck RESULT_DIR");
            System.exit(2);
        }
        List<String> problems;
        try (PageCheck page = launch()) {
            problems = page.check(Path.of(args[0]));
        }
        problems.forEach(p -> System.out.println("FAIL " + p));
        System.out.println(problems.isEmpty() ? "page check: passed" : "page check: " + problems.size() + " problems");
        System.exit(problems.isEmpty() ? 0 : 1);
    }
}
