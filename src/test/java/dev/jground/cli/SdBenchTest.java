package dev.jground.cli;

import dev.jground.io.SafeTensorsFile;
import dev.jground.io.TensorSpec;
import dev.jground.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** bench unet and bench vae on the tiny golden models at small sizes: what they print, and their argument errors. */
class SdBenchTest {
    private static final String UNET = "src/test/resources/golden/unet-tiny", VAE = "src/test/resources/golden/vae-encoder-tiny";
    private static final String SECONDS = "[0-9]+\\.[0-9]{2}";

    private static String[] bench(int wantExit, String... args) {
        String[] io = MainTest.run(wantExit, Stream.concat(Stream.of("bench"), Arrays.stream(args)).toArray(String[]::new));
        return (wantExit == 0 ? io[0] : io[1]).strip().split("\n");
    }

    /** The lines of one timed phase: W warm-ups then R runs, numbered from 0. */
    private static void assertPhase(String[] lines, String what, int warmup, int runs) {
        List<String> phase = Arrays.stream(lines).filter(l -> l.startsWith("  " + what + " ")).toList();
        assertEquals(warmup + runs, phase.size(), String.join("\n", lines));
        for (int i = 0; i < phase.size(); i++)
            assertTrue(phase.get(i).matches("  " + what + " " + i + ": " + SECONDS + " s" + (i < warmup ? " \\(warm-up\\)" : "")), phase.get(i));
    }

    @Test
    void unetTimesTheEarlyExitAndTheWholeModel() {
        String[] lines = bench(0, "unet", "--unet", UNET, "--latent", "8", "--context", "5", "--warmup", "1", "--runs", "2", "--threads", "1");
        assertTrue(lines[0].startsWith("unet " + UNET + " on cpu"), lines[0]);
        assertTrue(lines[0].endsWith("channels [32, 48, 64, 64], sample [4, 8, 8], context [5, 32]"), lines[0]);
        assertPhase(lines, "through up block 1", 1, 2);
        assertPhase(lines, "whole", 1, 2);
        assertEquals("peer: /usr/bin/python3 tools/sd_peer_bench.py unet --latent 8 --context 5 --threads 1 --warmup 1 --runs 2",
                lines[lines.length - 2]);
        String last = lines[lines.length - 1];
        assertTrue(last.matches("unet latent=8 context=5 threads=1: through up block 1 " + SECONDS + " s \\(min " + SECONDS
                + "\\), whole " + SECONDS + " s \\(min " + SECONDS + "\\)"), last);
    }

    @Test
    void vaeTimesTheEncoderAtTheGivenSize() {
        String[] lines = bench(0, "vae", "--vae", VAE, "--size", "24", "--warmup", "0", "--runs", "3");
        assertTrue(lines[0].endsWith("channels [16, 32, 48, 48], pixels [3, 24, 24]"), lines[0]);
        assertPhase(lines, "encoder", 0, 3);
        assertEquals("peer: /usr/bin/python3 tools/sd_peer_bench.py vae --size 24 --threads 2 --warmup 0 --runs 3", lines[lines.length - 2]);
        assertTrue(lines[lines.length - 1].matches("vae size=24 threads=2: encoder " + SECONDS + " s \\(min " + SECONDS + "\\)"),
                lines[lines.length - 1]);
    }

    /** A layout folder as fixtures/real-layouts has them, made from the tiny golden's own checkpoint. */
    private static Path layoutOf(Path golden, Path layout) throws IOException {
        List<String> entries = new ArrayList<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(golden.resolve("model.safetensors"))) {
            for (String n : f.names()) {
                TensorSpec s = f.spec(n);
                entries.add("{\"name\": \"" + n + "\", \"dtype\": \"" + s.dtype() + "\", \"shape\": " + Arrays.toString(s.shape()) + "}");
            }
        }
        Files.createDirectories(layout);
        Files.writeString(layout.resolve("tensors.json"), "{\"files\": {\"diffusion_pytorch_model.safetensors\": [" + String.join(", ", entries) + "]}}");
        Files.copy(golden.resolve("config.json"), layout.resolve("config.json"));
        return layout;
    }

    @Test
    void randomWeightsFollowTheLayoutInTheChosenDtype(@TempDir Path tmp) throws IOException {
        Path layout = layoutOf(Path.of(VAE), tmp.resolve("layout")), dir = tmp.resolve("weights");
        String[] lines = bench(0, "vae", "--vae", dir.toString(), "--random-from", layout.toString(), "--dtype", "f16",
                "--size", "16", "--warmup", "0", "--runs", "1");
        assertTrue(lines[0].startsWith("writing "), lines[0]);
        try (SafeTensorsFile written = SafeTensorsFile.open(dir.resolve("model.safetensors"));
             SafeTensorsFile golden = SafeTensorsFile.open(Path.of(VAE, "model.safetensors"))) {
            assertEquals(golden.size(), written.size());
            for (String n : golden.names()) {
                assertEquals(DType.F16, written.spec(n).dtype(), n);
                assertArrayEquals(golden.spec(n).shape(), written.spec(n).shape(), n);
            }
        }
        // a second run finds the weights there and writes nothing
        assertFalse(bench(0, "vae", "--vae", dir.toString(), "--random-from", layout.toString(), "--size", "16", "--runs", "1")[0]
                .startsWith("writing "));
    }

    @Test
    void badArgumentsAreNamed() {
        String help = " (jground help lists the verbs)";
        assertEquals("jground bench: --unet is required" + help, bench(2, "unet")[0]);
        assertEquals("jground bench: --latent must be at least 1, got 0" + help, bench(2, "unet", "--unet", UNET, "--latent", "0")[0]);
        assertEquals("jground bench: --runs must be at least 1, got 0" + help, bench(2, "vae", "--vae", VAE, "--runs", "0")[0]);
        assertEquals("jground bench: --warmup must be at least 0, got -1" + help, bench(2, "vae", "--vae", VAE, "--warmup", "-1")[0]);
        assertEquals("jground bench: --dtype must be f32 or f16, got 'bf16'" + help,
                bench(2, "vae", "--vae", VAE, "--random-from", VAE, "--dtype", "bf16")[0]);
        assertEquals("jground bench: --dtype applies to --random-from only" + help, bench(2, "vae", "--vae", VAE, "--dtype", "f16")[0]);
        assertEquals("jground bench: unknown option --latent" + help, bench(2, "vae", "--vae", VAE, "--latent", "8")[0]);
        assertEquals("jground bench: unknown benchmark 'sd' (matmul, llava, sam, unet, vae)" + help, bench(2, "sd")[0]);
    }
}
