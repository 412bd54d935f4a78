package dev.jground.eval;

import dev.jground.io.Json;
import dev.jground.io.JsonException;
import dev.jground.io.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A COCO instance-annotation file (aas-spec §4.3) with every segmentation already turned into a
 * mask as pycocotools' {@code COCO.annToRLE} does: polygons drawn and OR-ed, uncompressed RLE
 * taken as is, compressed RLE read from its string.
 *
 * @param images      sorted by id, as COCOeval enumerates them
 * @param categories  sorted by id
 * @param annotations in file order
 */
public record CocoDataset(List<Image> images, List<Category> categories, List<Annotation> annotations) {

    public record Image(long id, String fileName, int width, int height) {}

    /** A category; synonyms (an optional list in the file, our extension) are other names for it. */
    public record Category(int id, String name, List<String> synonyms) {}

    /**
     * @param area  the file's own area (COCOeval's area ranges use it, not the mask's); the
     *              mask's pixel count when the file has none
     * @param crowd iscrowd: a region of many objects, which detections may match without penalty
     */
    public record Annotation(long id, long imageId, int categoryId, Rle mask, double area, boolean crowd) {}

    public CocoDataset {
        images = images.stream().sorted(Comparator.comparingLong(Image::id)).toList();
        categories = categories.stream().sorted(Comparator.comparingInt(Category::id)).toList();
        annotations = List.copyOf(annotations);
    }

    public Image image(long id) {
        for (Image i : images) if (i.id == id) return i;
        throw new IllegalArgumentException("no image " + id);
    }

    /** The annotations of each image that has any, in file order. */
    public Map<Long, List<Annotation>> byImage() {
        Map<Long, List<Annotation>> out = new LinkedHashMap<>();
        for (Annotation a : annotations) out.computeIfAbsent(a.imageId, k -> new ArrayList<>()).add(a);
        return out;
    }

    /** Reads and checks a file; every error is one line naming the file and, where it applies, the annotation. */
    public static CocoDataset read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such file");
        String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        String name = file.toString();
        if (!(Json.parse(text, name, false) instanceof Map<?, ?> top))
            throw new JsonException(name + ": expected a JSON object with images, annotations and categories");
        @SuppressWarnings("unchecked") JsonObject root = JsonObject.of((Map<String, Object>) top, name);

        Map<Long, Image> images = new HashMap<>();
        for (JsonObject o : objects(root, "images")) {
            Image i = new Image(o.longValue("id"), o.string("file_name"), o.integer("width"), o.integer("height"));
            if (i.width < 1 || i.height < 1) throw new JsonException(o.source() + ": size " + i.width + "x" + i.height);
            if (images.put(i.id, i) != null) throw new JsonException(name + ": image id " + i.id + " appears twice");
        }
        Map<Integer, Category> categories = new HashMap<>();
        for (JsonObject o : objects(root, "categories")) {
            Category c = new Category(o.integer("id"), o.string("name"), o.has("synonyms") ? o.stringList("synonyms") : List.of());
            if (categories.put(c.id, c) != null) throw new JsonException(name + ": category id " + c.id + " appears twice");
        }
        List<Annotation> annotations = new ArrayList<>();
        for (JsonObject o : objects(root, "annotations")) {
            long id = o.longValue("id");
            JsonObject a = JsonObject.of(o.map(), name + ": annotation " + id);
            long imageId = a.longValue("image_id");
            int categoryId = a.integer("category_id");
            Image image = images.get(imageId);
            if (image == null) throw new JsonException(a.source() + ": image_id " + imageId + " is not among the images");
            if (!categories.containsKey(categoryId))
                throw new JsonException(a.source() + ": category_id " + categoryId + " is not among the categories");
            Rle mask;
            try {
                mask = segmentation(a.get("segmentation"), image.height, image.width);
            } catch (IllegalArgumentException e) {
                throw new JsonException(a.source() + ": segmentation: " + e.getMessage());
            }
            long crowd = a.longValue("iscrowd", 0);
            if (crowd != 0 && crowd != 1) throw new JsonException(a.source() + ": iscrowd must be 0 or 1, got " + crowd);
            annotations.add(new Annotation(id, imageId, categoryId, mask, a.number("area", mask.area()), crowd == 1));
        }
        return new CocoDataset(List.copyOf(images.values()), List.copyOf(categories.values()), annotations);
    }

    private static List<JsonObject> objects(JsonObject root, String key) {
        List<Object> list = root.list(key);
        List<JsonObject> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String where = root.source() + ": " + key + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) throw new JsonException(where + ": expected an object");
            @SuppressWarnings("unchecked") JsonObject o = JsonObject.of((Map<String, Object>) m, where);
            out.add(o);
        }
        return out;
    }

    /**
     * A segmentation as pycocotools' frPyObjects reads it: a list of polygons (a list whose first
     * element has exactly 4 numbers is a list of boxes, as there), or an RLE object whose counts are
     * a list (uncompressed) or a string (compressed).
     */
    static Rle segmentation(Object s, int height, int width) {
        if (s instanceof List<?> parts) {
            if (parts.isEmpty()) throw new IllegalArgumentException("an empty list of polygons");
            List<double[]> polys = new ArrayList<>(parts.size());
            for (int i = 0; i < parts.size(); i++) polys.add(numbers(parts.get(i), "polygon " + i));
            boolean boxes = polys.getFirst().length == 4;
            List<Rle> rles = new ArrayList<>(polys.size());
            for (int i = 0; i < polys.size(); i++) {
                double[] p = polys.get(i);
                if (boxes) {
                    if (p.length != 4) throw new IllegalArgumentException("box " + i + " has " + p.length + " numbers, not 4");
                    rles.add(Rle.frBbox(p, height, width));
                } else {
                    // fewer than 3 vertices draw nothing, as in pycocotools; an odd count is a broken file
                    if (p.length == 0 || p.length % 2 != 0)
                        throw new IllegalArgumentException("polygon " + i + " has " + p.length + " numbers, not x, y pairs");
                    rles.add(Rle.frPoly(p, height, width));
                }
            }
            return Rle.merge(rles, false);
        }
        if (s instanceof Map<?, ?> m) {
            if (!(m.get("size") instanceof List<?> size) || size.size() != 2
                    || !(size.get(0) instanceof Long h) || !(size.get(1) instanceof Long w))
                throw new IllegalArgumentException("RLE without a size [height, width]");
            if (h != height || w != width)
                throw new IllegalArgumentException("RLE of size " + h + "x" + w + " on a " + height + "x" + width + " image");
            return switch (m.get("counts")) {
                case String str -> Rle.fromString(str, height, width);
                case List<?> list -> {
                    int[] counts = new int[list.size()];
                    for (int i = 0; i < counts.length; i++) {
                        if (!(list.get(i) instanceof Long c) || c < 0 || c > Integer.MAX_VALUE)
                            throw new IllegalArgumentException("RLE counts[" + i + "] is not a run length");
                        counts[i] = (int) (long) c;
                    }
                    yield new Rle(height, width, counts);
                }
                case null, default -> throw new IllegalArgumentException("RLE counts must be a string or a list of integers");
            };
        }
        throw new IllegalArgumentException(s == null ? "missing" : "expected polygons or an RLE object");
    }

    private static double[] numbers(Object o, String what) {
        if (!(o instanceof List<?> l)) throw new IllegalArgumentException(what + " is not a list of numbers");
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Number n)) throw new IllegalArgumentException(what + "[" + i + "] is not a number");
            out[i] = n.doubleValue();
        }
        return out;
    }
}
