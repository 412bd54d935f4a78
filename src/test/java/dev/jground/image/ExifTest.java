package dev.jground.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ExifTest {
    @TempDir Path dir;

    static final int RED = 0xE01010, GREEN = 0x10E010, BLUE = 0x1010E0;

    /** A 48x32 JPEG in 16-pixel blocks: the stored top-left block red, the top-right green, the rest blue. */
    static byte[] markedJpeg() throws IOException {
        BufferedImage image = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 48; x++) image.setRGB(x, y, y < 16 && x < 16 ? RED : y < 16 && x >= 32 ? GREEN : BLUE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, "jpeg", out));
        return out.toByteArray();
    }

    /** An APP1 Exif segment whose IFD0 holds a Make entry, then Orientation (SHORT, count 1). */
    static byte[] app1(ByteOrder order, int orientation) {
        ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 2 * 12 + 4).order(order);
        tiff.put(order == ByteOrder.LITTLE_ENDIAN ? new byte[] {'I', 'I'} : new byte[] {'M', 'M'}).putShort((short) 42).putInt(8);
        tiff.putShort((short) 2);
        tiff.putShort((short) 0x010F).putShort((short) 2).putInt(4).put(new byte[] {'A', 'b', 'c', 0});    // Make, ASCII
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        tiff.putInt(0);   // no next IFD
        byte[] body = tiff.array();
        ByteBuffer seg = ByteBuffer.allocate(4 + 6 + body.length);
        seg.put((byte) 0xFF).put((byte) 0xE1).putShort((short) (2 + 6 + body.length)).put("Exif\0\0".getBytes()).put(body);
        return seg.array();
    }

    /** The JPEG with the segment spliced in after its JFIF APP0, so the parser must skip a segment first. */
    static byte[] splice(byte[] jpeg, byte[] segment) {
        assertEquals(0xFFE0, ((jpeg[2] & 0xFF) << 8) | (jpeg[3] & 0xFF), "ImageIO's JPEG starts with APP0");
        int at = 4 + (((jpeg[4] & 0xFF) << 8) | (jpeg[5] & 0xFF));
        ByteBuffer out = ByteBuffer.allocate(jpeg.length + segment.length);
        return out.put(jpeg, 0, at).put(segment).put(jpeg, at, jpeg.length - at).array();
    }

    static void assertBlock(RgbImage image, String corner, int rgb, String what) {
        int x = corner.charAt(1) == 'L' ? 8 : image.width() - 8, y = corner.charAt(0) == 'T' ? 8 : image.height() - 8;
        for (int c = 0; c < 3; c++)
            assertEquals(rgb >> (16 - 8 * c) & 0xFF, image.get(x, y, c), 12, what + ": channel " + c + " at " + corner);
    }

    @Test void everyOrientationPutsTheStoredCornersWhereTheExifStandardSays() throws IOException {
        // Exif 2.3 table for tag 0x0112: where the stored top-left (red) and top-right (green) corners show
        String[][] corners = {{"TL", "TR"}, {"TR", "TL"}, {"BR", "BL"}, {"BL", "BR"},
                {"TL", "BL"}, {"TR", "BR"}, {"BR", "TR"}, {"BL", "TL"}};
        byte[] jpeg = markedJpeg();
        for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN})
            for (int orientation = 1; orientation <= 8; orientation++) {
                String what = "orientation " + orientation + ", " + order;
                Path file = Files.write(dir.resolve("o" + orientation + order + ".jpg"), splice(jpeg, app1(order, orientation)));
                assertEquals(orientation, Exif.orientation(file), what);
                RgbImage read = ImageFiles.read(file);
                assertEquals(orientation >= 5 ? 32 : 48, read.width(), what);
                assertEquals(orientation >= 5 ? 48 : 32, read.height(), what);
                assertBlock(read, corners[orientation - 1][0], RED, what);
                assertBlock(read, corners[orientation - 1][1], GREEN, what);
            }
    }

    @Test void withoutExifOrWithABrokenOneTheImageIsAsStored() throws IOException {
        byte[] jpeg = markedJpeg();
        Path plain = Files.write(dir.resolve("plain.jpg"), jpeg);
        assertEquals(1, Exif.orientation(plain));
        byte[] badIfd = app1(ByteOrder.BIG_ENDIAN, 6);
        badIfd[10 + 4] = 0x7F;   // IFD0 offset far past the segment
        byte[] outOfRange = app1(ByteOrder.LITTLE_ENDIAN, 9);
        byte[] badOrder = app1(ByteOrder.BIG_ENDIAN, 6);
        badOrder[10] = 'X';
        for (byte[] segment : new byte[][] {badIfd, outOfRange, badOrder}) {
            Path file = Files.write(dir.resolve("broken.jpg"), splice(jpeg, segment));
            assertEquals(1, Exif.orientation(file));
            RgbImage read = ImageFiles.read(file);
            assertEquals(48, read.width());
            assertBlock(read, "TL", RED, "broken EXIF");
        }
    }

    @Test void uprightMovesEveryPixelOfASmallImage() {
        // 3x2 stored as a b c / d e f; each orientation's upright view written out by hand
        RgbImage stored = new RgbImage(3, 2, new byte[] {1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0, 6, 0, 0});
        int[][] want = {null, {1, 2, 3, 4, 5, 6}, {3, 2, 1, 6, 5, 4}, {6, 5, 4, 3, 2, 1}, {4, 5, 6, 1, 2, 3},
                {1, 4, 2, 5, 3, 6}, {4, 1, 5, 2, 6, 3}, {6, 3, 5, 2, 4, 1}, {3, 6, 2, 5, 1, 4}};
        for (int o = 1; o <= 8; o++) {
            RgbImage up = Exif.upright(stored, o);
            assertEquals(o >= 5 ? 2 : 3, up.width(), "orientation " + o);
            for (int i = 0; i < 6; i++) assertEquals(want[o][i], up.pixels()[3 * i], "orientation " + o + ", pixel " + i);
        }
    }
}
