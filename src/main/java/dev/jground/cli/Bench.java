package dev.jground.cli;

import java.io.PrintStream;
import java.util.List;

/** {@code jground bench <name> [options]}: quick benchmarks; each prints its figure as its last line. */
final class Bench {
    private Bench() {}

    static int run(List<String> args, PrintStream out) throws java.io.IOException {
        if (args.isEmpty()) throw new UsageException("name a benchmark (matmul, llava, sam, unet, vae)");
        List<String> rest = args.subList(1, args.size());
        return switch (args.getFirst()) {
            case "matmul" -> MatmulBench.run(rest, out);
            case "llava" -> LlavaBench.run(rest, out);
            case "sam" -> SamBench.run(rest, out);
            case "unet" -> SdBench.unet(rest, out);
            case "vae" -> SdBench.vae(rest, out);
            default -> throw new UsageException("unknown benchmark '" + args.getFirst() + "' (matmul, llava, sam, unet, vae)");
        };
    }

    /** The median of some timings (the middle two averaged when even). */
    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
