package dev.jground.cli;

import dev.jground.nn.Backend;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code jground verify <case dir>... [--backend cpu|opencl] [--threads T]}: runs the model a
 * golden case's config names and compares every output it produces with the reference.
 * Exit status: 0 when every output was compared and passed, 1 on any failure, 3 when some output
 * could not be compared (the model did not produce it), 2 on bad arguments, files or an
 * architecture jground does not know.
 */
public final class Verify {
    private Verify() {}

    /** Totals over one or more cases. */
    public record Tally(int passed, int failed, int skipped) {
        Tally plus(Tally o) { return new Tally(passed + o.passed, failed + o.failed, skipped + o.skipped); }

        public String line() { return passed + " passed, " + failed + " failed, " + skipped + " skipped"; }
    }

    public static int run(List<String> args, PrintStream out) throws IOException {
        Options o = Options.parse(args, List.of("backend", "threads", "device"));
        if (o.positional().isEmpty()) throw new UsageException("give at least one golden case directory");
        Tally total = new Tally(0, 0, 0);
        try (Backend backend = Backends.open(o)) {
            for (String dir : o.positional()) {
                try (GoldenCase c = GoldenCase.open(Path.of(dir))) {
                    total = total.plus(verify(c, backend, out));
                }
            }
        }
        out.println(total.line());
        return exitStatus(total);
    }

    /** 0 only when every output of every case was compared and passed: a skipped output is not a pass. */
    static int exitStatus(Tally t) { return t.failed() > 0 ? 1 : t.skipped() > 0 || t.passed() == 0 ? 3 : 0; }

    /** Verifies one case, printing a line per output. */
    public static Tally verify(GoldenCase c, Backend backend, PrintStream out) throws IOException {
        List<String> outputs = c.outputs();
        Optional<GoldenRunner> runner = GoldenRunner.forKind(c.kind());
        if (runner.isEmpty()) throw new IllegalArgumentException(c.dir().resolve("config.json") + ": " + c.kind().humanName()
                + " architecture (model_type '" + c.config().string("model_type", "") + "', architectures "
                + c.config().get("architectures") + "); jground verifies " + GoldenRunner.kinds());
        out.printf(Locale.ROOT, "case %s: %s on %s, %d outputs%n", c.name(), c.kind().humanName(), backend.name(), outputs.size());
        Map<String, TensorView> produced;
        try {
            produced = runner.get().run(c, backend);
        } catch (UnsupportedOperationException e) {
            for (String name : outputs) out.printf(Locale.ROOT, "%-40s FAIL  %s%n", name, e.getMessage());
            return new Tally(0, outputs.size(), 0);
        }
        int passed = 0, failed = 0, skipped = 0;
        List<String> unknown = new ArrayList<>(produced.keySet());
        for (String name : outputs) {
            unknown.remove(name);
            TensorView actual = produced.get(name);
            if (actual == null) {
                out.printf(Locale.ROOT, "%-40s SKIP  not produced by this model yet%n", name);
                skipped++;
                continue;
            }
            Comparison.Result r = c.comparison(name).compare(name, actual, c.tensor(name));
            out.println(r.line());
            if (r.passed()) passed++; else failed++;
        }
        if (!unknown.isEmpty()) throw new IllegalStateException("runner produced outputs the case does not have: " + unknown);
        return new Tally(passed, failed, skipped);
    }
}
