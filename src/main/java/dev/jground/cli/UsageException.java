package dev.jground.cli;

/** A wrong command line: printed as one line with a pointer to the help, exit status 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) { super(message); }
}
