package dev.jground.cli;

import dev.jground.nn.ClDevice;
import dev.jground.nn.OpenCl;
import dev.jground.nn.OpenClTests;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DevicesTest {

    private record Run(int code, String out) {}

    private static Run devices(String... args) {
        var bytes = new ByteArrayOutputStream();
        int code = Devices.run(List.of(args), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(code, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test void listsEveryDeviceWithItsMemoryAndComputeUnits() {
        List<ClDevice> all;
        try {
            all = OpenCl.devices();
        } catch (OpenCl.NoRuntimeException e) {
            if (System.getenv("CI") != null) throw new AssertionError("CI is set, so OpenCL must be installed: " + e.getMessage(), e);
            Run run = devices();
            assertEquals(2, run.code());
            assertEquals(1, run.out().strip().lines().count(), run.out());
            Assumptions.abort("listing skipped, " + e.getMessage());
            return;
        }
        Run run = devices();
        assertEquals(0, run.code(), run.out());
        for (ClDevice d : all) {
            assertTrue(run.out().contains("platform " + d.platformName()), run.out());
            assertTrue(run.out().contains("#" + d.index() + "  " + d.name()), run.out());
            assertTrue(run.out().contains(d.computeUnits() + " compute units"), run.out());
        }
    }

    /**
     * Every verb that runs a model takes --backend opencl --device N, and a device past the last
     * is one line saying how many there are, before any model loads.
     */
    @Test void everyModelVerbTakesADeviceAndRefusesOneOutOfRange(@TempDir Path tmp) throws Exception {
        int count = OpenClTests.devicesOrSkip().size();
        String image = "weights/demo/scene.png", llava = "weights/demo/llava", sam = "weights/demo/sam";
        Path data = EvalTest.dataset(tmp).getParent();
        List<List<String>> verbs = List.of(
                List.of("verify", "src/test/resources/golden/llava-tiny"),
                List.of("chat", "--model", llava, "--image", image),
                List.of("ground", "--image", image, "--out", tmp.resolve("g").toString()),
                List.of("eval", "--annotations", data.resolve("shapes.json").toString(), "--images", data.resolve("images").toString(),
                        "--out", tmp.resolve("report.json").toString()),
                List.of("segment", "--sam", sam, "--image", image, "--point", "10,10", "--out", tmp.resolve("m.png").toString()),
                List.of("bench", "llava", "--model", llava),
                List.of("bench", "sam", "--sam", sam),
                List.of("bench", "unet", "--unet", "src/test/resources/golden/unet-tiny"),
                List.of("bench", "vae", "--vae", "src/test/resources/golden/vae-encoder-tiny"));
        for (List<String> verb : verbs) {
            List<String> args = new java.util.ArrayList<>(verb);
            args.addAll(List.of("--backend", "opencl", "--device", String.valueOf(count)));
            String err = MainTest.run(2, args.toArray(String[]::new))[1];
            String last = err.strip().lines().reduce((a, b) -> b).orElse("");
            assertEquals("jground " + verb.getFirst() + ": --device " + count + ": there are " + count + " OpenCL devices (0.."
                    + (count - 1) + "); run 'jground devices' to list them", last, String.join(" ", verb));
            assertTrue(Main.USAGE.contains(verb.get(verb.getFirst().equals("bench") ? 1 : 0) + " "), verb.toString());
        }
        // and the usage names --device with every --backend
        assertEquals(Main.USAGE.split("--backend cpu\\|opencl", -1).length - 1,
                Main.USAGE.split("--backend cpu\\|opencl \\[--device N]", -1).length - 1, Main.USAGE);
    }

    /**
     * Without an OpenCL library (LWJGL told to load one that does not exist, in a fresh JVM: the
     * library loads once per process) devices and a model verb on --backend opencl each fail
     * with one line that says what to install.
     */
    @Test void aMissingRuntimeIsOneLineSayingWhatToInstall() throws Exception {
        for (List<String> args : List.of(List.of("devices"),
                List.of("verify", "src/test/resources/golden/llava-tiny", "--backend", "opencl", "--device", "0"))) {
            List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",   // as the jground script runs it
                    "-cp", System.getProperty("java.class.path"), "-Dorg.lwjgl.opencl.libname=/nonexistent/libOpenCL.so.1",
                    "dev.jground.cli.Main"));
            command.addAll(args);
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, p.waitFor(), out);
            // the JVM's own warnings (incubator module, LWJGL's sun.misc.Unsafe) are not ours
            List<String> lines = out.strip().lines().filter(l -> !l.startsWith("WARNING: ")).toList();
            assertEquals(1, lines.size(), out);
            assertTrue(lines.getFirst().startsWith("jground " + args.getFirst() + ": no OpenCL runtime found (could not load "
                    + "/nonexistent/libOpenCL.so.1"), out);
            assertTrue(lines.getFirst().endsWith("install an ICD such as pocl-opencl-icd (Debian/Ubuntu, with ocl-icd-libopencl1)"
                    + " or your GPU vendor's OpenCL driver"), out);
        }
    }

    @Test void anUnexpectedArgumentIsAUsageError() {
        Run run = devices("--bogus");
        assertEquals(2, run.code());
        assertEquals("jground devices: unexpected argument '--bogus' (usage: jground devices)", run.out().strip());
    }
}
