package dev.jground.eval;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A binary mask as COCO run-length encoding, byte for byte as pycocotools writes it
 * (cocoapi common/maskApi.c: rleEncode, rleDecode, rleArea, rleToBbox, rleToString, rleFrString).
 * <p>
 * The runs walk the mask column by column (Fortran order, as pycocotools requires
 * {@code np.asfortranarray}) and alternate 0s and 1s, starting with 0s: a mask whose first pixel
 * is 1 starts with a run of zero 0s.
 *
 * @param height rows of the mask
 * @param width  columns
 * @param counts run lengths, zeros first; they add up to height * width
 */
public record Rle(int height, int width, int[] counts) {

    public Rle {
        if (height < 0 || width < 0) throw new IllegalArgumentException("RLE size " + height + "x" + width);
        long sum = 0;
        for (int c : counts) {
            if (c < 0) throw new IllegalArgumentException("RLE run of " + c + " pixels");
            sum += c;
        }
        if (sum != (long) height * width)
            throw new IllegalArgumentException("RLE runs add up to " + sum + " pixels, the mask has " + height + "x" + width);
    }

    /** Encodes a 0/1 mask held row-major [height, width] (any non-zero byte counts as 1). */
    public static Rle encode(byte[] mask, int height, int width) {
        if (mask.length != (long) height * width)
            throw new IllegalArgumentException("a mask of " + mask.length + " pixels is not " + height + "x" + width);
        int[] runs = new int[mask.length + 1];
        int k = 0, run = 0;
        boolean current = false;
        for (int x = 0; x < width; x++)
            for (int y = 0; y < height; y++) {
                boolean v = mask[y * width + x] != 0;
                if (v != current) {
                    runs[k++] = run;
                    run = 0;
                    current = v;
                }
                run++;
            }
        runs[k++] = run;
        return new Rle(height, width, Arrays.copyOf(runs, k));
    }

    /** The mask back, row-major [height, width] of 0/1. */
    public byte[] decode() {
        byte[] mask = new byte[height * width];
        int i = 0;
        for (int j = 0; j < counts.length; j++) {
            byte v = (byte) (j & 1);
            for (int c = 0; c < counts[j]; c++, i++) mask[(i % height) * width + i / height] = v;
        }
        return mask;
    }

    /** Pixels set (rleArea: the odd runs). */
    public long area() {
        long a = 0;
        for (int j = 1; j < counts.length; j += 2) a += counts[j];
        return a;
    }

    /**
     * The box around the set pixels, {x, y, width, height}, all zero for an empty mask (rleToBbox).
     * A run of ones that goes on into the next column covers every row of the box.
     */
    public int[] toBbox() {
        long xs = width, ys = height, xe = -1, ye = -1, at = 0;
        for (int j = 0; j < counts.length; j++) {
            long first = at, last = at + counts[j] - 1;
            at += counts[j];
            if (j % 2 == 0 || counts[j] == 0) continue;
            long x0 = first / height, x1 = last / height;
            xs = Math.min(xs, x0); xe = Math.max(xe, x1);
            if (x0 != x1) { ys = 0; ye = height - 1; }
            else { ys = Math.min(ys, first % height); ye = Math.max(ye, last % height); }
        }
        if (xe < 0) return new int[4];
        return new int[] {(int) xs, (int) ys, (int) (xe - xs + 1), (int) (ye - ys + 1)};
    }

    /**
     * The compressed counts string (rleToString): from the fourth run on each run is stored as the
     * difference to the run two before; every value is written in 5-bit groups, least significant
     * first, with 0x20 meaning "more groups follow", the last group's 0x10 bit giving the sign, and
     * 48 added to make each group a printable character.
     */
    @Override public String toString() {
        StringBuilder s = new StringBuilder(counts.length * 2);
        for (int i = 0; i < counts.length; i++) {
            long x = counts[i];
            if (i > 2) x -= counts[i - 2];
            boolean more = true;
            while (more) {
                int c = (int) (x & 0x1f);
                x >>= 5;   // arithmetic shift: a negative value ends when only sign bits are left
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                s.append((char) (c + 48));
            }
        }
        return s.toString();
    }

    /** Reads a counts string (rleFrString) of a height x width mask. */
    public static Rle fromString(String s, int height, int width) {
        int[] runs = new int[s.length()];
        int m = 0, p = 0;
        while (p < s.length()) {
            long x = 0;
            int k = 0;
            boolean more = true;
            while (more) {
                if (p >= s.length()) throw new IllegalArgumentException("RLE string ends inside a value: \"" + s + "\"");
                int c = s.charAt(p) - 48;
                if (c < 0 || c > 63)
                    throw new IllegalArgumentException("RLE string: '" + s.charAt(p) + "' at " + p + " is not a counts character");
                if (k > 6) throw new IllegalArgumentException("RLE string: value at " + p + " has more than 7 groups");
                x |= (long) (c & 0x1f) << 5 * k;
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) x |= -1L << 5 * k;   // sign-extend
            }
            if (m > 2) x += runs[m - 2];
            if (x < 0 || x > Integer.MAX_VALUE) throw new IllegalArgumentException("RLE string: run " + m + " is " + x);
            runs[m++] = (int) x;
        }
        return new Rle(height, width, Arrays.copyOf(runs, m));
    }

    /** {@code {"size": [height, width], "counts": "..."}}, a COCO segmentation object. */
    public Map<String, Object> toCoco() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("size", List.of(height, width));
        m.put("counts", toString());
        return m;
    }

    @Override public boolean equals(Object o) {
        return o instanceof Rle r && r.height == height && r.width == width && Arrays.equals(r.counts, counts);
    }

    @Override public int hashCode() { return 31 * (31 * height + width) + Arrays.hashCode(counts); }
}
