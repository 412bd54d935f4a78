package dev.jground.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The central directory of a zip file already mapped into memory, and where each entry's
 * bytes lie in that mapping. Only what {@code torch.save} writes is accepted: stored (not
 * compressed) entries, one disk, ZIP64 where sizes or offsets pass 4 GiB. Record layouts are
 * PKWARE's APPNOTE.TXT 6.3: end of central directory 4.3.16, ZIP64 end record and locator
 * 4.3.14-15, central header 4.3.12, local header 4.3.7, ZIP64 extra field 4.5.3.
 *
 * <p>The directory gives each entry's size; the local header is read only for the length of
 * its name and extra field, because torch pads the extra field so that data starts on a
 * 64-byte boundary, and its local header holds no sizes (general purpose bit 3).
 */
final class ZipDirectory {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final int END = 0x06054b50, END64 = 0x06064b50, LOCATOR64 = 0x07064b50;
    private static final int CENTRAL = 0x02014b50, LOCAL = 0x04034b50;
    private static final long MAX_COMMENT = 0xFFFF;

    /** An entry's bytes: {@code [start, start + size)} of the file. */
    record Entry(String name, long start, long size) {}

    private ZipDirectory() {}

    /** Entries by name, in directory order. {@code file} names the file in error messages. */
    static Map<String, Entry> read(String file, MemorySegment zip) {
        long size = zip.byteSize();
        long end = findEnd(file, zip);
        long count = u16(zip, end + 10), dirSize = u32(zip, end + 12), dirStart = u32(zip, end + 16);
        if (u16(zip, end + 4) != 0 || u16(zip, end + 6) != 0)
            throw new SafeTensorsException(file + ": multi-disk zip archives are not supported");
        if (count == 0xFFFF || dirSize == 0xFFFFFFFFL || dirStart == 0xFFFFFFFFL) {
            long locator = end - 20;
            if (locator < 0 || u32(zip, locator) != LOCATOR64)
                throw new SafeTensorsException(file + ": zip end record defers to ZIP64 but the ZIP64 locator is missing");
            long end64 = zip.get(U64, locator + 8);
            if (end64 < 0 || end64 > locator - 56 || u32(zip, end64) != END64)
                throw new SafeTensorsException(file + ": ZIP64 end of central directory record not found at byte " + end64);
            count = zip.get(U64, end64 + 32);
            dirSize = zip.get(U64, end64 + 40);
            dirStart = zip.get(U64, end64 + 48);
        }
        if (dirStart < 0 || dirSize < 0 || dirStart + dirSize > end)
            throw new SafeTensorsException(file + ": zip central directory [" + dirStart + ", +" + dirSize
                    + ") lies outside the file (" + size + " bytes): truncated?");

        Map<String, Entry> entries = new LinkedHashMap<>();
        long at = dirStart;
        for (long i = 0; i < count; i++) {
            if (at + 46 > dirStart + dirSize || u32(zip, at) != CENTRAL)
                throw new SafeTensorsException(file + ": zip central directory entry " + i + " of " + count
                        + " is malformed (at byte " + at + ")");
            int method = (int) u16(zip, at + 10);
            long stored = u32(zip, at + 20), original = u32(zip, at + 24), local = u32(zip, at + 42);
            int nameLen = (int) u16(zip, at + 28), extraLen = (int) u16(zip, at + 30), commentLen = (int) u16(zip, at + 32);
            if (at + 46 + nameLen + extraLen + commentLen > dirStart + dirSize)
                throw new SafeTensorsException(file + ": zip central directory entry " + i + " of " + count
                        + " runs past the end of the directory");
            String name = new String(zip.asSlice(at + 46, nameLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);

            // ZIP64 extra: only the fields whose 32-bit value is all ones, in this order.
            long extra = at + 46 + nameLen, extraEnd = extra + extraLen;
            while (extra + 4 <= extraEnd) {
                int id = (int) u16(zip, extra), len = (int) u16(zip, extra + 2);
                if (id == 0x0001) {
                    int needed = 8 * ((original == 0xFFFFFFFFL ? 1 : 0) + (stored == 0xFFFFFFFFL ? 1 : 0)
                            + (local == 0xFFFFFFFFL ? 1 : 0));
                    if (len < needed || extra + 4 + len > extraEnd)
                        throw new SafeTensorsException(file + ": zip entry '" + name + "': ZIP64 extra field of " + len
                                + " bytes, " + needed + " needed");
                    long f = extra + 4;
                    if (original == 0xFFFFFFFFL) { original = zip.get(U64, f); f += 8; }
                    if (stored == 0xFFFFFFFFL) { stored = zip.get(U64, f); f += 8; }
                    if (local == 0xFFFFFFFFL) local = zip.get(U64, f);
                }
                extra += 4 + len;
            }
            if (method != 0)
                throw new SafeTensorsException(file + ": zip entry '" + name + "' is compressed (method " + method
                        + "); torch.save writes stored entries");
            if (stored != original)
                throw new SafeTensorsException(file + ": zip entry '" + name + "' is stored with " + stored
                        + " bytes but says " + original + " uncompressed");
            if (local < 0 || local + 30 > size || u32(zip, local) != LOCAL)
                throw new SafeTensorsException(file + ": zip entry '" + name + "': no local header at byte " + local);
            long start = local + 30 + u16(zip, local + 26) + u16(zip, local + 28);
            if (stored < 0 || start + stored > size)
                throw new SafeTensorsException(file + ": zip entry '" + name + "' (" + stored + " bytes at byte " + start
                        + ") runs past the end of the file (" + size + " bytes): truncated?");
            if (entries.put(name, new Entry(name, start, stored)) != null)
                throw new SafeTensorsException(file + ": zip entry '" + name + "' appears twice");
            at += 46 + nameLen + extraLen + commentLen;
        }
        return Collections.unmodifiableMap(entries);
    }

    /** The end of central directory record: the last signature whose comment reaches exactly to the end. */
    private static long findEnd(String file, MemorySegment zip) {
        long size = zip.byteSize();
        for (long at = size - 22; at >= 0 && at >= size - 22 - MAX_COMMENT; at--)
            if (u32(zip, at) == END && at + 22 + u16(zip, at + 20) == size) return at;
        throw new SafeTensorsException(file + ": not a zip archive, or truncated (no end of central directory record)");
    }

    private static long u16(MemorySegment s, long at) { return Short.toUnsignedLong(s.get(U16, at)); }

    private static long u32(MemorySegment s, long at) { return Integer.toUnsignedLong(s.get(U32, at)); }
}
