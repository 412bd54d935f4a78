package dev.jground.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.*;

class ImageFilesTest {
    @TempDir Path dir;

    static final int[] PADDING = {122, 116, 104};   // LLaVA's expand2square colour, int(CLIP mean * 255)

    Path write(BufferedImage image, String format, String name) throws IOException {
        Path file = dir.resolve(name);
        assertTrue(ImageIO.write(image, format, file.toFile()), "ImageIO writes " + format);
        return file;
    }

    static void assertPixel(RgbImage image, int x, int y, int... rgb) {
        for (int c = 0; c < 3; c++) assertEquals(rgb[c], image.get(x, y, c), "pixel (" + x + ", " + y + ") channel " + c);
    }

    /** round(a·c + (1 - a)·bg) with a = alpha / 255, in doubles. */
    static int over(int c, int alpha, int bg) {
        return (int) Math.round(alpha / 255.0 * c + (1 - alpha / 255.0) * bg);
    }

    /** A component image of the given colour space, sample type and bands, pixel i of row 0 set to samples[i]. */
    static BufferedImage components(int space, boolean alpha, int dataType, int[][] samples) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(space), alpha, false,
                alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE, dataType);
        BufferedImage image = new BufferedImage(cm, cm.createCompatibleWritableRaster(samples.length, 1), false, null);
        for (int x = 0; x < samples.length; x++) image.getRaster().setPixel(x, 0, samples[x]);
        return image;
    }

    @Test void rgbPngBmpAndTiffReadBackExactlyInLandscapeAndPortrait() throws IOException {
        for (int[] size : new int[][] {{7, 3}, {3, 7}})
            for (String format : new String[] {"png", "bmp", "tiff"}) {
                int w = size[0], h = size[1];
                BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++) image.getRaster().setPixel(x, y, new int[] {30 * x, 35 * y, 250 - x - 9 * y});
                RgbImage read = ImageFiles.read(write(image, format, w + "x" + h + "." + format));
                assertEquals(w, read.width(), format);
                assertEquals(h, read.height(), format);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++) assertPixel(read, x, y, 30 * x, 35 * y, 250 - x - 9 * y);
            }
    }

    @Test void jpegsReadInLandscapeAndPortrait() throws IOException {
        for (int[] size : new int[][] {{64, 32}, {32, 64}}) {
            int w = size[0], h = size[1];
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) image.setRGB(x, y, y < h / 2 ? 0xDC1E28 : 0x1E28DC);   // red above blue
            RgbImage read = ImageFiles.read(write(image, "jpeg", w + "x" + h + ".jpg"));
            assertEquals(w, read.width());
            assertEquals(h, read.height());
            int[] red = {0xDC, 0x1E, 0x28}, blue = {0x1E, 0x28, 0xDC};
            for (int c = 0; c < 3; c++) {
                assertEquals(red[c], read.get(w / 2, h / 4, c), 6, "top half, channel " + c);
                assertEquals(blue[c], read.get(w / 2, 3 * h / 4, c), 6, "bottom half, channel " + c);
            }
        }
    }

    @Test void oneByOneImagesReadInEveryFormat() throws IOException {
        BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_3BYTE_BGR);
        one.getRaster().setPixel(0, 0, new int[] {200, 100, 50});
        for (String format : new String[] {"png", "bmp", "tiff", "gif", "jpeg"}) {
            RgbImage read = ImageFiles.read(write(one, format, "one." + format));
            assertEquals(1, read.width(), format);
            assertEquals(1, read.height(), format);
            // GIF's writer quantises to a palette and JPEG is lossy; a flat 1x1 stays near its colour
            int tolerance = format.equals("png") || format.equals("bmp") || format.equals("tiff") ? 0 : 12;
            int[] want = {200, 100, 50};
            for (int c = 0; c < 3; c++) assertEquals(want[c], read.get(0, 0, c), tolerance, format + " channel " + c);
        }
    }

    @Test void greyLevelsAreReplicatedNotGammaConverted() throws IOException {
        int[] levels = {0, 1, 100, 128, 254, 255};
        BufferedImage grey = new BufferedImage(levels.length, 1, BufferedImage.TYPE_BYTE_GRAY);
        for (int x = 0; x < levels.length; x++) grey.getRaster().setSample(x, 0, 0, levels[x]);
        RgbImage read = ImageFiles.read(write(grey, "png", "grey.png"));
        for (int x = 0; x < levels.length; x++) assertPixel(read, x, 0, levels[x], levels[x], levels[x]);

        BufferedImage flat = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 256; i++) flat.getRaster().setSample(i % 16, i / 16, 0, 100);
        RgbImage jpeg = ImageFiles.read(write(flat, "jpeg", "grey.jpg"));   // getRGB would give 168 (linear grey)
        for (int c = 0; c < 3; c++) assertEquals(100, jpeg.get(8, 8, c), 1);
    }

    @Test void sixteenBitGreyKeepsTheHighByteInsteadOfClippingAsPilDoes() throws IOException {
        int[] levels = {0x0000, 0x00FF, 0x0100, 0x1234, 0x7FFF, 0x8000, 0xFFFF};
        BufferedImage grey = new BufferedImage(levels.length, 1, BufferedImage.TYPE_USHORT_GRAY);
        for (int x = 0; x < levels.length; x++) grey.getRaster().setSample(x, 0, 0, levels[x]);
        RgbImage read = ImageFiles.read(write(grey, "png", "grey16.png"));
        int[] want = {0, 0, 1, 0x12, 0x7F, 0x80, 0xFF};
        for (int x = 0; x < levels.length; x++) assertPixel(read, x, 0, want[x], want[x], want[x]);
    }

    @Test void sixteenBitRgbAndRgbaKeepTheHighByte() throws IOException {
        BufferedImage rgb = components(ColorSpace.CS_sRGB, false, DataBuffer.TYPE_USHORT,
                new int[][] {{0x1234, 0xABCD, 0xFFFF}, {0x00FF, 0x0100, 0x7F80}});
        RgbImage read = ImageFiles.read(write(rgb, "png", "rgb16.png"));
        assertPixel(read, 0, 0, 0x12, 0xAB, 0xFF);
        assertPixel(read, 1, 0, 0x00, 0x01, 0x7F);

        BufferedImage rgba = components(ColorSpace.CS_sRGB, true, DataBuffer.TYPE_USHORT,
                new int[][] {{0x1234, 0xABCD, 0xFFFF, 0xFFFF}, {0xFF00, 0x8000, 0x0000, 0x80FF}, {0xFFFF, 0xFFFF, 0xFFFF, 0x00FF}});
        read = ImageFiles.read(write(rgba, "png", "rgba16.png"));
        assertPixel(read, 0, 0, 0x12, 0xAB, 0xFF);
        assertPixel(read, 1, 0, over(0xFF, 0x80, 122), over(0x80, 0x80, 116), over(0, 0x80, 104));
        assertPixel(read, 2, 0, PADDING);   // alpha 0x00FF has high byte 0: fully transparent
    }

    @Test void alphaIsCompositedOnTheLlavaPaddingOrAGivenBackground() throws IOException {
        assertEquals(122 << 16 | 116 << 8 | 104, ImageFiles.LLAVA_PADDING);
        int[] argb = {0xFF102030, 0x00FFFFFF, 0x80FF0000, 0x0100FF00, 0xFE0000FF};
        BufferedImage image = new BufferedImage(argb.length, 1, BufferedImage.TYPE_INT_ARGB);
        for (int x = 0; x < argb.length; x++) image.setRGB(x, 0, argb[x]);
        Path file = write(image, "png", "alpha.png");
        RgbImage read = ImageFiles.read(file);
        assertPixel(read, 0, 0, 0x10, 0x20, 0x30);
        assertPixel(read, 1, 0, PADDING);
        assertPixel(read, 2, 0, over(255, 128, 122), over(0, 128, 116), over(0, 128, 104));   // 189, 58, 52
        assertPixel(read, 2, 0, 189, 58, 52);
        assertPixel(read, 3, 0, over(0, 1, 122), over(255, 1, 116), over(0, 1, 104));
        assertPixel(read, 4, 0, over(0, 254, 122), over(0, 254, 116), over(255, 254, 104));

        RgbImage onWhite = ImageFiles.read(file, 0xFFFFFF);
        assertPixel(onWhite, 1, 0, 255, 255, 255);
        assertPixel(onWhite, 2, 0, 255, over(0, 128, 255), over(0, 128, 255));
    }

    @Test void greyWithAlphaIsReplicatedThenComposited() throws IOException {
        BufferedImage la = components(ColorSpace.CS_GRAY, true, DataBuffer.TYPE_BYTE,
                new int[][] {{100, 255}, {100, 0}, {200, 64}});
        RgbImage read = ImageFiles.read(write(la, "png", "la.png"));
        assertPixel(read, 0, 0, 100, 100, 100);
        assertPixel(read, 1, 0, PADDING);
        assertPixel(read, 2, 0, over(200, 64, 122), over(200, 64, 116), over(200, 64, 104));
    }

    static final byte[] R = {(byte) 255, 0, 0, 10}, G = {0, (byte) 255, 0, 20}, B = {0, 0, (byte) 255, 30};

    @Test void palettesAreLookedUpAndTheirTransparentIndexComposited() throws IOException {
        IndexColorModel withAlpha = new IndexColorModel(8, 4, R, G, B, new byte[] {(byte) 255, (byte) 255, (byte) 128, 0});
        BufferedImage indexed = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_INDEXED, withAlpha);
        for (int x = 0; x < 4; x++) indexed.getRaster().setSample(x, 0, 0, x);
        for (String format : new String[] {"png", "gif"}) {
            RgbImage read = ImageFiles.read(write(indexed, format, "palette." + format));
            assertPixel(read, 0, 0, 255, 0, 0);
            assertPixel(read, 1, 0, 0, 255, 0);
            assertPixel(read, 3, 0, PADDING);   // the transparent index (GIF has only on/off transparency)
            if (format.equals("png")) assertPixel(read, 2, 0, over(0, 128, 122), over(0, 128, 116), over(255, 128, 104));
        }
        IndexColorModel twoBits = new IndexColorModel(2, 4, R, G, B);   // PNG bit depth 2
        BufferedImage packed = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_BINARY, twoBits);
        for (int x = 0; x < 4; x++) packed.getRaster().setSample(x, 0, 0, 3 - x);
        RgbImage read = ImageFiles.read(write(packed, "png", "palette2.png"));
        assertPixel(read, 0, 0, 10, 20, 30);
        assertPixel(read, 1, 0, 0, 0, 255);
        assertPixel(read, 3, 0, 255, 0, 0);
    }

    @Test void anAnimatedGifGivesItsFirstFrame() throws IOException {
        Path gif = dir.resolve("animated.gif");
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(gif.toFile())) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (int colour : new int[] {1, 2, 0}) {
                BufferedImage frame = new BufferedImage(6, 5, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 4, R, G, B));
                for (int i = 0; i < 30; i++) frame.getRaster().setSample(i % 6, i / 6, 0, colour);
                writer.writeToSequence(new IIOImage(frame, null, null), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        RgbImage read = ImageFiles.read(gif);
        assertEquals(6, read.width());
        assertEquals(5, read.height());
        for (int i = 0; i < 30; i++) assertPixel(read, i % 6, i / 6, 0, 255, 0);
    }

    @Test void interlacedGifsTooShortForJavasReaderAreRefusedNotMisread() throws IOException {
        // ImageIO's GIF writer interlaces by default; rows 0-3 of index 1, 2, 1, 2
        BufferedImage image = new BufferedImage(3, 4, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 4, R, G, B));
        for (int i = 0; i < 12; i++) image.getRaster().setSample(i % 3, i / 3, 0, 1 + i / 3 % 2);
        assertEquals("an interlaced GIF 4 rows tall, which this JDK's GIF reader decodes with rows misplaced (save it without interlacing)",
                message(write(image, "gif", "short.gif")));
        BufferedImage taller = new BufferedImage(3, 5, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 4, R, G, B));
        for (int i = 0; i < 15; i++) taller.getRaster().setSample(i % 3, i / 3, 0, 1 + i / 3 % 2);
        RgbImage read = ImageFiles.read(write(taller, "gif", "taller.gif"));
        for (int y = 0; y < 5; y++) assertPixel(read, 1, y, 0, y % 2 == 0 ? 255 : 0, y % 2 == 0 ? 0 : 255);
    }

    static String message(Path file) {
        IOException e = assertThrows(IOException.class, () -> ImageFiles.read(file));
        String m = e.getMessage();
        assertTrue(m.startsWith(file + ": "), m);
        assertFalse(m.contains("\n"), m);
        return m.substring(file.toString().length() + 2);
    }

    @Test void missingEmptyDirectoryAndNonImageFilesAreOneLineErrors() throws IOException {
        assertEquals("no such image file", message(dir.resolve("missing.png")));
        assertEquals("is a directory, not an image file", message(Files.createDirectory(dir.resolve("photos.png"))));
        assertEquals("empty file (0 bytes), not an image", message(Files.createFile(dir.resolve("empty.jpg"))));
        String text = message(Files.writeString(dir.resolve("notes.png"), "these are notes, not a picture\n"));
        assertTrue(text.startsWith("not an image file jground can read (it reads ") && text.contains("GIF, JPEG, PNG"), text);
        assertEquals("WebP is not supported by this JDK's ImageIO (convert it to PNG or JPEG)",
                message(Files.write(dir.resolve("photo.webp"), "RIFF\u0024\0\0\0WEBPVP8 ".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))));
        assertTrue(message(Files.write(dir.resolve("photo.heic"), "\0\0\0\u0018ftypheic\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))
                .startsWith("HEIC/AVIF is not supported"));
    }

    @Test void truncatedFilesAreRefused() throws IOException {
        BufferedImage noise = new BufferedImage(120, 90, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(7);
        for (int y = 0; y < 90; y++) for (int x = 0; x < 120; x++) noise.setRGB(x, y, random.nextInt());
        for (String format : new String[] {"png", "jpeg", "gif", "bmp"}) {
            byte[] whole = Files.readAllBytes(write(noise, format, "whole." + format));
            ImageFiles.read(dir.resolve("whole." + format));   // the uncut file reads
            Path half = Files.write(dir.resolve("half." + format), Arrays.copyOf(whole, whole.length / 2));
            String m = message(half);
            assertTrue(m.startsWith("truncated " + format.toUpperCase()), m);
        }
        byte[] jpeg = Files.readAllBytes(dir.resolve("whole.jpeg"));
        String noEnd = message(Files.write(dir.resolve("no-eoi.jpg"), Arrays.copyOf(jpeg, jpeg.length - 2)));
        assertTrue(noEnd.startsWith("truncated JPEG"), noEnd);
        byte[] png = Files.readAllBytes(dir.resolve("whole.png"));
        assertTrue(message(Files.write(dir.resolve("header.png"), Arrays.copyOf(png, 20))).startsWith("truncated PNG"));
    }

    /** A PNG from its chunks, each given as type then data; length and CRC are added. */
    static byte[] png(Object... typesAndData) {
        ByteBuffer out = ByteBuffer.allocate(1 << 16).put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        for (int i = 0; i < typesAndData.length; i += 2) {
            byte[] type = ((String) typesAndData[i]).getBytes(java.nio.charset.StandardCharsets.US_ASCII), data = (byte[]) typesAndData[i + 1];
            CRC32 crc = new CRC32();
            crc.update(type);
            crc.update(data);
            out.putInt(data.length).put(type).put(data).putInt((int) crc.getValue());
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    static byte[] ihdr(int w, int h, int bitDepth, int colourType) {
        return ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) bitDepth).put((byte) colourType).put(new byte[3]).array();
    }

    static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater();
        d.setInput(raw);
        d.finish();
        byte[] out = new byte[raw.length + 64];
        int n = d.deflate(out);
        d.end();
        return Arrays.copyOf(out, n);
    }

    @Test void aHandMadePngReadsAsItsBytesSay() throws IOException {
        // checks the PNG builder the size-limit test relies on: 2x1 RGB, filter 0, (1,2,3) (250,251,252)
        Path file = Files.write(dir.resolve("handmade.png"), png("IHDR", ihdr(2, 1, 8, 2),
                "IDAT", deflate(new byte[] {0, 1, 2, 3, (byte) 250, (byte) 251, (byte) 252}), "IEND", new byte[0]));
        RgbImage read = ImageFiles.read(file);
        assertPixel(read, 0, 0, 1, 2, 3);
        assertPixel(read, 1, 0, 250, 251, 252);
    }

    @Test void aTransparentColourKeyCountsAsAlpha() throws IOException {
        // tRNS on RGB and grey PNGs names one fully transparent colour; PIL's convert('RGB') would keep it
        Path rgb = Files.write(dir.resolve("key-rgb.png"), png("IHDR", ihdr(2, 1, 8, 2), "tRNS", new byte[] {0, 10, 0, 20, 0, 30},
                "IDAT", deflate(new byte[] {0, 10, 20, 30, 40, 50, 60}), "IEND", new byte[0]));
        RgbImage read = ImageFiles.read(rgb);
        assertPixel(read, 0, 0, PADDING);
        assertPixel(read, 1, 0, 40, 50, 60);
        Path grey = Files.write(dir.resolve("key-grey.png"), png("IHDR", ihdr(2, 1, 8, 0), "tRNS", new byte[] {0, 10},
                "IDAT", deflate(new byte[] {0, 10, 40}), "IEND", new byte[0]));
        read = ImageFiles.read(grey);
        assertPixel(read, 0, 0, PADDING);
        assertPixel(read, 1, 0, 40, 40, 40);
    }

    @Test void aHugeDeclaredSizeIsRefusedFromTheHeaderBeforeAnyPixelIsAllocated() throws IOException {
        // 30000x30000 grey would need a 900 MB raster; the file is a valid IHDR and a tiny IDAT
        Path huge = Files.write(dir.resolve("huge.png"), png("IHDR", ihdr(30000, 30000, 8, 0),
                "IDAT", deflate(new byte[30001]), "IEND", new byte[0]));
        assertTrue(Files.size(huge) < 1000);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes(), t0 = System.nanoTime();
        assertEquals("a 30000x30000 PNG is above jground's size limit (20000 pixels a side, 178956970 pixels in all)", message(huge));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before, millis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(allocated < 64 << 20, allocated + " bytes allocated");
        assertTrue(millis < 5000, millis + " ms");
        // each limit on its own: one long side, and too many pixels with both sides allowed
        assertTrue(message(Files.write(dir.resolve("long.png"), png("IHDR", ihdr(20001, 1, 8, 0), "IEND", new byte[0])))
                .startsWith("a 20001x1 PNG is above"));
        assertTrue(message(Files.write(dir.resolve("many.png"), png("IHDR", ihdr(20000, 8948, 8, 0), "IEND", new byte[0])))
                .startsWith("a 20000x8948 PNG is above"));   // 178,960,000 pixels
    }
}
