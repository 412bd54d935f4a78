package dev.jground.cli;

import dev.jground.eval.CocoDataset;
import dev.jground.eval.InstanceScores;
import dev.jground.ground.Evaluation;
import dev.jground.ground.Grounder;
import dev.jground.image.ImageFiles;
import dev.jground.io.Json;
import dev.jground.io.JsonObject;
import dev.jground.nn.Backend;
import dev.jground.text.ChatTemplate;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jground eval --annotations FILE --images DIR ...}: attend-and-segment as instance
 * segmentation on a COCO-format dataset (aas-spec §4.1). One answer per image, read out under
 * every {@link Evaluation.Variant}; progress per image on stderr; a table of all variants and the
 * random-point baseline on stdout, ending with one line for the variant --heads chooses; the
 * JSON report written all at once at the end, or not at all.
 */
final class Eval {
    private Eval() {}

    static int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
        Options o = Options.parse(args, List.of("annotations", "images", "model", "sam", "tokenizer", "limit", "max-tokens",
                "prompt", "heads", "offset", "out", "threads", "seed", "template", "backend", "device"), List.of("normalize", "no-normalize"));
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().getFirst() + "'");
        Path annotations = Path.of(o.required("annotations")), imageDir = Path.of(o.required("images"));
        String prompt = o.get("prompt", Chat.DEFAULT_PROMPT);
        if (prompt.isBlank()) throw new UsageException("--prompt is empty");
        int limit = o.integer("limit", Integer.MAX_VALUE);
        if (limit < 1) throw new UsageException("--limit must be at least 1, got " + limit);
        long seed;
        try {
            seed = Long.parseLong(o.get("seed", "0"));
        } catch (NumberFormatException e) {
            throw new UsageException("--seed expects an integer, got '" + o.get("seed", "") + "'");
        }
        Grounder.Options base = Grounder.Options.DEFAULT.withMaxTokens(o.integer("max-tokens", Grounder.Options.DEFAULT.maxTokens()))
                .withTemplate(ChatTemplate.of(o.get("template", Grounder.Options.DEFAULT.template().id())));
        // the variant the last line and the per-phrase report describe (every variant is scored either way;
        // listed layer:head pairs add their own four rows); the paper's read-out unless the options say
        // otherwise (not the model's grounding.json: eval is how that is chosen)
        JsonObject paper = JsonObject.of(Map.of());
        base = Ground.heads(base, o.get("heads", "official")).withOffset(Ground.offset(o, paper)).withNormalize(Ground.normalize(o, paper));
        if (base.maxTokens() < 1) throw new UsageException("--max-tokens must be at least 1, got " + base.maxTokens());

        // everything that can be refused is refused before the models load
        CocoDataset data = CocoDataset.read(annotations);
        if (!Files.isDirectory(imageDir)) throw new IOException("--images " + imageDir + ": no such directory");
        List<CocoDataset.Image> images = data.images().subList(0, Math.min(limit, data.images().size()));
        for (CocoDataset.Image i : images)
            if (!Files.isRegularFile(imageDir.resolve(i.fileName())))
                throw new IOException(imageDir.resolve(i.fileName()) + ": no such file (image " + i.id() + " of " + annotations + ")");
        Path report = Path.of(o.get("out", defaultOut(annotations)));
        Path parent = report.toAbsolutePath().getParent();
        if (Files.isDirectory(report)) throw new IOException("--out " + report + " is a directory");
        if (parent == null || !Files.isDirectory(parent)) throw new IOException("--out " + report + ": no such directory " + parent);
        Home.Models models = Home.models(o);
        Path model = models.llava(), sam = models.sam();
        if (models.note() != null) err.println(models.note());

        Evaluation evaluation = new Evaluation(data, seed, Evaluation.variants(base));
        long t0 = System.nanoTime();
        try (Backend b = Backends.open(o)) {
            err.printf(Locale.ROOT, "loading %s and %s on %s ...%n", model, sam, b.name());
            try (Grounder grounder = Grounder.open(model, models.tokenizer(), sam, b)) {
                long start = System.nanoTime();
                for (int n = 0; n < images.size(); n++) {
                    CocoDataset.Image info = images.get(n);
                    Evaluation.ImageResult r = evaluation.run(grounder, info, ImageFiles.read(imageDir.resolve(info.fileName())), prompt, base);
                    double each = (System.nanoTime() - start) / 1e9 / (n + 1);
                    err.printf(Locale.ROOT, "[%d/%d] %s: %s; %.1f s/image, ETA %s%n", n + 1, images.size(), info.fileName(),
                            evaluation.categoriesOf(info.id()).isEmpty() ? "no annotations, skipped"
                                    : r.phrases().size() + " phrases, " + r.kept().get(Evaluation.Variant.of(base)).size() + " kept",
                            each, duration(each * (images.size() - n - 1)));
                }
            }
        }
        Map<Evaluation.Variant, InstanceScores> scores = evaluation.scores();
        InstanceScores random = evaluation.randomScores();
        Evaluation.Variant chosen = Evaluation.Variant.of(base);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("annotations", annotations.toString());
        settings.put("images", imageDir.toString());
        settings.put("model", model.toString());
        settings.put("sam", sam.toString());
        settings.put("prompt", prompt);
        settings.put("seed", seed);
        settings.put("settings", base.describe());
        writeAtomically(report, Json.write(EvalReport.json(data, evaluation, scores, random, chosen, settings)));

        out.println(table(scores, random, chosen));
        err.printf(Locale.ROOT, "wrote %s in %.1f s%n", report, (System.nanoTime() - t0) / 1e9);
        InstanceScores s = scores.get(chosen);
        out.printf(Locale.ROOT, "eval %d images: PAcc %s, random-point PAcc %s, mIoU %s, AP %s, AR %s%n", images.size(),
                percent(s.pacc()), percent(random.pacc()), percent(s.miou()), percent(s.coco().ap()), percent(s.coco().ar()));
        return 0;
    }

    /** Rows: the variants, the one --heads reports marked; columns: the figures, in percent. */
    static String table(Map<Evaluation.Variant, InstanceScores> scores, InstanceScores random, Evaluation.Variant chosen) {
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "  %-30s %6s %12s %6s %6s %6s %14s %8s%n",
                "variant", "PAcc", "random PAcc", "mIoU", "AP", "AR", "objects named", "kept"));
        for (Map.Entry<Evaluation.Variant, InstanceScores> e : scores.entrySet()) {
            InstanceScores s = e.getValue();
            t.append(String.format(Locale.ROOT, "%s %-30s %6s %12s %6s %6s %6s %14s %8d%n", e.getKey().equals(chosen) ? "*" : " ",
                    e.getKey().name(), percent(s.pacc()), percent(random.pacc()), percent(s.miou()), percent(s.coco().ap()),
                    percent(s.coco().ar()), percent(s.objectsNamed()), s.points()));
        }
        t.append(String.format(Locale.ROOT, "  %-30s %6s %12s %6s %6s %6s %14s %8d", "random point", percent(random.pacc()),
                percent(random.pacc()), percent(random.miou()), percent(random.coco().ap()), percent(random.coco().ar()), "-",
                random.points()));
        return t.toString();
    }

    /** One decimal; COCOeval's -1 (no annotation to measure against) as n/a. */
    static String percent(double fraction) {
        return fraction < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", 100 * fraction);
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }

    /** instances_val2017.json -> instances_val2017.eval.json in the working directory. */
    private static String defaultOut(Path annotations) {
        String name = annotations.getFileName() == null ? "annotations" : annotations.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return (dot > 0 ? name.substring(0, dot) : name) + ".eval.json";
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        // not createTempFile: its 0600 would become the report's own mode at the rename
        Path tmp = dir.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + "-"
                + Long.toUnsignedString(System.nanoTime(), 36) + ".tmp");
        try {
            Files.writeString(tmp, text + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
