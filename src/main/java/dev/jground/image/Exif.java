package dev.jground.image;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A JPEG's EXIF orientation (tag 0x0112 of IFD0 in the APP1 "Exif" segment, values 1-8) and the
 * flip or rotation that shows the photo upright, as PIL's {@code ImageOps.exif_transpose}. LLaVA's
 * own code only does {@code Image.open(f).convert('RGB')} and so feeds phone photos sideways;
 * honouring the orientation is a deliberate difference: the model sees what the user sees.
 */
final class Exif {
    private Exif() {}

    /**
     * The orientation of {@code jpeg}, 1 (as stored) when it has none. A missing, damaged or odd
     * EXIF block is not an error: the pixels are still good, only their orientation is unknown.
     */
    static int orientation(Path jpeg) throws IOException {
        try (InputStream file = Files.newInputStream(jpeg);
             DataInputStream in = new DataInputStream(new BufferedInputStream(file))) {
            if (in.readUnsignedShort() != 0xFFD8) return 1;   // SOI
            while (true) {   // marker segments up to the first scan: FF, marker, 2-byte length, payload
                if (in.readUnsignedByte() != 0xFF) return 1;
                int marker = in.readUnsignedByte();
                while (marker == 0xFF) marker = in.readUnsignedByte();   // fill bytes
                if (marker == 0xDA || marker == 0xD9) return 1;         // SOS, EOI: no EXIF before the image
                int length = in.readUnsignedShort() - 2;
                if (length < 0) return 1;
                byte[] payload = in.readNBytes(length);
                if (marker == 0xE1 && payload.length == length && new String(payload, 0, Math.min(6, length),
                        StandardCharsets.ISO_8859_1).equals("Exif\0\0"))
                    return tiffOrientation(ByteBuffer.wrap(payload, 6, length - 6).slice());
            }
        } catch (java.io.EOFException e) {
            return 1;
        }
    }

    /** Tag 0x0112 of the first IFD of a TIFF header ("II" little- or "MM" big-endian, then 42). */
    static int tiffOrientation(ByteBuffer tiff) {
        try {
            if (tiff.get(0) == 'I' && tiff.get(1) == 'I') tiff.order(ByteOrder.LITTLE_ENDIAN);
            else if (tiff.get(0) != 'M' || tiff.get(1) != 'M') return 1;
            if (tiff.getShort(2) != 42) return 1;
            int ifd = tiff.getInt(4), entries = Short.toUnsignedInt(tiff.getShort(ifd));
            for (int i = 0; i < entries; i++) {
                int entry = ifd + 2 + 12 * i;   // tag, type, count, value (a SHORT sits in the value's first 2 bytes)
                if (Short.toUnsignedInt(tiff.getShort(entry)) != 0x0112) continue;
                int type = tiff.getShort(entry + 2);   // SHORT as the standard says; a few writers use LONG
                int value = type == 3 ? tiff.getShort(entry + 8) : type == 4 ? tiff.getInt(entry + 8) : 0;
                return value >= 1 && value <= 8 ? value : 1;
            }
            return 1;
        } catch (IndexOutOfBoundsException e) {
            return 1;
        }
    }

    /**
     * The image as it should be shown. The EXIF orientation names where the stored first row and
     * column belong: 2 mirrored, 3 upside down, 4 flipped vertically, 5 transposed, 6 needs a quarter
     * turn clockwise, 7 transversed, 8 a quarter turn anticlockwise; 5 to 8 swap width and height.
     */
    static RgbImage upright(RgbImage image, int orientation) {
        if (orientation < 2 || orientation > 8) return image;
        int w = image.width(), h = image.height();
        boolean swap = orientation >= 5;
        int outW = swap ? h : w, outH = swap ? w : h;
        byte[] in = image.pixels(), out = new byte[in.length];
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++) {
                int source = switch (orientation) {   // the stored pixel that lands on (x, y)
                    case 2 -> y * w + (w - 1 - x);
                    case 3 -> (h - 1 - y) * w + (w - 1 - x);
                    case 4 -> (h - 1 - y) * w + x;
                    case 5 -> x * w + y;
                    case 6 -> (h - 1 - x) * w + y;
                    case 7 -> (h - 1 - x) * w + (w - 1 - y);
                    default -> x * w + (w - 1 - y);   // 8
                };
                System.arraycopy(in, source * 3, out, (y * outW + x) * 3, 3);
            }
        return new RgbImage(outW, outH, out);
    }
}
