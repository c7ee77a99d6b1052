package io.remit;

/** A setting that is missing or contradicts another; start-up fails with its message as one line. */
public class InvalidConfigurationException extends IllegalArgumentException {
    public InvalidConfigurationException(String message) {
        super(message);
    }
}
