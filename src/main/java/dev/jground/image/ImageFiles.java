package dev.jground.image;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Reads image files into 8-bit RGB as PIL's {@code Image.open(f).convert('RGB')} does, for every
 * format this JDK's ImageIO reads: PNG, JPEG, BMP, GIF (the first frame), TIFF, and WebP where a
 * plugin adds it. Three deliberate differences from PIL: alpha is composited over a background
 * instead of dropped (palette and colour-key transparency too), 16-bit grey keeps its high byte
 * instead of clipping, and a JPEG's EXIF orientation is honoured ({@link Exif}). Anything else is
 * an {@link IOException} of one line naming the file: missing, empty, not an image, truncated,
 * corrupt, or above {@link #MAX_SIDE} / {@link #MAX_PIXELS}, which is checked from the header.
 */
public final class ImageFiles {
    private ImageFiles() {}

    /**
     * LLaVA's padding colour (122, 116, 104), expand2square's {@code tuple(int(m * 255))} of CLIP's
     * mean. Transparent areas composited on it look to the model like the padding it was trained on.
     */
    public static final int LLAVA_PADDING = (int) (ClipImageProcessor.CLIP_MEAN[0] * 255.0) << 16
            | (int) (ClipImageProcessor.CLIP_MEAN[1] * 255.0) << 8 | (int) (ClipImageProcessor.CLIP_MEAN[2] * 255.0);

    /**
     * The most pixels an image may declare: PIL's decompression-bomb error threshold
     * ({@code 2 * Image.MAX_IMAGE_PIXELS}, 2 * 1024^3 / 4 / 3), so whatever LLaVA's Python code
     * opens, this opens; the largest camera sensors give about 150 million.
     */
    public static final long MAX_PIXELS = 178_956_970;

    /**
     * The longest side an image may declare. LLaVA pads to a square of the long side
     * ({@link ClipImageProcessor#expandToSquare}); 20000² RGB bytes (1.2 GB) still fit one Java array.
     */
    public static final int MAX_SIDE = 20_000;

    /** The image in {@code file}, transparent areas composited on {@link #LLAVA_PADDING}. */
    public static RgbImage read(Path file) throws IOException {
        return read(file, LLAVA_PADDING);
    }

    /** The image in {@code file}, transparent areas composited on {@code background} (0xRRGGBB). */
    public static RgbImage read(Path file, int background) throws IOException {
        if (Files.isDirectory(file)) throw new IOException(file + ": is a directory, not an image file");
        if (!Files.exists(file)) throw new IOException(file + ": no such image file");
        if (Files.size(file) == 0) throw new IOException(file + ": empty file (0 bytes), not an image");
        RgbImage image;
        boolean jpeg;
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new IOException(file + ": " + unreadableFormat(file));
            ImageReader reader = readers.next();
            try {
                jpeg = reader.getFormatName().equalsIgnoreCase("jpeg");
                image = toRgb(decode(file, reader, in), background);
            } finally {
                reader.dispose();
            }
        } catch (java.io.FileNotFoundException e) {   // ImageIO's way of saying permission denied
            throw new IOException(file + ": cannot be opened (" + e.getMessage() + ")", e);
        }
        return jpeg ? Exif.upright(image, Exif.orientation(file)) : image;
    }

    /** Image 0 (a GIF's first frame), its declared size checked before any pixel is allocated. */
    private static BufferedImage decode(Path file, ImageReader reader, ImageInputStream in) throws IOException {
        String format = reader.getFormatName().toUpperCase(Locale.ROOT);
        reader.setInput(in, true, true);
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
        int w, h;
        try {
            w = reader.getWidth(0);
            h = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw unreadable(file, format, in, e);
        }
        if (w > MAX_SIDE || h > MAX_SIDE || (long) w * h > MAX_PIXELS)
            throw new IOException(file + ": a " + w + "x" + h + " " + format + " is above jground's size limit ("
                    + MAX_SIDE + " pixels a side, " + MAX_PIXELS + " pixels in all)");
        if (format.equals("GIF") && h > 1 && h < 5 && interlaced(reader))
            throw new IOException(file + ": an interlaced GIF " + h + " rows tall, which this JDK's GIF reader decodes"
                    + " with rows misplaced (save it without interlacing)");
        BufferedImage img;
        try {
            img = reader.read(0);
        } catch (IOException | RuntimeException e) {
            throw unreadable(file, format, in, e);
        }
        // Java's libjpeg glue decodes a short JPEG anyway and only warns: "Truncated File - Missing EOI
        // marker", "premature end of data segment". PIL refuses a cut scan too ("image file is truncated");
        // it keeps a JPEG that lacks only its EOI, but in a progressive file the same warning hides an
        // image missing its later scans, so both are refused here.
        if (format.equals("JPEG")) for (String warning : warnings) {
            String lower = warning.toLowerCase(Locale.ROOT);
            if (lower.contains("truncated") || lower.contains("premature end"))
                throw new IOException(file + ": truncated JPEG (" + warning + ")");
        }
        return img;
    }

    /**
     * Whether the GIF's first image is interlaced. Java's GIFImageReader moves to the next pass without
     * checking that the pass's first row (4, 2, 1) exists, so under 5 rows it misplaces or drops rows.
     */
    private static boolean interlaced(ImageReader gif) throws IOException {
        IIOMetadata metadata = gif.getImageMetadata(0);
        var root = (IIOMetadataNode) metadata.getAsTree(metadata.getNativeMetadataFormatName());
        var descriptor = (IIOMetadataNode) root.getElementsByTagName("ImageDescriptor").item(0);
        return descriptor != null && descriptor.getAttribute("interlaceFlag").equals("TRUE");
    }

    private static IOException unreadable(Path file, String format, ImageInputStream in, Exception e) {
        boolean atEnd;
        try {
            atEnd = in.read() < 0;
        } catch (IOException ignored) {
            atEnd = false;
        }
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e.getCause() != null && e.getCause().getMessage() != null) why += ": " + e.getCause().getMessage();
        return new IOException(file + ": " + (atEnd ? "truncated " + format + " file, it ends inside the image ("
                : "corrupt " + format + " data (") + why.replace('\n', ' ') + ")", e);
    }

    /** Why no ImageIO reader takes the file: a format this JDK lacks, or not an image at all. */
    private static String unreadableFormat(Path file) throws IOException {
        byte[] head;
        try (var s = Files.newInputStream(file)) {
            head = s.readNBytes(12);
        }
        String ascii = new String(head, StandardCharsets.ISO_8859_1);
        if (ascii.startsWith("RIFF") && ascii.startsWith("WEBP", 8))
            return "WebP is not supported by this JDK's ImageIO (convert it to PNG or JPEG)";
        // ISO-BMFF: size, "ftyp", brand; the HEIF brands are iPhone photos (HEIC) and AVIF
        if (ascii.startsWith("ftyp", 4) && List.of("heic", "heix", "mif1", "msf1", "avif").contains(ascii.substring(8)))
            return "HEIC/AVIF is not supported by this JDK's ImageIO (convert it to PNG or JPEG)";
        return "not an image file jground can read (it reads " + String.join(", ", readerFormats()) + ")";
    }

    private static List<String> readerFormats() {
        return Arrays.stream(ImageIO.getReaderFormatNames()).map(f -> f.toUpperCase(Locale.ROOT))
                .map(f -> f.equals("JPG") ? "JPEG" : f.equals("TIF") ? "TIFF" : f).distinct().sorted().toList();
    }

    /**
     * 8-bit RGB, alpha composited on {@code background}. Grey and RGB component images are read from
     * their raster samples: getRGB would convert them through their colour space (a linear-gamma grey
     * for PNG and JPEG grey, an embedded ICC profile) where PIL copies the samples. Palettes, packed
     * pixels and the rest go through getRGB, which for them is a plain lookup.
     */
    private static RgbImage toRgb(BufferedImage img, int background) {
        int w = img.getWidth(), h = img.getHeight();
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        int space = cm.getColorSpace().getType(), type = raster.getTransferType();
        boolean samples = cm instanceof ComponentColorModel && !cm.isAlphaPremultiplied()
                && (space == ColorSpace.TYPE_GRAY || space == ColorSpace.TYPE_RGB)
                && (type == DataBuffer.TYPE_BYTE || type == DataBuffer.TYPE_USHORT);
        int colours = cm.getNumColorComponents(), bands = cm.getNumComponents();
        int[] row = new int[w * bands], argb = new int[w];
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            if (samples) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int s = x * bands, r = to8(row[s], cm.getComponentSize(0)), g = r, b = r;
                    if (colours == 3) {
                        g = to8(row[s + 1], cm.getComponentSize(1));
                        b = to8(row[s + 2], cm.getComponentSize(2));
                    }
                    int a = cm.hasAlpha() ? to8(row[s + colours], cm.getComponentSize(colours)) : 255;
                    argb[x] = a << 24 | r << 16 | g << 8 | b;
                }
            } else {
                img.getRGB(0, y, w, 1, argb, 0, w);
            }
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3, a = argb[x] >>> 24;
                for (int c = 0; c < 3; c++)
                    px[i + c] = (byte) over(argb[x] >> (16 - 8 * c) & 0xFF, a, background >> (16 - 8 * c) & 0xFF);
            }
        }
        return new RgbImage(w, h, px);
    }

    /**
     * A sample of {@code bits} bits as 8 bits. 16-bit keeps the high byte, as PIL unpacks 16-bit RGB,
     * RGBA and LA PNGs; PIL's I;16 -> RGB instead clips every grey above 255 to white (Convert.c
     * I16_RGB), which would whiten nearly all of a 16-bit grey photo, so grey takes the high byte too.
     */
    private static int to8(int sample, int bits) {
        if (bits == 8) return sample;
        if (bits == 16) return sample >>> 8;
        int max = (1 << bits) - 1;
        return (sample * 255 + max / 2) / max;
    }

    /** round(a·c + (1 - a)·bg) for a = alpha / 255; num / 255 never ends in .5, so +127 rounds. */
    private static int over(int c, int alpha, int bg) {
        return alpha == 255 ? c : (alpha * c + (255 - alpha) * bg + 127) / 255;
    }

    /** Writes a PNG atomically: a temporary file beside the target, then a rename. */
    public static void writePng(RgbImage image, Path file) throws IOException {
        write(interleaved(image.width(), image.height(), image.pixels(), 3), file);
    }

    /** Writes straight (not premultiplied) RGBA pixels, [height, width, 4] row-major, as a PNG with alpha, atomically. */
    public static void writeRgbaPng(int width, int height, byte[] rgba, Path file) throws IOException {
        if (rgba.length != (long) width * height * 4)
            throw new IllegalArgumentException(rgba.length + " bytes for a " + width + "x" + height + " RGBA image");
        write(interleaved(width, height, rgba, 4), file);
    }

    /** The bytes as they are, RGB or RGBA interleaved, behind an 8-bit sRGB colour model: no per-pixel copy. */
    private static BufferedImage interleaved(int width, int height, byte[] pixels, int bands) {
        int[] offsets = bands == 4 ? new int[] {0, 1, 2, 3} : new int[] {0, 1, 2};
        var raster = java.awt.image.Raster.createInterleavedRaster(new java.awt.image.DataBufferByte(pixels, pixels.length),
                width, height, width * bands, bands, offsets, null);
        var model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), bands == 4, false,
                bands == 4 ? java.awt.Transparency.TRANSLUCENT : java.awt.Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        return new BufferedImage(model, raster, false, null);
    }

    private static void write(BufferedImage image, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            if (!ImageIO.write(image, "png", tmp.toFile())) throw new IOException("no PNG writer");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
