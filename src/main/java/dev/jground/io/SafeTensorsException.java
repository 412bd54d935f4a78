package dev.jground.io;

/**
 * A checkpoint that cannot be read: missing, malformed, or inconsistent. Unchecked, like
 * {@link JsonException}, so model constructors need no {@code throws}; the message always
 * begins with the file (or checkpoint) it is about.
 */
public class SafeTensorsException extends RuntimeException {
    public SafeTensorsException(String message) { super(message); }

    public SafeTensorsException(String message, Throwable cause) { super(message, cause); }
}
