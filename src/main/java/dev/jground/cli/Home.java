package dev.jground.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Where jground finds its weights. The launcher passes the repository as {@code -Djground.home};
 * a bare {@code java -jar} falls back to the folder above the jar's ({@code target/..}). The
 * bundled demo model also travels inside the jar, so a jar copied anywhere alone still has it:
 * then it is unpacked once into the user's cache and read from there (weights are memory-mapped,
 * which needs a file).
 */
final class Home {
    private Home() {}

    /** The bundled demo's files, as the jar holds them under {@code jground-demo/}. */
    static final List<String> DEMO_FILES = List.of("llava/config.json", "llava/model.safetensors", "llava/tokenizer.json",
            "llava/preprocessor_config.json", "llava/grounding.json", "sam/config.json", "sam/preprocessor_config.json",
            "sam/model.safetensors", "scene.png");

    /** The paper's checkpoints, where tools/fetch_weights.sh puts them. */
    static final String REAL_MODEL = "llava-1.5-7b-hf", REAL_SAM = "sam-vit-huge";

    /**
     * The checkpoints a grounding verb runs: the LLaVA folder, its tokenizer.json and the SAM
     * folder, with a line saying where they came from when they were not named.
     */
    record Models(Path llava, Path tokenizer, Path sam, String note) {}

    /**
     * --model / --sam, else $JGROUND_MODEL / $JGROUND_SAM, else the real checkpoints under
     * weights/ when fetched, else the bundled demo (a LLaVA without its SAM or the reverse is
     * refused rather than paired with a stranger).
     */
    static Models models(Options o) throws IOException {
        Path model = named(o, "model", "JGROUND_MODEL"), sam = named(o, "sam", "JGROUND_SAM");
        String note = null;
        if (model == null && Files.isDirectory(weights(REAL_MODEL))) model = weights(REAL_MODEL);
        if (sam == null && Files.isDirectory(weights(REAL_SAM))) sam = weights(REAL_SAM);
        if (model == null && sam == null) {
            Path demo = demo();
            model = demo.resolve("llava");
            sam = demo.resolve("sam");
            note = "no --model or --sam given and no " + weights(REAL_MODEL) + ": using the bundled demo, a tiny LLaVA and SAM"
                    + " trained on synthetic shapes (" + demo + ")";
        } else if (model == null || sam == null) {
            String missing = model == null ? "model" : "sam", name = model == null ? REAL_MODEL : REAL_SAM;
            throw new IOException("no --" + missing + " given and no " + weights(name) + "; tools/fetch_weights.sh " + name
                    + " downloads it, or name a checkpoint with --" + missing + " DIR");
        }
        return new Models(model, Chat.tokenizerFile(o, model), sam, note);
    }

    private static Path named(Options o, String option, String env) {
        if (o.values().containsKey(option)) return Path.of(o.get(option, ""));
        String v = System.getenv(env);
        return v == null || v.isBlank() ? null : Path.of(v);
    }

    /** The repository or install folder: -Djground.home, else the folder above the jar's, else the working directory. */
    static Path dir() {
        String home = System.getProperty("jground.home");
        if (home != null && !home.isBlank()) return Path.of(home);
        try {
            Path jar = Path.of(Home.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(jar) && jar.getParent() != null && jar.getParent().getParent() != null)
                return jar.getParent().getParent();
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            // not from a jar on a file system: the working directory it is
        }
        return Path.of("");
    }

    /** weights/NAME under the home folder. */
    static Path weights(String name) { return dir().resolve("weights").resolve(name); }

    /**
     * The demo model's folder (holding llava/, sam/ and scene.png): weights/demo under the home
     * folder when it is complete there, else the copy unpacked from the jar into the cache.
     */
    static Path demo() throws IOException {
        Path local = weights("demo");
        if (DEMO_FILES.stream().allMatch(f -> Files.isRegularFile(local.resolve(f)))) return local;
        if (Home.class.getClassLoader().getResource("jground-demo/" + DEMO_FILES.getFirst()) == null)
            throw new IOException("the bundled demo model is in neither " + local + " nor this jar; give --model and --sam");
        return unpacked();
    }

    /** The jar's demo files under the user's cache, unpacked once (into a temporary folder, then renamed). */
    private static Path unpacked() throws IOException {
        String cache = System.getenv("XDG_CACHE_HOME");
        Path root = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache");
        String version = Home.class.getPackage().getImplementationVersion();
        Path dir = root.resolve("jground").resolve("demo-" + (version == null ? "dev" : version) + "-" + demoStamp());
        if (Files.isDirectory(dir)) return dir;
        Files.createDirectories(dir.getParent());
        Path tmp = Files.createTempDirectory(dir.getParent(), ".demo-");
        try {
            for (String f : DEMO_FILES) {
                Files.createDirectories(tmp.resolve(f).getParent());
                try (InputStream in = Home.class.getClassLoader().getResourceAsStream("jground-demo/" + f)) {
                    if (in == null) throw new IOException("this jar lacks jground-demo/" + f);
                    Files.copy(in, tmp.resolve(f));
                }
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (!Files.isDirectory(dir)) throw e;     // another process unpacked it first: use theirs
        } finally {
            if (Files.exists(tmp)) try (var walk = Files.walk(tmp)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        return dir;
    }

    /**
     * Tells one build's demo from another's without reading it: the CRCs the jar keeps of every demo
     * file (a new scene.png or grounding.json with the same weights is a new demo too).
     */
    private static String demoStamp() throws IOException {
        long crc = 0;
        for (String f : DEMO_FILES) {
            java.net.URL url = Home.class.getClassLoader().getResource("jground-demo/" + f);
            if (url != null && url.openConnection() instanceof java.net.JarURLConnection jar) crc = crc * 31 + jar.getJarEntry().getCrc();
        }
        return Long.toHexString(crc);
    }
}
