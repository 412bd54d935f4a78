package dev.jground.model.sd;

import dev.jground.io.Checkpoint;
import dev.jground.io.RealLayouts;
import dev.jground.io.SafeTensorsWriter;
import dev.jground.io.TensorSpec;
import dev.jground.io.config.AutoencoderKLConfig;
import dev.jground.io.config.UNet2DConditionConfig;
import dev.jground.nn.Backend;
import dev.jground.nn.CpuBackend;
import dev.jground.nn.RecordingBackend;
import dev.jground.nn.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * stable-diffusion-v1-5 unet/ and vae/ as published (sparse files with the real headers, data
 * reading as zeros): each model is built from the real config.json and binds every tensor it
 * needs with the shape the config implies. The main files are F32 (the VAE's with the legacy
 * mid-attention names), the fp16 variants F16 (the VAE's with the new names).
 */
class SdRealLayoutsTest {
    private static final String LAYOUT = "stable-diffusion-v1-5/";

    /** The sparse file of one manifest, plus config.json. */
    private static List<TensorSpec> writeSparse(String model, String manifest, Path dir) throws IOException {
        Map<String, List<TensorSpec>> files = RealLayouts.manifest(RealLayouts.ROOT.resolve(LAYOUT + model).resolve(manifest));
        assertEquals(1, files.size());
        List<TensorSpec> specs = files.values().iterator().next();
        SafeTensorsWriter.writeSparse(dir.resolve("diffusion_pytorch_model.safetensors"), specs, Map.of("format", "pt"));
        Files.copy(RealLayouts.ROOT.resolve(LAYOUT + model + "/config.json"), dir.resolve("config.json"));
        return specs;
    }

    /** Bound names without the row range a fused projection's halves add. */
    private static Set<String> tensorNames(Set<String> bound) {
        Set<String> out = new TreeSet<>();
        for (String n : bound) out.add(n.replaceFirst("\\[\\d+:\\d+]$", ""));
        return out;
    }

    /** The UNet reads every tensor of its file; the VAE only its encoder and quant_conv (no decoder is built). */
    @ParameterizedTest
    @CsvSource({"unet, tensors.json", "unet, tensors.fp16.json", "vae, tensors.json", "vae, tensors.fp16.json"})
    void theModelBindsEveryTensorItNeedsFromTheRealFile(String model, String manifest, @TempDir Path dir) throws IOException {
        List<TensorSpec> specs = writeSparse(model, manifest, dir);
        Path config = dir.resolve("config.json");
        Set<String> bound = new TreeSet<>();
        try (CpuBackend cpu = new CpuBackend(1); Checkpoint checkpoint = Checkpoint.open(dir)) {
            Backend recording = RecordingBackend.of(cpu, bound);
            if (model.equals("unet")) assertEquals(4, new UNet2DConditionModel(checkpoint, recording, UNet2DConditionConfig.load(config)).upBlockCount());
            else assertEquals(0.18215f, new AutoencoderKL(checkpoint, recording, AutoencoderKLConfig.load(config)).scalingFactor());
        }
        Set<String> wanted = new TreeSet<>();
        specs.stream().map(TensorSpec::name).filter(n -> model.equals("unet") || n.startsWith("encoder.") || n.startsWith("quant_conv."))
                .forEach(wanted::add);
        if (model.equals("unet")) assertEquals(686, wanted.size());
        assertEquals(wanted, tensorNames(bound));
    }

    /**
     * The published unet file's header is 83676 bytes, not a multiple of 8, so its data starts
     * unaligned; the F16 UNet built from such a file runs through up block 1 (all zeros: zero
     * weights give zero maps, not NaN) on a 64 px image's latents with a 3-token context.
     */
    @Test void theF16UNetRunsFromAnUnalignedFileAndStopsAfterUpBlock1(@TempDir Path dir) throws IOException {
        writeSparse("unet", "tensors.fp16.json", dir);
        unalignHeader(dir.resolve("diffusion_pytorch_model.safetensors"));
        UNet2DConditionConfig c = UNet2DConditionConfig.load(dir.resolve("config.json"));
        try (CpuBackend b = new CpuBackend(2); Checkpoint checkpoint = Checkpoint.open(dir)) {
            UNet2DConditionModel unet = new UNet2DConditionModel(checkpoint, b, c);
            UNet2DConditionModel.Output o = unet.forward(b, b.upload(new float[4 * 8 * 8], 4, 8, 8), 100, b.upload(new float[3 * 768], 3, 768), 1);
            assertNull(o.sample());
            Tensor up1 = o.upBlocks().get(1);
            assertArrayEquals(new int[] {1280, 4, 4}, up1.shape());
            for (float v : b.download(up1)) assertEquals(0f, v);
        }
    }

    /** Rewrites a safetensors file's header so that it is 4 bytes past a multiple of 8 long (spaces moved), data holes kept. */
    private static void unalignHeader(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            long size = f.length();
            byte[] len = new byte[8];
            f.readFully(len);
            int n = (int) ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] header = new byte[n];
            f.readFully(header);
            String json = new String(header, StandardCharsets.UTF_8).stripTrailing();
            int m = json.length() + ((12 - json.length() % 8) % 8);   // length ≡ 4 (mod 8)
            byte[] h = (json + " ".repeat(m - json.length())).getBytes(StandardCharsets.UTF_8);
            long data = size - 8 - n;
            f.setLength(0);
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(m).array());
            f.write(h);
            f.setLength(8 + m + data);
            assertEquals(4, (8 + m) % 8);
        }
    }
}
