package dev.jground.io;

/** Malformed JSON, or JSON of the wrong shape; the message names the source and where. */
public class JsonException extends RuntimeException {
    public JsonException(String message) { super(message); }

    public JsonException(String message, Throwable cause) { super(message, cause); }
}
