package dev.jground.cli;

import dev.jground.image.ImageFiles;
import dev.jground.image.MaskImages;
import dev.jground.image.RgbImage;
import dev.jground.io.Checkpoint;
import dev.jground.io.JsonObject;
import dev.jground.io.config.ModelKind;
import dev.jground.io.config.SamConfig;
import dev.jground.model.sam.SamModel;
import dev.jground.model.sam.SamPredictor;
import dev.jground.nn.Backend;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code jground segment --sam DIR --image IMG (--point x,y[,label] ... | --box x0,y0,x1,y1)
 * [--multimask] --out mask.png}: Segment Anything on one image. Points and the box may also be
 * combined, as SAM allows. Writes the mask (white on black; with --multimask the one of the
 * three with the highest predicted IoU) and {@code <name>.overlay.png} beside it, and prints
 * every mask's predicted IoU.
 */
public final class Segment {
    private Segment() {}

    public static int run(List<String> args, PrintStream out) throws IOException {
        // --point repeats, so it is taken out before the ordinary option parsing
        List<String> pointArgs = new ArrayList<>(), rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--point")) {
                if (i + 1 >= args.size()) throw new UsageException("--point needs a value x,y[,label]");
                pointArgs.add(args.get(++i));
            } else if (a.startsWith("--point=")) {
                pointArgs.add(a.substring("--point=".length()));
            } else {
                rest.add(a);
            }
        }
        Options o = Options.parse(rest, List.of("sam", "image", "box", "out", "backend", "threads", "device"), List.of("multimask"));
        if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().getFirst() + "'");
        String samDir = o.required("sam"), imageFile = o.required("image"), outFile = o.required("out");
        if (pointArgs.isEmpty() && !o.values().containsKey("box"))
            throw new UsageException("give a prompt: --point x,y[,label] (repeatable) and/or --box x0,y0,x1,y1");
        Path outPath = Path.of(outFile);
        if (!outFile.endsWith(".png")) throw new UsageException("--out must name a .png file, got '" + outFile + "'");
        Path outDir = outPath.toAbsolutePath().getParent();
        if (!Files.isDirectory(outDir)) throw new IOException(outDir + ": no such directory for --out");

        RgbImage image = ImageFiles.read(Path.of(imageFile));
        float[] points = null, box = null;
        int[] labels = null;
        if (!pointArgs.isEmpty()) {
            points = new float[2 * pointArgs.size()];
            labels = new int[pointArgs.size()];
            for (int i = 0; i < pointArgs.size(); i++) parsePoint(pointArgs.get(i), image, points, labels, i);
        }
        if (o.values().containsKey("box")) box = parseBox(o.get("box", null), image);

        Path dir = Path.of(samDir);
        JsonObject config = JsonObject.parse(dir.resolve("config.json"));
        if (ModelKind.detect(config) != ModelKind.SAM)
            throw new IllegalArgumentException(dir.resolve("config.json") + ": not a Segment Anything (SamModel) config");
        boolean multimask = o.flag("multimask");
        SamPredictor.Prediction p;
        try (Backend backend = Backends.open(o); Checkpoint checkpoint = Checkpoint.open(dir)) {
            SamPredictor predictor = new SamPredictor(new SamModel(checkpoint, backend, SamConfig.parse(config)), backend);
            predictor.setImage(image);
            p = predictor.predict(points, labels, box, null, multimask);
        }
        int chosen = p.best();
        for (int i = 0; i < p.count(); i++)
            out.printf(Locale.ROOT, "mask %d: iou %.4f%s%n", i, p.iouPredictions()[i], p.count() > 1 && i == chosen ? "  (best, written)" : "");

        byte[] mask = p.mask(chosen);
        int area = 0;
        for (byte m : mask) area += m;
        String name = outPath.getFileName().toString();
        Path overlayPath = outPath.resolveSibling(name.substring(0, name.length() - ".png".length()) + ".overlay.png");
        RgbImage maskImage = MaskImages.mask(mask, p.width(), p.height()), overlay = MaskImages.overlay(image, mask);
        ImageFiles.writePng(maskImage, outPath);
        try {
            ImageFiles.writePng(overlay, overlayPath);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(outPath);   // both files or neither
            throw e;
        }
        out.printf(Locale.ROOT, "wrote %s and %s (%dx%d, %d pixels in the mask)%n", outPath, overlayPath, p.width(), p.height(), area);
        return 0;
    }

    private static float[] numbers(String option, String value, int min, int max) {
        String[] parts = value.split(",", -1);
        if (parts.length < min || parts.length > max)
            throw new UsageException(option + " expects " + (min == max ? min : min + " or " + max) + " comma-separated numbers, got '" + value + "'");
        float[] v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Float.parseFloat(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException(option + " expects numbers, got '" + value + "'");
            }
            if (!Float.isFinite(v[i])) throw new UsageException(option + " expects finite numbers, got '" + value + "'");
        }
        return v;
    }

    private static void parsePoint(String value, RgbImage image, float[] points, int[] labels, int i) {
        float[] v = numbers("--point", value, 2, 3);
        if (v[0] < 0 || v[0] >= image.width() || v[1] < 0 || v[1] >= image.height())
            throw new UsageException("--point " + value + " lies outside the " + image.width() + "x" + image.height() + " image");
        int label = v.length == 3 ? (int) v[2] : 1;
        if (v.length == 3 && (v[2] != 0 && v[2] != 1))
            throw new UsageException("--point " + value + ": the label must be 1 (foreground) or 0 (background)");
        points[2 * i] = v[0];
        points[2 * i + 1] = v[1];
        labels[i] = label;
    }

    private static float[] parseBox(String value, RgbImage image) {
        float[] v = numbers("--box", value, 4, 4);
        if (v[2] < v[0] || v[3] < v[1])
            throw new UsageException("--box " + value + ": x1 < x0 or y1 < y0 (give the top-left corner first)");
        if (v[0] < 0 || v[1] < 0 || v[2] > image.width() || v[3] > image.height())
            throw new UsageException("--box " + value + " leaves the " + image.width() + "x" + image.height() + " image");
        return v;
    }
}
