package dev.jground.cli;

import dev.jground.nn.ClDevice;
import dev.jground.nn.OpenCl;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

    @Test void anUnexpectedArgumentIsAUsageError() {
        Run run = devices("--bogus");
        assertEquals(2, run.code());
        assertEquals("jground devices: unexpected argument '--bogus' (usage: jground devices)", run.out().strip());
    }
}
