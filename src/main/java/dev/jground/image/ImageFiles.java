package dev.jground.image;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Reads PNG, JPEG, BMP and GIF files into RGB, as PIL's {@code Image.open(f).convert('RGB')}. */
public final class ImageFiles {
    private ImageFiles() {}

    public static RgbImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such image file");
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": not a readable image (" + e.getMessage() + ")", e);
        }
        if (img == null) throw new IOException(file + ": not an image format jground reads (PNG, JPEG, BMP, GIF)");
        int w = img.getWidth(), h = img.getHeight();
        byte[] px = new byte[w * h * 3];
        Raster r = img.getRaster();
        if (img.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            // PIL's L -> RGB replicates the grey level; a colour-space conversion would not
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    byte g = (byte) r.getSample(x, y, 0);
                    int i = (y * w + x) * 3;
                    px[i] = px[i + 1] = px[i + 2] = g;
                }
        } else {
            // alpha is dropped, not composited, as convert('RGB') does
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int argb = img.getRGB(x, y), i = (y * w + x) * 3;
                    px[i] = (byte) (argb >> 16);
                    px[i + 1] = (byte) (argb >> 8);
                    px[i + 2] = (byte) argb;
                }
        }
        return new RgbImage(w, h, px);
    }

    /** Writes a PNG atomically: a temporary file beside the target, then a rename. */
    public static void writePng(RgbImage image, Path file) throws IOException {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++)
            for (int x = 0; x < image.width(); x++)
                out.setRGB(x, y, image.get(x, y, 0) << 16 | image.get(x, y, 1) << 8 | image.get(x, y, 2));
        write(out, file);
    }

    /** Writes straight (not premultiplied) RGBA pixels, [height, width, 4] row-major, as a PNG with alpha, atomically. */
    public static void writeRgbaPng(int width, int height, byte[] rgba, Path file) throws IOException {
        if (rgba.length != (long) width * height * 4)
            throw new IllegalArgumentException(rgba.length + " bytes for a " + width + "x" + height + " RGBA image");
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        for (int i = 0; i < width * height; i++)
            out.setRGB(i % width, i / width, (rgba[4 * i + 3] & 0xFF) << 24 | (rgba[4 * i] & 0xFF) << 16
                    | (rgba[4 * i + 1] & 0xFF) << 8 | rgba[4 * i + 2] & 0xFF);
        write(out, file);
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
