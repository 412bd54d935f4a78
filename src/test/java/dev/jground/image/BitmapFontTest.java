package dev.jground.image;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class BitmapFontTest {

    private static String picture(int cp) {
        StringBuilder s = new StringBuilder();
        for (int row = 0; row < BitmapFont.GLYPH_HEIGHT; row++) {
            for (int col = 0; col < BitmapFont.GLYPH_WIDTH; col++) s.append(BitmapFont.ink(cp, col, row) ? '#' : '.');
            s.append('/');
        }
        return s.toString();
    }

    @Test void glyphsAreTheirPictures() {
        assertEquals(".###./#...#/#...#/#####/#...#/#...#/#...#/...../", picture('A'));
        assertEquals("..#../..#../..#../..#../..#../..#../..#../...../", picture('|'));
        assertEquals("...../...../#...#/#...#/#...#/.####/....#/.###./", picture('y'), "a descender uses the eighth row");
        assertEquals("...../...../...../...../...../...../...../...../", picture(' '));
    }

    @Test void everyPrintableCharacterHasItsOwnInkedGlyph() {
        Set<String> seen = new HashSet<>();
        for (int c = '!'; c <= '~'; c++) {
            String p = picture(c);
            assertTrue(p.contains("#"), "'" + (char) c + "' has ink");
            assertTrue(seen.add(p), "'" + (char) c + "' looks like another character");
        }
    }

    @Test void anythingElseIsAQuestionMark() {
        for (int cp : new int[] {'\n', 0x7F, 'é', 0x1F642})
            assertEquals(picture('?'), picture(cp), "U+" + Integer.toHexString(cp));
        assertEquals(5 * BitmapFont.ADVANCE * 2, BitmapFont.width("h\uD83D\uDE42llo", 2), "one cell per code point");
    }

    @Test void drawsScaledAndClipped() {
        Canvas c = new Canvas(new RgbImage(11, 15, new byte[11 * 15 * 3]));
        BitmapFont.draw(c, "A", 0, 0, 2, 0xFFFFFF);
        BitmapFont.draw(c, "WWWW", 8, 12, 3, 0xFFFFFF);   // mostly off the canvas: cut, not an error
        RgbImage img = c.toImage();
        // A's top row .###. at scale 2: x 2..7 of rows 0..1 lit, x 0..1 dark
        for (int x = 0; x < 10; x++) assertEquals(x >= 2 && x < 8 ? 255 : 0, img.get(x, 1, 0), "x=" + x);
        assertEquals(255, img.get(0, 2, 1), "row 1 '#...#' starts lit");
        assertEquals(255, img.get(8, 12, 2), "W's top-left pixel");
    }
}
