package dev.jground.cli;

import dev.jground.nn.Backend;
import dev.jground.nn.CpuBackend;
import dev.jground.nn.OpenClBackend;

/** Chooses the backend from {@code --backend cpu|opencl [--device N] [--threads T]}. */
final class Backends {
    private Backends() {}

    static Backend open(Options o) {
        String kind = o.get("backend", "cpu");
        return switch (kind) {
            case "cpu" -> {
                int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
                if (threads < 1) throw new UsageException("--threads must be at least 1, got " + threads);
                yield new CpuBackend(threads);
            }
            case "opencl" -> OpenClBackend.open(o.integer("device", 0));
            default -> throw new UsageException("--backend must be cpu or opencl, got '" + kind + "'");
        };
    }
}
