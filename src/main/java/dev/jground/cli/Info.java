package dev.jground.cli;

import dev.jground.io.Checkpoint;
import dev.jground.io.JsonException;
import dev.jground.io.JsonObject;
import dev.jground.io.SafeTensorsException;
import dev.jground.io.SafeTensorsFile;
import dev.jground.io.TensorFile;
import dev.jground.io.TensorSpec;
import dev.jground.io.config.ModelKind;
import dev.jground.tensor.Shapes;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code jground info <checkpoint dir or file>}: every shard's tensors, parameter and byte counts, the model type. */
public final class Info {
    static final String USAGE = "usage: jground info <checkpoint directory | .safetensors file | *.safetensors.index.json>";

    private Info() {}

    public static int run(List<String> args, PrintStream out) { return run(args, out, System.err); }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() == 1 && (args.getFirst().equals("-h") || args.getFirst().equals("--help"))) {
            out.println(USAGE);
            return 0;
        }
        if (args.size() != 1) {
            err.println(USAGE);
            return 2;
        }
        Path path = Path.of(args.getFirst());
        try (Checkpoint ckpt = Checkpoint.open(path)) {
            print(ckpt, path, out);
            return 0;
        } catch (SafeTensorsException | JsonException e) {
            err.println("jground info: " + e.getMessage());
            return 2;
        }
    }

    private static void print(Checkpoint ckpt, Path path, PrintStream out) {
        out.println("checkpoint " + ckpt.root() + ": " + ckpt.shards().size()
                + (ckpt.shards().size() == 1 ? " file, " : " shards, ") + ckpt.size() + " tensors");
        printConfig(Files.isDirectory(path) ? path : path.toAbsolutePath().getParent(), out);

        long totalParams = 0, totalBytes = 0;
        for (TensorFile shard : ckpt.shards()) {
            List<String> names = shard.names().stream().filter(ckpt::has).toList();
            int nameWidth = "tensor".length(), shapeWidth = "shape".length();
            for (String n : names) {
                nameWidth = Math.max(nameWidth, n.length());
                shapeWidth = Math.max(shapeWidth, Shapes.str(shard.spec(n).shape()).length());
            }
            String row = "  %-" + nameWidth + "s  %-5s  %-" + shapeWidth + "s  %,15d%n";
            out.println();
            String layout = shard instanceof SafeTensorsFile st ? "data at byte " + group(st.dataStart()) : "PyTorch zip";
            out.println(shard.path().getFileName() + "  (" + group(shard.fileSize()) + " bytes, " + layout
                    + metadata(shard.metadata()) + ")");
            out.printf(Locale.ROOT, "  %-" + nameWidth + "s  %-5s  %-" + shapeWidth + "s  %15s%n", "tensor", "dtype", "shape", "parameters");
            long params = 0, bytes = 0;
            for (String n : names) {
                TensorSpec s = shard.spec(n);
                out.printf(Locale.ROOT, row, n, s.dtype(), Shapes.str(s.shape()), s.numel());
                params += s.numel();
                bytes += s.byteSize();
            }
            out.printf(Locale.ROOT, "  %d tensors, %s parameters, %s bytes%n", names.size(), group(params), group(bytes));
            totalParams += params;
            totalBytes += bytes;
        }
        out.println();
        if (!ckpt.unindexed().isEmpty())
            out.println("note: " + ckpt.unindexed().size() + " tensors in the shards are not named by the index and are ignored"
                    + " (first: " + ckpt.unindexed().getFirst() + ")");
        out.printf(Locale.ROOT, "total: %d tensors, %s parameters, %s bytes%n", ckpt.size(), group(totalParams), group(totalBytes));
    }

    private static void printConfig(Path dir, PrintStream out) {
        Path config = dir == null ? null : dir.resolve("config.json");
        if (config == null || !Files.isRegularFile(config)) return;
        try {
            JsonObject c = JsonObject.parse(config);
            ModelKind kind = ModelKind.detect(c);
            StringBuilder sb = new StringBuilder("config.json: ").append(kind.humanName());
            if (c.has("model_type")) sb.append(", model_type ").append(c.string("model_type"));
            if (c.has("_class_name")) sb.append(", _class_name ").append(c.string("_class_name"));
            if (c.get("architectures") instanceof List<?> a) sb.append(", architectures ").append(a);
            out.println(sb);
        } catch (JsonException e) {
            out.println("config.json: unreadable (" + e.getMessage() + ")");
        }
    }

    private static String metadata(Map<String, String> m) {
        if (m.isEmpty()) return "";
        StringBuilder sb = new StringBuilder(", metadata");
        m.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        return sb.toString();
    }

    private static String group(long n) { return String.format(Locale.ROOT, "%,d", n); }
}
