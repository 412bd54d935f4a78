package dev.jground.eval;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A binary mask as COCO run-length encoding, byte for byte as pycocotools writes it
 * (cocoapi common/maskApi.c: rleEncode, rleDecode, rleArea, rleToBbox, rleToString, rleFrString,
 * rleFrPoly, rleFrBbox, rleMerge, rleIou).
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

    /**
     * A polygon's mask (rleFrPoly), pixel for pixel as pycocotools draws COCO's polygon
     * annotations: the vertices {x0, y0, x1, y1, ...} are upsampled by 5 and rounded, every edge is
     * walked one step at a time along its longer axis, and wherever the walk crosses the middle of
     * a pixel column the first pixel row below the crossing is kept; those boundary points, sorted
     * in column-major order, are the run starts. A pixel is in roughly when its centre is.
     */
    public static Rle frPoly(double[] xy, int height, int width) {
        int k = xy.length / 2;
        final double scale = 5;
        int[] x = new int[k + 1], y = new int[k + 1];
        for (int j = 0; j < k; j++) x[j] = (int) (scale * xy[2 * j] + .5);
        x[k] = x[0];
        for (int j = 0; j < k; j++) y[j] = (int) (scale * xy[2 * j + 1] + .5);
        y[k] = y[0];
        int m = 0;
        for (int j = 0; j < k; j++) m += Math.max(Math.abs(x[j] - x[j + 1]), Math.abs(y[j] - y[j + 1])) + 1;
        int[] u = new int[m], v = new int[m];
        m = 0;
        for (int j = 0; j < k; j++) {
            int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
            int dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
            // each edge is walked from its lower end along the major axis, so that the same edge
            // gives the same pixels whichever way round the polygon goes
            boolean flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) {
                int t = xs; xs = xe; xe = t;
                t = ys; ys = ye; ye = t;
            }
            double s = dx >= dy ? (double) (ye - ys) / dx : (double) (xe - xs) / dy;
            if (dx >= dy) for (int d = 0; d <= dx; d++) {
                int t = flip ? dx - d : d;
                u[m] = t + xs;
                v[m] = (int) (ys + s * t + .5);
                m++;
            }
            else for (int d = 0; d <= dy; d++) {
                int t = flip ? dy - d : d;
                v[m] = t + ys;
                u[m] = (int) (xs + s * t + .5);
                m++;
            }
        }
        // where the upsampled boundary steps across a column's centre: that column's first row inside
        k = m;
        long[] a = new long[k + 1];
        m = 0;
        for (int j = 1; j < k; j++) {
            if (u[j] == u[j - 1]) continue;
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + .5) / scale - .5;
            if (Math.floor(xd) != xd || xd < 0 || xd > width - 1) continue;
            double yd = Math.min(v[j], v[j - 1]);
            yd = (yd + .5) / scale - .5;
            if (yd < 0) yd = 0;
            else if (yd > height) yd = height;
            yd = Math.ceil(yd);
            a[m++] = (long) xd * height + (long) yd;
        }
        a[m++] = (long) height * width;
        long[] starts = Arrays.copyOf(a, m);
        Arrays.sort(starts);
        // boundary points become run lengths; two points at one place cancel (a zero run merges its neighbours)
        long previous = 0;
        for (int j = 0; j < m; j++) {
            long t = starts[j];
            starts[j] -= previous;
            previous = t;
        }
        int[] b = new int[m];
        int n = 0, j = 0;
        b[n++] = (int) starts[j++];
        while (j < m) {
            if (starts[j] > 0) b[n++] = (int) starts[j++];
            else {
                j++;
                if (j < m) b[n - 1] += (int) starts[j++];
            }
        }
        return new Rle(height, width, Arrays.copyOf(b, n));
    }

    /** A box {x, y, width, height}'s mask, drawn as its polygon (rleFrBbox). */
    public static Rle frBbox(double[] box, int height, int width) {
        double xs = box[0], xe = xs + box[2], ys = box[1], ye = ys + box[3];
        return frPoly(new double[] {xs, ys, xs, ye, xe, ye, xe, ys}, height, width);
    }

    /** The union (or intersection) of masks of one size (rleMerge), walking all their runs at once. */
    public static Rle merge(List<Rle> masks, boolean intersect) {
        if (masks.isEmpty()) throw new IllegalArgumentException("no masks to merge");
        Rle first = masks.getFirst();
        int h = first.height, w = first.width;
        if (masks.size() == 1 || (long) h * w == 0) return first;
        int[] cnts = first.counts.clone();
        int m = cnts.length;
        for (int i = 1; i < masks.size(); i++) {
            Rle b = masks.get(i);
            if (b.height != h || b.width != w)
                throw new IllegalArgumentException("cannot merge a " + b.height + "x" + b.width + " mask with a " + h + "x" + w + " one");
            int[] a = Arrays.copyOf(cnts, m), out = new int[a.length + b.counts.length + 1];   // a run ends where either input's does
            long ca = a[0], cb = b.counts[0], cc = 0, ct = 1;
            boolean v = false, va = false, vb = false;
            int ai = 1, bi = 1;
            m = 0;
            while (ct > 0) {
                long c = Math.min(ca, cb);
                cc += c;
                ct = 0;
                ca -= c;
                if (ca == 0 && ai < a.length) { ca = a[ai++]; va = !va; }
                ct += ca;
                cb -= c;
                if (cb == 0 && bi < b.counts.length) { cb = b.counts[bi++]; vb = !vb; }
                ct += cb;
                boolean vp = v;
                v = intersect ? va && vb : va || vb;
                if (v != vp || ct == 0) { out[m++] = (int) cc; cc = 0; }
            }
            cnts = out;
        }
        return new Rle(h, w, Arrays.copyOf(cnts, m));
    }

    /**
     * Intersection over union of a detection and a ground-truth mask (rleIou); against a crowd
     * region the union is the detection's own area, so a detection inside a crowd scores 1.
     * rleIou first skips pairs whose boxes do not overlap; such masks share no pixel, so the
     * 0 it gives them is what counting the shared pixels gives too.
     */
    public static double iou(Rle dt, Rle gt, boolean crowd) {
        if (dt.height != gt.height || dt.width != gt.width)
            throw new IllegalArgumentException("IoU of a " + dt.height + "x" + dt.width + " and a " + gt.height + "x" + gt.width + " mask");
        long inter = 0, union = 0;
        int a = 0, b = 0;
        long ca = 0, cb = 0;
        boolean va = true, vb = true;    // flipped to 0s as the first runs are taken
        long at = 0, total = (long) dt.height * dt.width;
        while (at < total) {
            while (ca == 0) { ca = dt.counts[a++]; va = !va; }
            while (cb == 0) { cb = gt.counts[b++]; vb = !vb; }
            long c = Math.min(ca, cb);
            if (va || vb) union += c;
            if (va && vb) inter += c;
            ca -= c;
            cb -= c;
            at += c;
        }
        if (inter == 0) return 0;
        return (double) inter / (double) (crowd ? dt.area() : union);
    }

    /** Whether pixel (x, y) is set, without decoding the mask. */
    public boolean contains(int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= height)
            throw new IllegalArgumentException("pixel (" + x + ", " + y + ") is outside the " + width + "x" + height + " mask");
        long index = (long) x * height + y, at = 0;
        for (int j = 0; j < counts.length; j++) {
            at += counts[j];
            if (index < at) return (j & 1) == 1;
        }
        return false;
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
