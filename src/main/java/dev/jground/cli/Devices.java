package dev.jground.cli;

import dev.jground.nn.ClDevice;
import dev.jground.nn.OpenCl;

import java.io.PrintStream;
import java.util.List;

/** {@code jground devices}: the OpenCL platforms and devices, numbered as {@code --device N} selects them. */
public final class Devices {
    private Devices() {}

    public static int run(List<String> args, PrintStream out) {
        if (!args.isEmpty()) {
            out.println("jground devices: unexpected argument '" + args.getFirst() + "' (usage: jground devices)");
            return 2;
        }
        List<ClDevice> devices;
        try {
            devices = OpenCl.devices();
        } catch (OpenCl.NoRuntimeException e) {
            out.println("jground devices: " + e.getMessage());
            return 2;
        }
        if (devices.isEmpty()) {
            out.println("jground devices: the OpenCL runtime reports no devices");
            return 2;
        }
        String platform = null;
        for (ClDevice d : devices) {
            if (!d.platformName().equals(platform)) {
                platform = d.platformName();
                out.println("platform " + platform);
            }
            out.printf("  #%d  %s (%s, %s)%n", d.index(), d.name(), d.type(), d.version());
            out.printf("       %d compute units, %.1f GiB global memory, max work-group %d, fp16 %s%n",
                    d.computeUnits(), d.globalMemBytes() / (double) (1L << 30), d.maxWorkGroupSize(), d.fp16() ? "yes" : "no");
        }
        return 0;
    }
}
