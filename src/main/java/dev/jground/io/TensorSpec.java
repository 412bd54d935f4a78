package dev.jground.io;

import dev.jground.tensor.DType;
import dev.jground.tensor.Shapes;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A tensor's name, dtype and shape without its data: what a safetensors header entry says. */
public record TensorSpec(String name, DType dtype, int[] shape) {
    public TensorSpec {
        shape = shape.clone();
    }

    @Override public int[] shape() { return shape.clone(); }

    public long numel() { return Shapes.numel(shape); }

    public long byteSize() { return Math.multiplyExact(numel(), (long) dtype.byteSize()); }

    /**
     * A checkpoint manifest (the {@code tensors.json} of fixtures/real-layouts: "files" -> file
     * name -> [{name, dtype, shape}]) as file name -> its tensors, in file order.
     */
    public static Map<String, List<TensorSpec>> readManifest(Path tensorsJson) {
        JsonObject files = JsonObject.parse(tensorsJson).object("files");
        Map<String, List<TensorSpec>> out = new LinkedHashMap<>();
        for (String file : files.keys()) {
            List<TensorSpec> specs = new ArrayList<>();
            for (Object o : files.list(file)) {
                @SuppressWarnings("unchecked") JsonObject t = JsonObject.of((Map<String, Object>) o);
                DType dtype = DType.parse(t.string("dtype"));
                if (dtype == null) throw new JsonException(tensorsJson + ": tensor '" + t.string("name") + "' has unknown dtype " + t.string("dtype"));
                specs.add(new TensorSpec(t.string("name"), dtype, t.intArray("shape")));
            }
            out.put(file, specs);
        }
        return out;
    }
}
