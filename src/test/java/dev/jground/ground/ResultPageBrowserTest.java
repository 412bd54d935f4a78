package dev.jground.ground;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.jground.ground.SyntheticGroundings.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * index.html in a real browser, Debian's headless Chromium: it loads from disk without a console
 * error, shows the answer's markup characters as text, and each phrase's buttons show and hide its
 * mask and heat map. Without /usr/bin/chromium it is skipped, except under CI (where .ci/run
 * installs it), so there a missing browser is a failure. One browser serves every test.
 */
@Timeout(180)
class ResultPageBrowserTest {
    @TempDir Path tmp;
    private static PageCheck page;

    @BeforeAll static void startChromium() throws IOException {
        if (!Files.isExecutable(PageCheck.CHROMIUM)) {
            String why = PageCheck.CHROMIUM + " not found: install chromium (apt-get install chromium)";
            if (System.getenv("CI") != null) throw new AssertionError("CI is set, so chromium must be installed: " + why);
            Assumptions.abort("skipped, " + why);
        }
        page = PageCheck.launch();
    }

    @AfterAll static void stopChromium() throws IOException {
        if (page != null) page.close();
    }

    @Test void thePageLoadsCleanlyAndEveryPhraseTogglesItsMaskAndHeatMap() throws IOException {
        Path out = tmp.resolve("result");
        ResultFiles.write(three(), SOURCE, out);
        assertEquals(List.of(), page.check(out));
    }

    @Test void whatThePageShowsIsTheAnswerAsText() throws IOException {
        Path out = tmp.resolve("result");
        ResultFiles.write(three(), SOURCE, out);
        page.open(out.resolve("index.html"));
        // the model's "<b>" is shown, not obeyed: only our own "A:" is bold in the answer
        assertEquals(1L, page.eval("document.querySelectorAll('.answer b').length"));
        assertEquals("<b>red disc</b>1", page.eval("document.querySelector('.answer button[data-n=\"1\"]').textContent"));
        assertEquals("A: " + ANSWER.replace("disc</b>", "disc</b>1").replace("square", "square2").replace("bars", "bars3"),
                page.eval("document.querySelector('.answer').textContent"));
        assertEquals(3L, page.eval("document.querySelectorAll('.answer button').length"));
        assertEquals("jground: " + PROMPT.replace('\u0007', '\uFFFD'), page.eval("document.title"));

        // "all masks" shows the three masks and no heat map; "hide all" hides everything
        page.eval("document.querySelector('button[data-all=\"mask\"]').click()");
        assertEquals(List.of(true, true, true, false, false, false), page.eval(
                "['mask-1', 'mask-2', 'mask-3', 'heat-1', 'heat-2', 'heat-3'].map(id => document.getElementById(id).checkVisibility())"));
        page.eval("document.querySelector('button[data-all=\"none\"]').click()");
        assertEquals(0L, page.eval("[...document.querySelectorAll('.layer')].filter(l => l.checkVisibility()).length"));
        assertEquals(List.of(), page.errors());
    }

    @Test void aPageWithNoPhrasesSaysSoAndLoadsCleanly() throws IOException {
        Path out = tmp.resolve("result");
        ResultFiles.write(of(List.of()), SOURCE, out);
        assertEquals(List.of(), page.check(out));
        assertEquals(true, page.eval("document.querySelector('.none').textContent.startsWith('No phrases found')"));
    }

    /** The check itself can fail: a missing heat map is an image that did not load and an error in the console. */
    @Test void theCheckCatchesAMissingImage() throws IOException {
        Path out = tmp.resolve("result");
        ResultFiles.write(three(), SOURCE, out);
        Files.delete(out.resolve("heatmap-2.png"));
        List<String> problems = page.check(out);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("images that did not load: [heatmap-2.png]")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("console: ") && p.contains("heatmap-2.png")), problems.toString());
    }
}
