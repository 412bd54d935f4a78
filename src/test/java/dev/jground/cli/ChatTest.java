package dev.jground.cli;

import dev.jground.image.ImageFiles;
import dev.jground.io.JsonObject;
import dev.jground.io.SafeTensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** jground chat end to end on the llava-tiny golden model: photo file in, the reference's greedy answer out. */
class ChatTest {
    static final Path CASE = VerifyTest.GOLDEN.resolve("llava-tiny");
    static final String TOKENIZER = "src/test/resources/fixtures/llama2-tokenizer/tokenizer.json";

    static Path photo(Path dir) throws Exception {
        Path png = dir.resolve("chelsea.png");
        try (SafeTensorsFile golden = SafeTensorsFile.open(CASE.resolve("golden.safetensors"))) {
            ImageFiles.writePng(Images.fromHwc(golden.tensor("in.image")), png);
        }
        return png;
    }

    @Test void answersAsTheReferenceDid(@TempDir Path tmp) throws Exception {
        // the golden's prompt is the llava-hf template (no system sentence) with the default question
        String[] io = MainTest.run(0, "chat", "--model", CASE.toString(), "--tokenizer", TOKENIZER,
                "--image", photo(tmp).toString(), "--template", "llava-hf", "--max-tokens", "12", "--threads", "2");
        String expected = JsonObject.parse(CASE.resolve("golden.json")).object("generation").string("generated_text");
        assertEquals(expected + "\n", io[0]);
        assertTrue(io[1].contains("generating (prompt 55 tokens)"), io[1]);
    }

    @Test void badInputIsOneLine(@TempDir Path tmp) throws Exception {
        assertEquals("jground chat: --image is required (jground help lists the verbs)\n",
                MainTest.run(2, "chat", "--model", CASE.toString())[1]);
        Path junk = tmp.resolve("junk.png");
        java.nio.file.Files.writeString(junk, "not a png");
        String err = MainTest.run(2, "chat", "--model", CASE.toString(), "--tokenizer", TOKENIZER, "--image", junk.toString())[1];
        assertTrue(err.startsWith("jground chat: " + junk + ": not an image file jground can read"), err);
        err = MainTest.run(2, "chat", "--model", CASE.toString(), "--image", photo(tmp).toString())[1];
        assertTrue(err.contains("no tokenizer.json (give one with --tokenizer)"), err);
        // the tiny model's context is 512 positions: a long question does not fit
        err = MainTest.run(2, "chat", "--model", CASE.toString(), "--tokenizer", TOKENIZER, "--image", photo(tmp).toString(),
                "--prompt", "word ".repeat(600))[1];
        assertTrue(err.contains("exceed the model's context of 512"), err);
    }
}
