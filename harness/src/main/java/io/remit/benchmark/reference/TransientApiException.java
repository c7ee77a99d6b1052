package io.remit.benchmark.reference;

/** No answer from the API now (429, 5xx, an I/O error or a timeout): the command goes to the next retry topic. */
public class TransientApiException extends RuntimeException {
    public TransientApiException(String message) {
        super(message);
    }

    public TransientApiException(String message, Throwable cause) {
        super(message, cause);
    }
}
