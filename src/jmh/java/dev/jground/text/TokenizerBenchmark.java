package dev.jground.text;

import org.openjdk.jmh.annotations.*;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The LLaMA-2 tokenizer on a 4.8 KB text of mixed English, CJK and emoji (one BPE word in the
 * legacy layout, so the merge queue sees ~6000 symbols at once), and decoding its ids back.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenizerBenchmark {
    private Tokenizer tokenizer;
    private String text;
    private int[] ids;

    @Setup
    public void setup() {
        tokenizer = Tokenizer.load(Path.of("src/test/resources/fixtures/llama2-tokenizer/tokenizer.json"));
        text = "The cat sat on the mat and looked at the 日本 sign, 🙂 emoji.\n".repeat(80);
        ids = tokenizer.encode(text, true);
    }

    @Benchmark public int[] encode() { return tokenizer.encode(text, true); }

    @Benchmark public String decode() { return tokenizer.decode(ids, true); }
}
