package io.remit.peer;

/**
 * No answer from the API now (429, 5xx, an I/O error or a timeout): thrown out of the record's function, so Parallel
 * Consumer retries the record after its retry delay. No stack trace: it is an answer, not a bug, and Parallel Consumer
 * logs every failed attempt.
 */
class TransientApiException extends RuntimeException {
    TransientApiException(String message) {
        super(message, null, false, false);
    }
}
