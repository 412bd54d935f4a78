package dev.jground.eval;

import dev.jground.io.JsonException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CocoDatasetTest {

    static final String FILE = """
            {"images": [{"id": 9, "file_name": "b.png", "width": 4, "height": 3},
                        {"id": 2, "file_name": "a.png", "width": 4, "height": 4}],
             "categories": [{"id": 3, "name": "square", "synonyms": ["box", "block"]}, {"id": 1, "name": "circle"}],
             "annotations": [
               {"id": 5, "image_id": 2, "category_id": 3, "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2]], "area": 4.0, "bbox": [0, 0, 2, 2], "iscrowd": 0},
               {"id": 6, "image_id": 2, "category_id": 1, "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2], [3, 3, 4, 3, 4, 4, 3, 4]], "iscrowd": 0},
               {"id": 7, "image_id": 9, "category_id": 1, "segmentation": {"size": [3, 4], "counts": [1, 2, 5, 1, 3]}, "area": 3, "iscrowd": 1},
               {"id": 8, "image_id": 9, "category_id": 3, "segmentation": {"size": [3, 4], "counts": "123O2"}, "area": 2.5},
               {"id": 10, "image_id": 2, "category_id": 3, "segmentation": [[1, 1, 2, 2]], "area": 4}
             ]}
            """;

    static Path write(Path dir, String text) throws IOException {
        return Files.writeString(dir.resolve("instances.json"), text);
    }

    @Test void readsEveryKindOfSegmentation(@TempDir Path tmp) throws IOException {
        CocoDataset d = CocoDataset.read(write(tmp, FILE));
        assertEquals(List.of(2L, 9L), d.images().stream().map(CocoDataset.Image::id).toList(), "sorted by id");
        assertEquals(new CocoDataset.Image(9, "b.png", 4, 3), d.image(9));
        assertEquals(List.of(1, 3), d.categories().stream().map(CocoDataset.Category::id).toList());
        assertEquals(List.of("box", "block"), d.categories().get(1).synonyms());
        assertEquals(List.of(), d.categories().get(0).synonyms());

        List<CocoDataset.Annotation> a = d.annotations();
        assertEquals(List.of(5L, 6L, 7L, 8L, 10L), a.stream().map(CocoDataset.Annotation::id).toList(), "file order");
        assertEquals(RleShapesTest.rle("##..", "##..", "....", "...."), a.get(0).mask());
        assertEquals(4.0, a.get(0).area());
        // two polygons OR-ed; no area in the file: the mask's
        assertEquals(RleShapesTest.rle("##..", "##..", "....", "...#"), a.get(1).mask());
        assertEquals(5.0, a.get(1).area());
        // uncompressed counts, column by column: 1 off, 2 on (x=0, y=1..2), 5 off, 1 on (x=2, y=2), 3 off
        assertEquals(RleShapesTest.rle("....", "#...", "#.#."), a.get(2).mask());
        assertTrue(a.get(2).crowd());
        assertFalse(a.get(3).crowd());
        // "123O2": runs 1, 2, 3, then 'O' = -1 and '2' = 2 added to the runs two before: 1, 5
        assertEquals(RleShapesTest.rle("..#.", "#...", "#..."), a.get(3).mask());
        assertEquals(2.5, a.get(3).area());
        // a first part of 4 numbers is a box {x, y, w, h}, as pycocotools' frPyObjects takes it
        assertEquals(RleShapesTest.rle("....", ".##.", ".##.", "...."), a.get(4).mask());
        assertEquals(List.of(5L, 6L, 10L), d.byImage().get(2L).stream().map(CocoDataset.Annotation::id).toList());
    }

    @Test void malformedFilesAreOneLineErrorsNamingTheAnnotation(@TempDir Path tmp) throws IOException {
        Path missing = tmp.resolve("none.json");
        assertEquals(missing + ": no such file", assertThrows(IOException.class, () -> CocoDataset.read(missing)).getMessage());
        assertError(tmp, "{\"images\": [", "instances.json:1:");
        assertError(tmp, "[]", "expected a JSON object with images, annotations and categories");
        assertError(tmp, FILE.replace("\"image_id\": 9, \"category_id\": 3", "\"image_id\": 4, \"category_id\": 3"),
                "instances.json: annotation 8: image_id 4 is not among the images");
        assertError(tmp, FILE.replace("\"image_id\": 9, \"category_id\": 3", "\"image_id\": 9, \"category_id\": 4"),
                "instances.json: annotation 8: category_id 4 is not among the categories");
        assertError(tmp, FILE.replace("[3, 4], \"counts\": [1", "[4, 4], \"counts\": [1"),
                "instances.json: annotation 7: segmentation: RLE of size 4x4 on a 3x4 image");
        assertError(tmp, FILE.replace("[1, 2, 5, 1, 3]", "[1, 2, 5, 1, 4]"),
                "instances.json: annotation 7: segmentation: RLE runs add up to 13 pixels, the mask has 3x4");
        assertError(tmp, FILE.replace("[[0, 0, 2, 0, 2, 2, 0, 2]], \"area\": 4.0", "[[0, 0, 2, 0, 2, 2, 0]], \"area\": 4.0"),
                "instances.json: annotation 5: segmentation: polygon 0 has 7 numbers, not x, y pairs");
        assertError(tmp, FILE.replace("\"123O2\"", "7"),
                "instances.json: annotation 8: segmentation: RLE counts must be a string or a list of integers");
        assertError(tmp, FILE.replace("\"iscrowd\": 1", "\"iscrowd\": 2"), "instances.json: annotation 7: iscrowd must be 0 or 1, got 2");
        assertError(tmp, FILE.replace("{\"id\": 2, \"file_name\"", "{\"id\": 9, \"file_name\""), "instances.json: image id 9 appears twice");
        assertError(tmp, FILE.replace("\"id\": 6, \"image_id\": 2, \"category_id\": 1, ", "\"id\": 6, \"category_id\": 1, "),
                "instances.json: annotation 6.image_id: missing");
    }

    private static void assertError(Path tmp, String text, String expected) throws IOException {
        Path f = write(tmp, text);
        JsonException e = assertThrows(JsonException.class, () -> CocoDataset.read(f));
        assertTrue(e.getMessage().startsWith(tmp.resolve("instances.json").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected.replace("instances.json", tmp.resolve("instances.json").toString())),
                e.getMessage() + "\nexpected to contain: " + expected);
        assertFalse(e.getMessage().contains("\n"));
    }
}
